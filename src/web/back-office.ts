/**
 * The back office (`/back-office`, served by `kasse start` on the gateway's port): sign-in,
 * dashboard, merchants and their Amazon Pay set-up, payments on top of the JSON API, accounting
 * (settlements, imports, DATEV and CSV downloads, booking rules), audit log.
 * `registerBackOffice(app, deps)` is the one call the gateway makes. Every page needs a session
 * but the sign-in and the language switch; every POST carries the session's CSRF token.
 */
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Accounting } from "../accounting/index.js";
import type { Clock } from "../core/clock.js";
import { html } from "../http/html.js";
import type { MerchantDirectory } from "../merchants/directory.js";
import type { EmulatorEndpoint, SecretSealer } from "../merchants/ports.js";
import type { Database } from "../store/database.js";
import { accountingRoutes } from "./accounting-pages.js";
import { normalizeAccountId } from "./accounts.js";
import { assetRoutes } from "./assets.js";
import { dashboardRoutes } from "./dashboard.js";
import { formBody, readForm } from "./form.js";
import { LANGUAGE_COOKIE, pickLanguage, translator } from "./i18n.js";
import { BASE, message, page } from "./layout.js";
import { merchantRoutes } from "./merchant-pages.js";
import { DUMMY_HASH, MAX_PASSWORD_LENGTH, verifyPassword } from "./password.js";
import { paymentRoutes } from "./payment-pages.js";
import { auditor, office, pageContext, setOffice } from "./request-context.js";
import { sendPage } from "./security-headers.js";
import {
  BackOfficeSessions,
  clearedSessionCookie,
  cookieValue,
  newToken,
  SESSION_COOKIE,
  sessionCookie,
  tokensMatch,
} from "./sessions.js";
import { SignInLimit } from "./sign-in-limit.js";
import { findAccount, listAudit } from "./store.js";

export interface BackOfficeDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly merchants: MerchantDirectory;
  /** Seals the per-environment Amazon private keys, as the merchant directory seals its own. */
  readonly secrets: SecretSealer;
  /** The gateway's public origin (IPN URL shown for Seller Central). */
  readonly publicUrl: () => string;
  readonly emulator?: EmulatorEndpoint;
  /** The gateway's one Accounting (settlements, rules, DATEV); without it the pages say so. */
  readonly accounting?: Accounting;
  readonly sessions?: BackOfficeSessions;
  readonly signInLimit?: SignInLimit;
}

/** Anti-CSRF for the sign-in form itself (no session yet): a double-submit cookie. */
const SIGN_IN_COOKIE = "__Host-kasse-sign-in";
const FORM = "application/x-www-form-urlencoded";

