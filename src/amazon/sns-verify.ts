import { createPublicKey, type KeyObject, verify } from "node:crypto";
import type { Clock } from "../core/clock.js";
import { type SnsMessage, type SnsSignatureVersion, snsDigestOf, snsStringToSign } from "./sns-message.js";

/** Why a message was refused; stable names for logs and the intake's answer. */
export type SnsRefusal =
  | "malformed-json"
  | "missing-field"
  | "invalid-field"
  | "unsupported-signature-version"
  | "untrusted-certificate-url"
  | "certificate-unavailable"
  | "bad-signature"
  | "stale-timestamp";

export class SnsVerificationError extends Error {
  override readonly name = "SnsVerificationError";
  constructor(
    readonly reason: SnsRefusal,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export interface SnsVerifierOptions {
  /** Returns the PEM behind a `SigningCertURL`; called once per URL while it succeeds (cached). */
  fetchCertificate(url: string): Promise<string>;
  /**
   * Exactly one more certificate URL to trust besides Amazon's SNS hosts: the emulator's own
   * `https://127.0.0.1:<port>/__sns/cert.pem` in emulator mode. Compared as the whole URL.
   */
  extraCertificateUrl?: string;
  /** With a clock, `Timestamp` must lie within `maxAgeMs` before and `maxSkewMs` after now. */
  clock?: Clock;
  maxAgeMs?: number;
  maxSkewMs?: number;
}

/** Verifies one SNS message body; returns it typed or throws {@link SnsVerificationError}. */
export type SnsVerifier = (body: string) => Promise<SnsMessage>;

/** AWS's rule for genuine SNS signing hosts (§10 step 1). */
const SNS_HOST = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;
const TYPES = new Set(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]);
const COMMON_FIELDS = [
  "Type",
  "MessageId",
  "TopicArn",
  "Message",
  "Timestamp",
  "SignatureVersion",
  "Signature",
  "SigningCertURL",
];
const FIELDS_BY_TYPE: Record<string, string[]> = {
  Notification: [...COMMON_FIELDS, "UnsubscribeURL"],
  SubscriptionConfirmation: [...COMMON_FIELDS, "Token", "SubscribeURL"],
  UnsubscribeConfirmation: [...COMMON_FIELDS, "Token", "SubscribeURL"],
};
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const CACHE_LIMIT = 32;

export function createSnsVerifier(options: SnsVerifierOptions): SnsVerifier {
  const keys = new Map<string, Promise<KeyObject>>();

  function publicKeyAt(url: string): Promise<KeyObject> {
    let key = keys.get(url);
    if (!key) {
      key = options.fetchCertificate(url).then((pem) => createPublicKey(pem));
      // A failed fetch is not remembered, so the next message tries again.
      key.catch(() => keys.delete(url));
      if (keys.size >= CACHE_LIMIT) keys.delete(keys.keys().next().value as string);
      keys.set(url, key);
    }
    return key;
  }

  return async (body) => {
    const message = parseSnsMessage(body);
    checkCertificateUrl(message.SigningCertURL, options.extraCertificateUrl);
    checkTimestamp(message.Timestamp, options);
    let key: KeyObject;
    try {
      key = await publicKeyAt(message.SigningCertURL);
    } catch (error) {
      throw new SnsVerificationError("certificate-unavailable", (error as Error).message);
    }
    const signed = Buffer.from(snsStringToSign(message), "utf8");
    const signature = Buffer.from(message.Signature, "base64");
    if (!verify(snsDigestOf(message.SignatureVersion), signed, key, signature)) {
      throw new SnsVerificationError("bad-signature", "signature does not match the message");
    }
    return message;
  };
}

/** Checks shape and types only (no signature): required fields present and strings. */
export function parseSnsMessage(body: string): SnsMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new SnsVerificationError("malformed-json", "body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SnsVerificationError("malformed-json", "body is not a JSON object");
  }
  const fields = value as Record<string, unknown>;
  const type = fields.Type;
  if (type === undefined) throw new SnsVerificationError("missing-field", "Type");
  if (typeof type !== "string" || !TYPES.has(type)) {
    throw new SnsVerificationError("invalid-field", `Type ${JSON.stringify(type)}`);
  }
  for (const name of FIELDS_BY_TYPE[type] as string[]) {
    if (fields[name] === undefined || fields[name] === null) {
      throw new SnsVerificationError("missing-field", name);
    }
    if (typeof fields[name] !== "string") throw new SnsVerificationError("invalid-field", name);
  }
  if (fields.Subject !== undefined && fields.Subject !== null && typeof fields.Subject !== "string") {
    throw new SnsVerificationError("invalid-field", "Subject");
  }
  const version = fields.SignatureVersion as string;
  if (version !== "1" && version !== "2") {
    throw new SnsVerificationError("unsupported-signature-version", `SignatureVersion ${version}`);
  }
  if (!ISO_TIMESTAMP.test(fields.Timestamp as string)) {
    throw new SnsVerificationError("invalid-field", "Timestamp");
  }
  if (!BASE64.test(fields.Signature as string)) throw new SnsVerificationError("invalid-field", "Signature");
  return fields as unknown as SnsMessage & { SignatureVersion: SnsSignatureVersion };
}

function checkCertificateUrl(text: string, extra: string | undefined): void {
  if (extra !== undefined && text === extra) return;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SnsVerificationError("untrusted-certificate-url", "SigningCertURL is not a URL");
  }
  if (url.protocol !== "https:") {
    throw new SnsVerificationError("untrusted-certificate-url", "SigningCertURL is not https");
  }
  if (!url.pathname.endsWith(".pem")) {
    throw new SnsVerificationError("untrusted-certificate-url", "SigningCertURL does not end in .pem");
  }
  if (!SNS_HOST.test(url.hostname) || url.port !== "" || url.username !== "" || url.password !== "") {
    throw new SnsVerificationError("untrusted-certificate-url", `host ${url.host} is not an SNS host`);
  }
}

function checkTimestamp(text: string, options: SnsVerifierOptions): void {
  if (!options.clock) return;
  const at = Date.parse(text);
  const now = options.clock.now();
  const maxAge = options.maxAgeMs ?? 4 * 3_600_000;
  const maxSkew = options.maxSkewMs ?? 5 * 60_000;
  if (at < now - maxAge || at > now + maxSkew) {
    throw new SnsVerificationError("stale-timestamp", `Timestamp ${text} is outside the accepted window`);
  }
}
