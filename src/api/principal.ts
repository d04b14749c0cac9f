/**
 * Who is asking, as every door beyond Paygate sees it (JSON API, back office): an operator sees all
 * merchants, a merchant's API key or staff only their own. Authenticators (bearer tokens here,
 * back-office session cookies in `src/web`) turn a request into a principal; nothing below the
 * doors knows how it was proven.
 */
import type { FastifyRequest } from "fastify";

export type Role = "operator" | "merchantAdmin" | "merchantStaff" | "merchantViewer";

export type Principal =
  | { readonly kind: "operator"; readonly actor: string; readonly role: "operator" }
  | {
      readonly kind: "merchant";
      readonly actor: string;
      readonly merchantId: string;
      readonly role: Exclude<Role, "operator">;
    };

/** Proves a request's principal, or `undefined` when this authenticator does not apply. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | undefined>;

/** Whether `principal` may read `merchantId`'s data. */
export function canRead(principal: Principal, merchantId: string): boolean {
  return principal.kind === "operator" || principal.merchantId === merchantId;
}

/** Whether `principal` may act on `merchantId`'s payments (capture, refund, cancel, resend). */
export function canAct(principal: Principal, merchantId: string): boolean {
  return canRead(principal, merchantId) && principal.role !== "merchantViewer";
}