export function registerBackOffice(app: FastifyInstance, deps: BackOfficeDeps): BackOfficeSessions {
  const sessions = deps.sessions ?? new BackOfficeSessions({ db: deps.db, clock: deps.clock });
  const limit = deps.signInLimit ?? new SignInLimit({ db: deps.db, clock: deps.clock });
  const audit = auditor(deps.db, deps.clock);

  app.register(assetRoutes);
  app.get("/", async (_request, reply) => reply.redirect(`${BASE}/`, 303));
  app.register(
    async (scope) => {
      scope.addContentTypeParser(FORM, { parseAs: "string", bodyLimit: 64 * 1024 }, (_request, body, done) =>
        done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
      await scope.register(multipart, {
        // A file is a .pem (a few KiB) or a settlement report (a line per transaction of a day).
        limits: { fileSize: 8 * 1024 * 1024, files: 1, fields: 20, fieldSize: 32 * 1024 },
      });

      scope.addHook("onRequest", async (request, reply) => {
        const language = pickLanguage(
          request.headers["accept-language"],
          cookieValue(request.headers.cookie, LANGUAGE_COOKIE),
        );
        setOffice(request, { language, t: translator(language) });
        const path = request.url.split("?")[0] ?? "";
        if (path === `${BASE}/sign-in` || path === `${BASE}/language`) return;
        const isPage = request.method === "GET";
        const session = await sessions.resolve(cookieValue(request.headers.cookie, SESSION_COOKIE), isPage);
        if (!session) {
          if (isPage) return reply.redirect(`${BASE}/sign-in?next=${encodeURIComponent(request.url)}`, 303);
          return reply
            .header("set-cookie", clearedSessionCookie())
            .redirect(`${BASE}/sign-in?expired=1`, 303);
        }
        if (session.rotatedId) {
          reply.header("set-cookie", sessionCookie(session.rotatedId, sessions.policy.absoluteMs / 1000));
        }
        office(request).session = session;
      });

      // The synchronizer token: every state-changing form posts the session's token back.
      scope.addHook("preHandler", async (request, reply) => {
        const session = office(request).session;
        if (!session || request.method === "GET") return;
        const form = await readForm(request);
        if (!tokensMatch(form._csrf, session.csrfToken)) {
          await audit(request, { action: "csrf.refused", target: request.url, outcome: "refused" });
          const context = pageContext(request);
          return sendPage(
            reply,
            page(context, context.t("error.csrf"), message("error", context.t("error.csrf"))),
            {},
            403,
          );
        }
      });

      scope.get<{ Querystring: { lang?: string; back?: string } }>("/language", async (request, reply) => {
        const lang = request.query.lang === "de" ? "de" : "en";
        const back = request.query.back ?? "";
        // Only a path of ours: the switch must not become an open redirect.
        const target = back.startsWith(`${BASE}/`) || back === BASE ? back : `${BASE}/`;
        return reply
          .header(
            "set-cookie",
            `${LANGUAGE_COOKIE}=${lang}; Path=/; Secure; SameSite=Strict; Max-Age=31536000`,
          )
          .redirect(target, 303);
      });

      scope.get<{ Querystring: { next?: string; expired?: string } }>("/sign-in", async (request, reply) => {
        const token = newToken();
        reply.header(
          "set-cookie",
          `${SIGN_IN_COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600`,
        );
        const t = office(request).t;
        return sendPage(
          reply,
          signInPage(
            request,
            token,
            request.query.next,
            request.query.expired ? t("signIn.expired") : undefined,
          ),
        );
      });

      scope.post("/sign-in", async (request, reply) => {
        const form = formBody(request);
        const t = office(request).t;
        const next = safeNext(form.next);
        const retry = (status: number, text: string) => {
          const token = newToken();
          reply.header(
            "set-cookie",
            `${SIGN_IN_COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600`,
          );
          return sendPage(reply, signInPage(request, token, next, text, form.user), {}, status);
        };
        if (!tokensMatch(form._csrf, cookieValue(request.headers.cookie, SIGN_IN_COOKIE))) {
          return retry(403, t("signIn.csrf"));
        }
        const accountId = normalizeAccountId(form.user ?? "").slice(0, 100);
        const password = (form.password ?? "").slice(0, MAX_PASSWORD_LENGTH + 1);
        if (!(await limit.allows(accountId, request.ip))) {
          await audit(request, {
            action: "sign-in",
            target: accountId,
            outcome: "refused",
            detail: { reason: "rate limit" },
          });
          return retry(429, t("signIn.limited", { minutes: limit.windowMinutes }));
        }
        const account = accountId ? await findAccount(deps.db, accountId) : undefined;
        // The dummy hash makes an unknown name cost as much as a wrong password.
        const matches = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
        if (!account?.active || !matches) {
          await limit.failed(accountId, request.ip);
          await audit(request, {
            action: "sign-in",
            target: accountId,
            outcome: "refused",
            detail: { reason: "credentials" },
          });
          return retry(401, t("signIn.failed"));
        }
        await limit.succeeded(accountId);
        const opened = await sessions.open(accountId, cookieValue(request.headers.cookie, SESSION_COOKIE));
        await audit(request, {
          action: "sign-in",
          target: accountId,
          merchantId: account.merchantId,
          outcome: "ok",
        });
        return reply
          .header("set-cookie", [
            sessionCookie(opened.id, sessions.policy.absoluteMs / 1000),
            `${SIGN_IN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`,
          ])
          .redirect(next, 303);
      });

      scope.post("/sign-out", async (request, reply) => {
        await audit(request, { action: "sign-out", outcome: "ok" });
        await sessions.close(cookieValue(request.headers.cookie, SESSION_COOKIE));
        return reply.header("set-cookie", clearedSessionCookie()).redirect(`${BASE}/sign-in`, 303);
      });

      scope.get("/audit", async (request, reply) => {
        const context = pageContext(request);
        const { t } = context;
        const who = office(request).session?.principal;
        const entries = await listAudit(deps.db, who?.kind === "merchant" ? who.merchantId : undefined, 200);
        const body = html`<h1>${t("audit.title")}</h1><div class="table-wrap"><table>
<thead><tr><th>${t("audit.at")}</th><th>${t("audit.actor")}</th><th>${t("audit.action")}</th><th>${t("audit.target")}</th><th>${t("audit.outcome")}</th></tr></thead>
<tbody>${entries.map(
          (entry) =>
            html`<tr><td>${new Date(entry.at).toISOString().replace("T", " ").slice(0, 19)}</td><td>${entry.actor}</td><td>${entry.action}</td><td class="mono">${entry.target ?? entry.merchantId ?? ""}</td><td>${entry.outcome}</td></tr>`,
        )}</tbody></table></div>`;
        return sendPage(reply, page(context, t("audit.title"), body));
      });

      await scope.register(dashboardRoutes, { db: deps.db, clock: deps.clock });
      await scope.register(merchantRoutes, { ...deps, audit });
      await scope.register(paymentRoutes, { audit, merchants: deps.merchants });
      await scope.register(accountingRoutes, {
        audit,
        merchants: deps.merchants,
        clock: deps.clock,
        ...(deps.accounting ? { accounting: deps.accounting } : {}),
      });
    },
    { prefix: BASE },
  );
  return sessions;
}

/** A path inside the back office, never another origin. */
function safeNext(next: string | undefined): string {
  return next?.startsWith(`${BASE}/`) && !next.startsWith("//") ? next : `${BASE}/`;
}

function signInPage(
  request: FastifyRequest,
  token: string,
  next: string | undefined,
  error?: string,
  user?: string,
): string {
  const context = pageContext(request);
  const { t } = context;
  const body = html`<div class="card narrow"><h1>${t("signIn.title")}</h1>${message("error", error)}
<form method="post" action="${BASE}/sign-in">
<input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${safeNext(next)}">
<label for="user">${t("signIn.user")}</label><input type="text" id="user" name="user" autocomplete="username" required value="${user ?? ""}" autofocus>
<label for="password">${t("signIn.password")}</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">${t("signIn.submit")}</button></form></div>`;
  return page({ ...context, path: `${BASE}/sign-in` }, t("signIn.title"), body);
}
