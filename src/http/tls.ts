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

/**
 * Mozilla's "intermediate" profile (v5.7): TLS 1.3's suites, and on TLS 1.2 only ECDHE/DHE with
 * AEAD ciphers (GCM, ChaCha20-Poly1305) — no CBC, no SHA-1, no static RSA key exchange.
 */
export const TLS_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "DHE-RSA-AES128-GCM-SHA256",
  "DHE-RSA-AES256-GCM-SHA384",
  "DHE-RSA-CHACHA20-POLY1305",
].join(":");

/**
 * Server options: TLS 1.2 at least (Amazon refuses older with `TLSVersionNotSupported`; 1.0/1.1
 * are refused), AEAD ciphers only ({@link TLS_CIPHERS}), the client's cipher order (Mozilla:
 * every offered suite is strong).
 */
export function httpsServerOptions(certificate: CertificatePem): SecureContextOptions {
  return {
    cert: certificate.cert,
    key: certificate.key,
    minVersion: "TLSv1.2",
    ciphers: TLS_CIPHERS,
    ecdhCurve: "X25519:prime256v1:secp384r1",
  };
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, content, { mode });
  await rename(partial, path);
}
