/**
 * Who is calling the JSON API: a list of authenticators, tried in order, the first that proves a
 * principal wins. Built in: `Authorization: Bearer <admin token>` (the operator) and
 * `Authorization: Bearer kasse_sk_…` (a merchant API key). The back office adds its session
 * cookie authenticator to the list (`ApiDeps.authenticators`).
 */
import type { FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.js";
import type { Queryable } from "../store/database.js";
import { principalOfApiKey } from "./api-keys.js";
import { ApiError } from "./errors.js";
import type { Authenticator, Principal } from "./principal.js";

function bearerOf(request: FastifyRequest): string | undefined {
  return /^Bearer ([\x21-\x7e]{1,512})$/i.exec(request.headers.authorization ?? "")?.[1];
}

/** The admin token as a bearer token (checked by the gateway, in constant time): the operator. */
export function adminTokenAuthenticator(
  isAdminToken: (authorization: string | undefined) => boolean,
): Authenticator {
  return async (request) => {
    if (bearerOf(request) === undefined) return undefined;
    return isAdminToken(request.headers.authorization)
      ? { kind: "operator", actor: "adminToken", role: "operator" }
      : undefined;
  };
}

/** A merchant API key as a bearer token. */
export function apiKeyAuthenticator(db: Queryable, clock: Clock): Authenticator {
  return async (request) => {
    const token = bearerOf(request);
    return token === undefined ? undefined : principalOfApiKey(db, token, clock.now());
  };
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the JSON API's authentication hook for every `/api/v1` route but the document. */
    apiPrincipal?: Principal;
  }
}

/** The request's principal, or 401 when no authenticator proves one. */
export async function authenticate(
  request: FastifyRequest,
  authenticators: readonly Authenticator[],
): Promise<Principal> {
  for (const authenticator of authenticators) {
    const principal = await authenticator(request);
    if (principal !== undefined) return principal;
  }
  throw new ApiError("unauthorized", "send Authorization: Bearer with the admin token or a merchant API key");
}

/** The principal the authentication hook set (routes run only after it). */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.apiPrincipal;
  if (principal === undefined) throw new ApiError("unauthorized", "not authenticated");
  return principal;
}
