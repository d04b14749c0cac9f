// @peculiar/x509 needs a Reflect metadata polyfill loaded before it (its README).
import "reflect-metadata";
import { createHmac, createPrivateKey, type KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { Queryable } from "../../store/database.js";

/**
 * The emulator's SNS signing identity: an RSA-2048 key and a self-signed X.509 certificate for
 * `CN=sns.emulator-1.amazonaws.com`, a name that fits AWS's SNS host pattern (§10), so a
 * receiver that pins the pattern only needs a hosts entry for it. Served at `GET /__sns/cert.pem`.
 */
export interface SigningIdentity {
  certificatePem: string;
  privateKey: KeyObject;
}

export const SIGNING_CERTIFICATE_SUBJECT = "CN=sns.emulator-1.amazonaws.com, O=Kasse Amazon Pay emulator";

const VALIDITY_MS = 10 * 365 * 24 * 3_600_000;

/** A fresh identity as PEM strings; `notBefore` backdated a day to tolerate clock skew. */
export async function createSigningIdentityPem(
  now: number,
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const algorithm = {
    name: "RSASSA-PKCS1-v1_5",
    hash: "SHA-256",
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: now.toString(16).padStart(16, "0"),
      name: SIGNING_CERTIFICATE_SUBJECT,
      notBefore: new Date(now - 24 * 3_600_000),
      notAfter: new Date(now + VALIDITY_MS),
      signingAlgorithm: algorithm,
      keys,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  const body = Buffer.from(pkcs8)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return {
    certificatePem: certificate.toString("pem"),
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${body.trimEnd()}\n-----END PRIVATE KEY-----\n`,
  };
}

/**
 * Loads the identity kept in the emulator's database, creating it on first use. Concurrent
 * first starts are safe: the insert does nothing on conflict and everyone reads the winner.
 */
export async function loadOrCreateSigningIdentity(db: Queryable, now: number): Promise<SigningIdentity> {
  const select = "select certificate_pem, private_key_pem from sns_signing_identity where id";
  let rows = await db.query<{ certificate_pem: string; private_key_pem: string }>(select);
  if (rows.length === 0) {
    const fresh = await createSigningIdentityPem(now);
    await db.query(
      "insert into sns_signing_identity (id, certificate_pem, private_key_pem) values (true, $1, $2) on conflict (id) do nothing",
      [fresh.certificatePem, fresh.privateKeyPem],
    );
    rows = await db.query(select);
  }
  const row = rows[0];
  if (!row) throw new Error("SNS signing identity could not be stored");
  return { certificatePem: row.certificate_pem, privateKey: createPrivateKey(row.private_key_pem) };
}

/** A secret derived from the stored key for `purpose`: the same in every instance and after restarts. */
export function derivedSecret(identity: SigningIdentity, purpose: string): Buffer {
  const der = identity.privateKey.export({ type: "pkcs8", format: "der" });
  return createHmac("sha256", der).update(purpose).digest();
}
