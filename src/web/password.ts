/**
 * Back-office passwords, hashed with scrypt (memory-hard, in node:crypto — no native addon).
 * Parameters: N = 2^15, r = 8, p = 1 (32 MiB and ~0.1 s per hash on a small server; OWASP's
 * minimum for scrypt is N = 2^17 with r = 8, p = 1 *or* an equivalent memory×time — we keep
 * N = 2^15 so a sign-in stays fast on 2 cores and record N, r and p in each hash, so raising them
 * later re-hashes at the next sign-in without a migration), a 16-byte random salt, 32-byte key.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const SCRYPT_PARAMETERS: ScryptParameters = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** Passwords shorter than this are refused when set (NIST SP 800-63B's minimum is 8; we ask 12). */
export const MIN_PASSWORD_LENGTH = 12;
/** scrypt reads the whole password; a bound keeps a hostile 1 MB "password" from costing more. */
export const MAX_PASSWORD_LENGTH = 256;

function derive(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      KEY_LENGTH,
      { ...parameters, maxmem: 256 * parameters.N * parameters.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** `scrypt$N$r$p$saltBase64$hashBase64` */
export async function hashPassword(
  password: string,
  parameters: ScryptParameters = SCRYPT_PARAMETERS,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, parameters);
  return [
    "scrypt",
    parameters.N,
    parameters.r,
    parameters.p,
    salt.toString("base64"),
    key.toString("base64"),
  ].join("$");
}

/** Constant-time comparison; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const key = await derive(password, Buffer.from(salt, "base64"), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to verify against when the account does not exist, so both cases take as long. */
export const DUMMY_HASH = await hashPassword(randomBytes(12).toString("base64"));
