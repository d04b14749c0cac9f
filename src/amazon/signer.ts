/**
 * Signing and verifying Amazon Pay v2 requests and button payloads
 * (reference/amazon-pay-v2.md §2.1, §2.2, §2.5): RSASSA-PSS with SHA-256 and MGF1(SHA-256),
 * salt length by algorithm. The private key is parsed once per signer, never per request.
 */
import { constants, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { type Clock, compactTimestamp, systemClock } from "../core/clock.js";
import { rsaSignatures } from "../metrics.js";
import {
  type AlgorithmName,
  candidateStringsToSign,
  canonicalRequest,
  formatAuthorization,
  parseAuthorization,
  SIGNATURE_ALGORITHMS,
  type SignableRequest,
  type SignatureAlgorithm,
  stringToSign,
} from "./canonical.js";

/** Parses an RSA private key from PEM, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`). */
export function parsePrivateKey(pem: string | KeyObject): KeyObject {
  const key = typeof pem === "string" ? createPrivateKey(pem) : pem;
  if (key.type !== "private" || key.asymmetricKeyType !== "rsa") {
    throw new TypeError("Amazon Pay needs an RSA private key");
  }
  return key;
}

/** Parses an RSA public key (SPKI or PKCS#1 PEM), or derives it from a private key. */
export function parsePublicKey(key: string | KeyObject): KeyObject {
  return typeof key === "string" || key.type === "private" ? createPublicKey(key) : key;
}

function pss(key: KeyObject, algorithm: SignatureAlgorithm) {
  return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength };
}

/** Base64 RSASSA-PSS signature of the UTF-8 text, counted in `rsaSignatures` under `purpose`. */
export function signText(
  key: KeyObject,
  algorithm: SignatureAlgorithm,
  text: string,
  purpose: "request" | "button" = "button",
): string {
  rsaSignatures.inc({ purpose });
  return sign("sha256", Buffer.from(text, "utf8"), pss(key, algorithm)).toString("base64");
}

/** Verifies a base64 signature of the UTF-8 text under the algorithm's salt length (strict). */
export function verifyText(
  key: KeyObject,
  algorithm: SignatureAlgorithm,
  text: string,
  signature: string,
): boolean {
  const bytes = Buffer.from(signature, "base64");
  if (bytes.length === 0) return false;
  return verify("sha256", Buffer.from(text, "utf8"), pss(key, algorithm), bytes);
}

/** Headers Kasse signs and sends on every request, lower-case names (§2.4, §16). */
export interface SignedRequestInput {
  method: string;
  /** Path exactly as it will be sent (already percent-encoded). */
  path: string;
  /** Query exactly as it will be sent, without `?`. */
  query: string;
  body: string;
  /** Further headers to sign, lower-case names (e.g. `x-amz-pay-idempotency-key`). */
  headers?: Readonly<Record<string, string>>;
}

export interface RequestSignerOptions {
  publicKeyId: string;
  privateKey: string | KeyObject;
  /** Defaults to `AMZN-PAY-RSASSA-PSS-V2`, the one Amazon's docs now use (§16). */
  algorithm?: AlgorithmName;
  /** `x-amz-pay-region`: `na`, `eu` or `jp`. */
  region: string;
  /** `x-amz-pay-host`: the API host, or `host:port` of an override. */
  host: string;
  clock?: Clock;
}

/**
 * Signs API requests and button payloads for one key.
 *
 * @example
 * const signer = new RequestSigner({ publicKeyId, privateKey: pem, region: "eu", host: "pay-api.amazon.eu" });
 * const headers = signer.signRequest({ method: "GET", path: "/v2/charges/S01-…", query: "", body: "" });
 */
export class RequestSigner {
  readonly publicKeyId: string;
  readonly algorithm: SignatureAlgorithm;
  readonly #key: KeyObject;
  readonly #region: string;
  readonly #host: string;
  readonly #clock: Clock;

