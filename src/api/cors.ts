/**
 * CORS for the JSON API (seed 002): a browser on another origin may call the API only from an
 * origin a merchant allowed (`api_cors_origins`, managed through the API). Exact origins only,
 * echoed back with `Vary: Origin` — never `*`, since calls carry credentials.
 * - A preflight carries no credentials, so it is answered for an origin that some merchant
 *   allows; anything else gets 403 without CORS headers (the browser then sends nothing).
 * - The actual call is checked again once the principal is known: a merchant's key or session
 *   only from that merchant's origins, the operator from any allowed one. Same-origin calls (the
 *   back office on the gateway itself) need no CORS and are not restricted here.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Database, Queryable } from "../store/database.js";
import { ApiError } from "./errors.js";
import type { Principal } from "./principal.js";

const ALLOWED_METHODS = "GET, POST, PUT, DELETE";
const ALLOWED_HEADERS = "authorization, content-type, idempotency-key";
const PREFLIGHT_MAX_AGE_S = 600;

/** `scheme://host[:port]` exactly as browsers send `Origin`; `undefined` when it is not one. */
export function normaliseOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.origin !== text.replace(/\/$/, "") || url.username !== "" || text.includes("*")) return undefined;
  // Plain http only for loopback development shops; browsers treat those as secure contexts.
  if (url.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname))
    return undefined;
  return url.origin;
}

export async function allowedOrigins(db: Queryable, merchantId: string): Promise<string[]> {
  const rows = await db.query<{ origin: string }>(
    "SELECT origin FROM api_cors_origins WHERE merchant_id = $1 ORDER BY origin",
    [merchantId],
  );
  return rows.map((row) => row.origin);
}

/** Replaces the merchant's allowed origins; refuses the whole list if one entry is not an origin. */
export async function setAllowedOrigins(
  db: Database,
  merchantId: string,
  origins: readonly string[],
  now: number,
): Promise<string[]> {
  const normalised = origins.map((origin, index) => {
    const exact = normaliseOrigin(origin);
    if (exact === undefined) {
      throw new ApiError(
        "invalid_request",
        `body.origins.${index}: "${origin}" is not an exact origin like https://shop.example (https; http only for localhost; no path, no wildcard)`,
        { field: `body.origins.${index}` },
      );
    }
    return exact;
  });
  await db.transaction(async (tx) => {
    await tx.query("DELETE FROM api_cors_origins WHERE merchant_id = $1", [merchantId]);
    for (const origin of new Set(normalised)) {
      await tx.query("INSERT INTO api_cors_origins (merchant_id, origin, created_at) VALUES ($1, $2, $3)", [
        merchantId,
        origin,
        now,
      ]);
    }
  });
  return allowedOrigins(db, merchantId);
}

async function allowedByAnyMerchant(db: Queryable, origin: string): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM api_cors_origins WHERE origin = $1 LIMIT 1", [origin]);
  return rows.length > 0;
}

function crossOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  return origin === `${request.protocol}://${request.host}` ? undefined : origin;
}

/** Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export async function answerPreflight(db: Queryable, request: FastifyRequest, reply: FastifyReply) {
  const origin = crossOrigin(request);
  reply.header("vary", "Origin");
  if (origin === undefined || !(await allowedByAnyMerchant(db, origin))) {
    throw new ApiError("origin_not_allowed", "this origin is not allowed to call the API");
  }
  return reply
    .code(204)
    .header("access-control-allow-origin", origin)
    .header("access-control-allow-credentials", "true")
    .header("access-control-allow-methods", ALLOWED_METHODS)
    .header("access-control-allow-headers", ALLOWED_HEADERS)
    .header("access-control-max-age", String(PREFLIGHT_MAX_AGE_S))
    .send();
}

/** Checks a cross-origin call against the principal's origins and adds the CORS headers. */
export async function checkOrigin(
  db: Queryable,
  request: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
): Promise<void> {
  const origin = crossOrigin(request);
  if (origin === undefined) return;
  reply.header("vary", "Origin");
  const allowed =
    principal.kind === "operator"
      ? await allowedByAnyMerchant(db, origin)
      : (await allowedOrigins(db, principal.merchantId)).includes(origin);
  if (!allowed)
    throw new ApiError("origin_not_allowed", `origin ${origin} is not allowed for this principal`);
  reply.header("access-control-allow-origin", origin).header("access-control-allow-credentials", "true");
}
