import { createHmac, createPrivateKey, type KeyObject } from "node:crypto";
import { createSelfSignedCertificate } from "../../http/certificates.js";
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

/** A fresh identity as PEM strings. */
export async function createSigningIdentityPem(
  now: number,
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const { cert, key } = await createSelfSignedCertificate({
    subject: SIGNING_CERTIFICATE_SUBJECT,
    keyType: "rsa-2048",
    usage: "signing",
    now,
    validDays: 3650,
  });
  return { certificatePem: cert, privateKeyPem: key };
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