  constructor(options: RequestSignerOptions) {
    this.publicKeyId = options.publicKeyId;
    this.algorithm = SIGNATURE_ALGORITHMS[options.algorithm ?? "AMZN-PAY-RSASSA-PSS-V2"];
    this.#key = parsePrivateKey(options.privateKey);
    this.#region = options.region;
    this.#host = options.host;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * The headers to send, `authorization` included. Signed: `accept`, `content-type`,
   * `x-amz-pay-date` (compact form), `x-amz-pay-host`, `x-amz-pay-region` and the given headers,
   * sorted by name in byte order.
   */
  signRequest(request: SignedRequestInput): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "content-type": "application/json",
      "x-amz-pay-date": compactTimestamp(this.#clock.now()),
      "x-amz-pay-host": this.#host,
      "x-amz-pay-region": this.#region,
      ...request.headers,
    };
    const signedHeaders = Object.keys(headers).sort();
    const canonical: SignableRequest = {
      method: request.method,
      path: request.path,
      query: request.query,
      header: (name) => headers[name],
      signedHeaders,
      body: request.body,
    };
    const text = stringToSign(this.algorithm.name, canonicalRequest(canonical));
    headers.authorization = formatAuthorization({
      algorithm: this.algorithm,
      publicKeyId: this.publicKeyId,
      signedHeaders,
      signature: signText(this.#key, this.algorithm, text, "request"),
    });
    return headers;
  }

  /** Signature of a button's `payloadJSON` (§2.5), base64; static for a given string. */
  signButtonPayload(payloadJSON: string): string {
    return signText(this.#key, this.algorithm, stringToSign(this.algorithm.name, payloadJSON));
  }
}

/**
 * Verifies a button payload signature (§2.5) against the literal `payloadJSON` and, failing
 * that, its PHP `stripcslashes` form (PHP SDKs sign that; compatibility choice, unconfirmed).
 * A missing algorithm means `AMZN-PAY-RSASSA-PSS`.
 */
export function verifyPayloadSignature(
  publicKey: KeyObject,
  payloadJSON: string,
  signature: string,
  algorithm: AlgorithmName = "AMZN-PAY-RSASSA-PSS",
): boolean {
  const chosen = SIGNATURE_ALGORITHMS[algorithm];
  const literal = payloadJSON;
  const unescaped = stripCSlashes(payloadJSON);
  return [literal, ...(unescaped === literal ? [] : [unescaped])].some((text) =>
    verifyText(publicKey, chosen, stringToSign(chosen.name, text), signature),
  );
}

export type RequestVerification =
  | { ok: true; publicKeyId: string; algorithm: SignatureAlgorithm }
  | { ok: false; reason: "malformedAuthorization" }
  | { ok: false; reason: "unknownKey"; publicKeyId: string }
  | { ok: false; reason: "badSignature"; stringToSign: string };

/**
 * Verifies a received request's `authorization` header with the public key registered for its
 * `PublicKeyId` (looked up by the caller through `keyFor`). On a bad signature the result
 * carries the string to sign Amazon would echo (the RFC 3986 one, §2.2 "Wrong signature").
 */
export function verifyRequestSignature(
  request: Omit<SignableRequest, "signedHeaders">,
  keyFor: (publicKeyId: string) => KeyObject | undefined,
): RequestVerification {
  const authorization = parseAuthorization(request.header("authorization") ?? "");
  if (!authorization) return { ok: false, reason: "malformedAuthorization" };
  const key = keyFor(authorization.publicKeyId);
  if (!key) return { ok: false, reason: "unknownKey", publicKeyId: authorization.publicKeyId };
  const candidates = candidateStringsToSign(
    { ...request, signedHeaders: authorization.signedHeaders },
    authorization.algorithm.name,
  );
  const verified = candidates.some((text) =>
    verifyText(key, authorization.algorithm, text, authorization.signature),
  );
  return verified
    ? { ok: true, publicKeyId: authorization.publicKeyId, algorithm: authorization.algorithm }
    : { ok: false, reason: "badSignature", stringToSign: candidates[0] as string };
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** PHP's `stripcslashes`: C escapes (`\n`, `\x41`, `\101`) decoded, any other `\c` becomes `c`. */
export function stripCSlashes(text: string): string {
  return text.replace(/\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|[\s\S])?/g, (_, code?: string) => {
    if (code === undefined) return "";
    if (code[0] === "x" && code.length > 1) {
      return String.fromCharCode(Number.parseInt(code.slice(1), 16));
    }
    if (/^[0-7]/.test(code)) return String.fromCharCode(Number.parseInt(code, 8) & 0xff);
    return C_ESCAPES[code] ?? code;
  });
}
