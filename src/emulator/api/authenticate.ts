/**
 * Request authentication as Amazon does it (reference §2.2): the Authorization header names
 * the algorithm, key id and signed headers; the canonical request is rebuilt from the received
 * request; `x-amz-pay-date` is checked against the REAL clock (advancing the emulated clock
 * must never make requests fail).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { parseAuthorization } from "../../amazon/canonical.js";
import { verifyRequestSignature } from "../../amazon/signer.js";
import { type Clock, parseAmazonTimestamp } from "../../core/clock.js";
import { AmazonError } from "../errors.js";
import type { Environment } from "../state/common.js";
import type { KeyDirectory } from "../store/key-directory.js";
import type { MerchantRow } from "../store/repository.js";

/** Older signature dates are refused (skew tolerance unconfirmed, §2.2: 15 min). */
export const MAXIMUM_DATE_AGE_MS = 15 * 60_000;
/** Dates ahead of the real clock by more than this are "in future" (§2.2). */
export const MAXIMUM_DATE_AHEAD_MS = 60_000;

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly header: (name: string) => string | undefined;
  readonly body: string;
}

export interface Authenticated {
  readonly merchant: MerchantRow;
  readonly environment: Environment;
  readonly publicKeyId: string;
}

const keyCache = new Map<string, KeyObject>();

function publicKeyOf(pem: string): KeyObject {
  let key = keyCache.get(pem);
  if (key === undefined) {
    key = createPublicKey(pem);
    keyCache.set(pem, key);
  }
  return key;
}

/**
 * Verifies the request; `pathEnvironment` is `sandbox`/`live` for `/sandbox/v2` and `/live/v2`,
 * `null` for `/v2` (environment-specific key ids). Throws Amazon's error otherwise.
 */
export async function authenticateRequest(
  keys: KeyDirectory,
  request: ReceivedRequest,
  pathEnvironment: Environment | null,
  realClock: Clock,
): Promise<Authenticated> {
  const header = request.header("authorization");
  if (header === undefined || header.trim() === "") {
    throw new AmazonError("MissingHeader", "The authorization header is missing.");
  }
  const authorization = parseAuthorization(header);
  if (authorization === undefined) {
    throw new AmazonError("InvalidHeaderValue", "The value provided for authorization is invalid.");
  }
  const signed = authorization.signedHeaders.map((name) => name.toLowerCase());
  for (const required of ["x-amz-pay-date", "x-amz-pay-host"]) {
    if (!signed.includes(required) || request.header(required) === undefined) {
      throw new AmazonError("MissingHeader", `The ${required} header must be sent and signed.`);
    }
  }
  checkDate(request.header("x-amz-pay-date") as string, realClock.now());

  const found = await keys.find(authorization.publicKeyId);
  if (found === undefined) {
    throw new AmazonError(
      "UnauthorizedAccess",
      `The public key id ${authorization.publicKeyId} is not registered.`,
    );
  }
  const { key, merchant } = found;
  const keyEnvironment = key.environment;
  const environment = pathEnvironment ?? keyEnvironment;
  if (environment === null) {
    throw new AmazonError(
      "UnauthorizedAccess",
      "Legacy public key ids need the environment in the path (/sandbox/v2 or /live/v2).",
    );
  }
  if (keyEnvironment !== null && keyEnvironment !== environment) {
    throw new AmazonError(
      "UnauthorizedAccess",
      `The public key id is not valid for the ${environment} environment.`,
    );
  }
  const verification = verifyRequestSignature(
    {
      method: request.method,
      path: request.path,
      query: request.query,
      header: request.header,
      body: request.body,
    },
    () => publicKeyOf(key.publicKeyPem),
  );
  if (!verification.ok) {
    const stringToSign = verification.reason === "badSignature" ? verification.stringToSign : "";
    throw new AmazonError(
      "InvalidRequestSignature",
      `Unable to verify signature, signing String [${stringToSign}] , signature [${authorization.signature}]`,
    );
  }
  if (merchant === undefined)
    throw new AmazonError("UnauthorizedAccess", "The merchant of this key does not exist.");
  return { merchant, environment, publicKeyId: authorization.publicKeyId };
}

function checkDate(value: string, realNow: number): void {
  const date = parseAmazonTimestamp(value.trim());
  if (date === undefined) {
    throw new AmazonError("InvalidHeaderValue", `The value ${value} provided for x-amz-pay-date is invalid.`);
  }
  if (date - realNow > MAXIMUM_DATE_AHEAD_MS) {
    throw new AmazonError(
      "InvalidHeaderValue",
      `The value ${value} provided for x-amz-pay-date should not be in future`,
    );
  }
  if (realNow - date > MAXIMUM_DATE_AGE_MS) {
    throw new AmazonError("InvalidHeaderValue", `The value ${value} provided for x-amz-pay-date is too old.`);
  }
}
