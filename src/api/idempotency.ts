/**
 * `Idempotency-Key` for the money-moving routes (capture, refund, cancel), per merchant: the first
 * request with a key is run and its answer stored; the same key with the same request (method,
 * path, body) gets that answer again; with another request it is refused (409). A request whose
 * first run is still going is refused too (409, retry later). A run that throws leaves no answer:
 * the key may be retried, and the flow's replay key (derived from the Idempotency-Key) makes the
 * retry resume, not repeat, whatever reached Amazon.
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../store/database.js";
import { ApiError } from "./errors.js";

export interface StoredAnswer {
  readonly statusCode: number;
  readonly body: unknown;
}

/** Keys are kept this long (Stripe keeps 24 h; a day more covers a weekend's retries). */
export const IDEMPOTENCY_RETENTION_MS = 48 * 3_600_000;

/** Stable JSON: the same body with its keys in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${canonical(body)}`)
    .digest("hex");
}

/** The flows' replay key for an Idempotency-Key: a name Paygate ReqIds cannot have (`:`). */
export function replayKeyOf(idempotencyKey: string): string {
  return `api:${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 40)}`;
}

export function idempotencyKeyOf(header: string | string[] | undefined): string {
  const key = Array.isArray(header) ? undefined : header;
  if (key === undefined || key === "") {
    throw new ApiError(
      "idempotency_key_missing",
      "send an Idempotency-Key header (e.g. a UUID) with each action",
    );
  }
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError("invalid_request", "header.idempotency-key: 1–255 printable ASCII characters", {
      field: "header.idempotency-key",
    });
  }
  return key;
}

/**
 * Runs `work` once per (merchant, key): the stored answer when the key was used with this
 * fingerprint before, 409 when with another one or while the first run is still going.
 */
export async function runIdempotent(
  db: Queryable,
  request: {
    readonly merchantId: string;
    readonly key: string;
    readonly fingerprint: string;
    readonly payId: string;
  },
  now: number,
  work: () => Promise<StoredAnswer>,
): Promise<StoredAnswer & { readonly replayed: boolean }> {
  await db.query("DELETE FROM api_idempotency WHERE merchant_id = $1 AND created_at < $2", [
    request.merchantId,
    now - IDEMPOTENCY_RETENTION_MS,
  ]);
  const claimed = await db.query(
    `INSERT INTO api_idempotency (merchant_id, idempotency_key, fingerprint, pay_id, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (merchant_id, idempotency_key) DO NOTHING RETURNING idempotency_key`,
    [request.merchantId, request.key, request.fingerprint, request.payId, now],
  );
  if (claimed.length === 0) {
    const [earlier] = await db.query<{ fingerprint: string; status_code: number | null; response: unknown }>(
      `SELECT fingerprint, status_code, response FROM api_idempotency
       WHERE merchant_id = $1 AND idempotency_key = $2`,
      [request.merchantId, request.key],
    );
    if (earlier === undefined) return runIdempotent(db, request, now, work);
    if (earlier.fingerprint !== request.fingerprint) {
      throw new ApiError("idempotency_key_reused", "this Idempotency-Key was used with another request");
    }
    if (earlier.status_code === null) {
      throw new ApiError(
        "idempotency_in_progress",
        "the first request with this Idempotency-Key is still running",
      );
    }
    const body = typeof earlier.response === "string" ? JSON.parse(earlier.response) : earlier.response;
    return { statusCode: earlier.status_code, body, replayed: true };
  }
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (error) {
    await db.query("DELETE FROM api_idempotency WHERE merchant_id = $1 AND idempotency_key = $2", [
      request.merchantId,
      request.key,
    ]);
    throw error;
  }
  // Server errors are not stored: a retry with the key may succeed (and resumes, not repeats).
  if (answer.statusCode >= 500) {
    await db.query("DELETE FROM api_idempotency WHERE merchant_id = $1 AND idempotency_key = $2", [
      request.merchantId,
      request.key,
    ]);
  } else {
    await db.query(
      `UPDATE api_idempotency SET status_code = $3, response = $4 WHERE merchant_id = $1 AND idempotency_key = $2`,
      [request.merchantId, request.key, answer.statusCode, JSON.stringify(answer.body)],
    );
  }
  return { ...answer, replayed: false };
}
