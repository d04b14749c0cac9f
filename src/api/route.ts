/**
 * How a JSON API route is declared: one record gives Fastify its route and validation schemas
 * and gives the OpenAPI document its operation, so the two cannot drift apart. Also the
 * authorisation helpers every route uses (on top of `principal.ts`'s `canRead`/`canAct`).
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { principalOf } from "./auth.js";
import { ApiError } from "./errors.js";
import type { Scope } from "./payments-query.js";
import { canAct, canRead, type Principal } from "./principal.js";
import { noteSubject } from "./request-log.js";
import type { MerchantParams } from "./schemas.js";

/** A handler's validated request: path parameters (default a merchant's), query and body. */
export type RouteRequest<P = Static<typeof MerchantParams>, Q = unknown, B = unknown> = FastifyRequest<{
  Params: P;
  Querystring: Q;
  Body: B;
}>;

export interface ApiRoute {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** OpenAPI-style path below `/api/v1`, e.g. `/payments/{payId}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  /** Served without authentication (the OpenAPI document only). */
  readonly public?: true;
  readonly params?: TSchema;
  readonly query?: TSchema;
  readonly body?: TSchema;
  /** Documented request headers; checked by the handler (a missing one has its own code). */
  readonly headers?: TSchema;
  readonly responses: Readonly<
    Record<
      number,
      {
        readonly description: string;
        readonly schema?: TSchema /** default JSON */;
        readonly mediaType?: string;
      }
    >
  >;
  // biome-ignore lint/suspicious/noExplicitAny: each route's handler knows its own validated shapes
  readonly handler: (request: FastifyRequest<any>, reply: FastifyReply) => Promise<unknown>;
}

/** The merchants a listing may see, given an optional `merchantId` filter. */
export function scopeFor(principal: Principal, merchantId: string | undefined): Scope {
  if (principal.kind === "operator") return merchantId === undefined ? { all: true } : { merchantId };
  if (merchantId !== undefined && merchantId !== principal.merchantId) {
    throw new ApiError("forbidden", "a merchant's credentials see only that merchant's data", {
      field: "query.merchantId",
    });
  }
  return { merchantId: principal.merchantId };
}

/**
 * A merchant-scoped path (`/merchants/{merchantId}/…`): 404 for a merchant the principal may not
 * read (whether it exists is not told), 403 when it may read but the route needs `act` or `admin`.
 */
export function authorise(
  request: FastifyRequest,
  merchantId: string,
  need: "read" | "act" | "admin",
): Principal {
  const principal = principalOf(request);
  if (!canRead(principal, merchantId)) throw new ApiError("not_found", `no merchant ${merchantId}`);
  noteSubject(request, { merchantId });
  if (need === "act" && !canAct(principal, merchantId)) {
    throw new ApiError("forbidden", `role ${principal.role} may only read`);
  }
  if (need === "admin" && principal.role !== "operator" && principal.role !== "merchantAdmin") {
    throw new ApiError("forbidden", "only an operator or the merchant's admin may do this");
  }
  return principal;
}

/** Fastify's `:param` form of an OpenAPI path. */
export function fastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z]+)\}/g, ":$1");
}
