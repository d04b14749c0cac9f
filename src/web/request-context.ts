/**
 * What a back-office handler knows about its request: language and translator, the session
 * (once signed in), and helpers to audit and to check access. Set by the hooks in back-office.ts.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { canAct, canRead, type Principal } from "../api/principal.js";
import type { Clock } from "../core/clock.js";
import type { Database } from "../store/database.js";
import type { Language, Translate } from "./i18n.js";
import { BASE, message, type PageContext, page } from "./layout.js";
import { sendPage } from "./security-headers.js";
import type { ActiveSession } from "./sessions.js";
import { type AuditEntry, insertAudit } from "./store.js";

export interface OfficeRequest {
  readonly language: Language;
  readonly t: Translate;
  session?: ActiveSession;
}

const contexts = new WeakMap<FastifyRequest, OfficeRequest>();

export function setOffice(request: FastifyRequest, office: OfficeRequest): void {
  contexts.set(request, office);
}

export function office(request: FastifyRequest): OfficeRequest {
  const found = contexts.get(request);
  if (!found) throw new Error("back-office request without context");
  return found;
}

export function pageContext(request: FastifyRequest): PageContext {
  const { t, language, session } = office(request);
  return {
    t,
    language,
    path: request.url.split("?")[0] ?? BASE,
    ...(session ? { principal: session.principal, csrfToken: session.csrfToken } : {}),
  };
}

/** The signed-in principal (the hooks guarantee one on every page but sign-in). */
export function principal(request: FastifyRequest): Principal {
  const session = office(request).session;
  if (!session) throw new Error("no session");
  return session.principal;
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: 403 | 404 | 400,
  text: string,
) {
  const context = pageContext(request);
  return sendPage(reply, page(context, text, message("error", text)), {}, status);
}

/** Refuses (404, so another merchant's ids are not even confirmed) unless the principal may read. */
export function mayRead(request: FastifyRequest, reply: FastifyReply, merchantId: string): boolean {
  if (canRead(principal(request), merchantId)) return true;
  void sendError(request, reply, 404, office(request).t("error.notFound"));
  return false;
}

export function mayAct(request: FastifyRequest, reply: FastifyReply, merchantId: string): boolean {
  if (!mayRead(request, reply, merchantId)) return false;
  if (canAct(principal(request), merchantId)) return true;
  void sendError(request, reply, 403, office(request).t("error.forbidden"));
  return false;
}

/** Merchant set-up (credentials, keys): operators and the merchant's admins. */
export function mayConfigure(request: FastifyRequest, reply: FastifyReply, merchantId: string): boolean {
  if (!mayRead(request, reply, merchantId)) return false;
  const who = principal(request);
  if (who.role === "operator" || who.role === "merchantAdmin") return true;
  void sendError(request, reply, 403, office(request).t("error.forbidden"));
  return false;
}

export type Audit = (
  request: FastifyRequest,
  entry: Omit<AuditEntry, "at" | "actor" | "ip">,
) => Promise<void>;

export function auditor(db: Database, clock: Clock): Audit {
  return async (request, entry) => {
    const session = contexts.get(request)?.session;
    await insertAudit(db, {
      ...entry,
      at: clock.now(),
      actor: session?.principal.actor ?? "anonymous",
      ip: request.ip,
    });
  };
}
