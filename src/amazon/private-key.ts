/**
 * The checks of a merchant's Amazon Pay private key, in one place for every door that takes one
 * (admin API, back office): what is wrong with a pasted PEM, said precisely, and whether the key
 * belongs to its public key id, proven with a real signed call to the chosen environment.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { AmazonPayClient, type AmazonPayClientOptions } from "./client.js";
import { AmazonPayError } from "./errors.js";

export type PrivateKeyProblemCode =
  | "empty"
  | "escaped-line-breaks"
  | "joined-lines"
  | "not-pem"
  | "public-key"
  | "certificate"
  | "encrypted"
  | "unreadable"
  | "not-rsa"
  | "too-short";

export type PrivateKeyCheck =
  | { readonly ok: true; readonly key: KeyObject }
  | { readonly ok: false; readonly code: PrivateKeyProblemCode; readonly message: string };

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;

/**
 * What is wrong with `pem` as an Amazon Pay private key (RSA, PKCS#8 `PRIVATE KEY` or PKCS#1
 * `RSA PRIVATE KEY`, unencrypted, at least 2048 bits), or the parsed key.
 * @example checkPrivateKeyPem("-----BEGIN PUBLIC KEY-----…") // { ok: false, code: "public-key", … }
 */
export function checkPrivateKeyPem(pem: string): PrivateKeyCheck {
  const problem = (code: PrivateKeyProblemCode, message: string): PrivateKeyCheck => ({
    ok: false,
    code,
    message,
  });
  const text = pem.trim();
  if (text === "") return problem("empty", "the private key is empty");
  const label = BEGIN.exec(text)?.[1];
  if (label === undefined)
    return problem("not-pem", "the private key is not a PEM: it lacks the -----BEGIN PRIVATE KEY----- line");
  if (label === "PUBLIC KEY" || label === "RSA PUBLIC KEY")
    return problem(
      "public-key",
      "this is the public key; give the private key (the file Amazon's key generation saved, -----BEGIN PRIVATE KEY-----)",
    );
  if (label === "CERTIFICATE") return problem("certificate", "this is a certificate, not a private key");
  if (label === "ENCRYPTED PRIVATE KEY" || /Proc-Type: 4,ENCRYPTED/.test(text))
    return problem(
      "encrypted",
      "the private key is protected by a passphrase; store it unencrypted (openssl pkey -in key.pem -out plain.pem)",
    );
  if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY")
    return problem(
      "not-pem",
      `a PEM "${label}" is not a private key Amazon Pay uses (PRIVATE KEY or RSA PRIVATE KEY)`,
    );
  if (/\\n/.test(text))
    return problem(
      "escaped-line-breaks",
      'the private key holds the two characters "\\n" instead of line breaks (escaped twice on the way)',
    );
  if (!/-----\r?\n/.test(text))
    return problem(
      "joined-lines",
      "the private key's lines were joined (spaces instead of line breaks after -----BEGIN …-----)",
    );
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    return problem(
      "unreadable",
      "the private key's base64 body is damaged (characters missing, added or changed between the BEGIN and END lines)",
    );
  }
  if (key.asymmetricKeyType !== "rsa")
    return problem(
      "not-rsa",
      `the private key is ${key.asymmetricKeyType?.toUpperCase() ?? "not RSA"}; Amazon Pay keys are RSA`,
    );
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return problem("too-short", `the RSA key has ${bits} bits; Amazon Pay keys have 2048`);
  return { ok: true, key };
}

export type KeyVerification =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: "key-mismatch" | "unknown-key-id" | "unreachable";
      readonly message: string;
    };

/** Reason codes with which Amazon refuses a request's signature or key before looking at it. */
const SIGNATURE_REFUSED = new Set(["InvalidRequestSignature", "InvalidSignature"]);
const KEY_REFUSED = new Set(["UnauthorizedAccess", "InvalidPublicKeyId", "InvalidAuthentication"]);

export interface KeyVerificationTarget
  extends Pick<
    AmazonPayClientOptions,
    "region" | "environment" | "publicKeyId" | "privateKey" | "baseUrl" | "ca"
  > {}

/**
 * Proves that `privateKey` belongs to `publicKeyId` in that environment: a signed read
 * (`getCheckoutSession` of an id that cannot exist). Amazon checks the signature first, so a
 * `ResourceNotFound` (or any answer past authentication) proves the pair; `InvalidRequestSignature`
 * means the key does not match the id, `UnauthorizedAccess` that Amazon does not know the id there.
 */
export async function verifyKeyAtAmazon(target: KeyVerificationTarget): Promise<KeyVerification> {
  let client: AmazonPayClient;
  try {
    client = new AmazonPayClient({
      ...target,
      retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1_000 },
      timeouts: { connectMs: 5_000, responseMs: 10_000 },
      connections: 1,
    });
  } catch (error) {
    return { ok: false, reason: "unknown-key-id", message: (error as Error).message };
  }
  try {
    await client.getCheckoutSession("kasse-key-check");
    return { ok: true };
  } catch (error) {
    if (!(error instanceof AmazonPayError)) throw error;
    if (SIGNATURE_REFUSED.has(error.reasonCode))
      return {
        ok: false,
        reason: "key-mismatch",
        message: `Amazon refused the signature: the private key does not belong to public key id ${target.publicKeyId}`,
      };
    if (KEY_REFUSED.has(error.reasonCode))
      return {
        ok: false,
        reason: "unknown-key-id",
        message: `Amazon does not accept public key id ${target.publicKeyId} in ${target.environment} (${error.reasonCode}: ${error.message.slice(0, 200)})`,
      };
    if (error.httpStatus !== undefined && error.httpStatus >= 400 && error.httpStatus < 500)
      return { ok: true };
    return {
      ok: false,
      reason: "unreachable",
      message: `Amazon could not be asked to check the key: ${error.message.slice(0, 200)}`,
    };
  } finally {
    await client.close();
  }
}
