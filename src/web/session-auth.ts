/**
 * The back office's session cookie as an `Authenticator` (src/api/principal.ts), for any door that
 * serves the signed-in browser — the JSON API adds it to its list, so the back office's own
 * scripts call `/api/v1` with the cookie. A cookie alone never authorises a state-changing request:
 * POST/PUT/PATCH/DELETE must also carry the session's CSRF token in `X-CSRF-Token` (synchronizer
 * token), so another site cannot ride on the cookie even where SameSite=Strict is not honoured.
 */
import type { FastifyRequest } from "fastify";
import type { Authenticator } from "../api/principal.js";
import { type BackOfficeSessions, cookieValue, SESSION_COOKIE, tokensMatch } from "./sessions.js";

export const CSRF_HEADER = "x-csrf-token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(request: FastifyRequest): boolean {
  return SAFE_METHODS.has(request.method);
}

export function sessionAuthenticator(sessions: BackOfficeSessions): Authenticator {
  return async (request) => {
    const session = await sessions.resolve(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (!session) return undefined;
    if (!isSafeMethod(request)) {
      const header = request.headers[CSRF_HEADER];
      if (!tokensMatch(typeof header === "string" ? header : undefined, session.csrfToken)) return undefined;
    }
    return session.principal;
  };
}
