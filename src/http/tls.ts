/**
 * TLS for every Kasse server: the operator's certificate (`--tls-cert/--tls-key`), or a
 * self-signed ECDSA P-256 certificate for localhost/127.0.0.1 made on first start and kept in the
 * data directory, so restarts keep the certificate a browser or client was told to trust.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SecureContextOptions } from "node:tls";
import { type CertificatePem, createSelfSignedCertificate } from "./certificates.js";

export type { CertificatePem } from "./certificates.js";

const CERT_FILE = "tls-cert.pem";
const KEY_FILE = "tls-key.pem";

/** A fresh self-signed localhost certificate (tests use this; nothing touches the disk). */
export function createCertificate(now: number = Date.now()): Promise<CertificatePem> {
  return createSelfSignedCertificate({
    subject: "CN=localhost, O=Kasse (self-signed)",
    keyType: "ecdsa-p256",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1", "::1"],
    usage: "tls-server",
    now,
    validDays: 825,
  });
}

/** The certificate kept in `dataDir`, created there on first use. */
export async function loadOrCreateCertificate(dataDir: string): Promise<CertificatePem> {
  const certPath = join(dataDir, CERT_FILE);
  const keyPath = join(dataDir, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
  }
  await mkdir(dataDir, { recursive: true });
  const created = await createCertificate();
  // Key first, certificate last: a half-written pair is never mistaken for a complete one.
  await writeAtomically(keyPath, created.key, 0o600);
  await writeAtomically(certPath, created.cert, 0o644);
  return created;
}

/** Reads an operator-supplied certificate and key. */
export async function loadCertificate(certPath: string, keyPath: string): Promise<CertificatePem> {
  return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
}

/** Server options: TLS 1.2 at least (Amazon refuses older with `TLSVersionNotSupported`). */
export function httpsServerOptions(certificate: CertificatePem): SecureContextOptions {
  return { cert: certificate.cert, key: certificate.key, minVersion: "TLSv1.2" };
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, content, { mode });
  await rename(partial, path);
}
