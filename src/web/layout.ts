/** The back office's page frame: skip link, header with navigation and language switch, main. */
import type { Principal } from "../api/principal.js";
import { html, type SafeHtml } from "../http/html.js";
import { assetUrl } from "./assets.js";
import type { Language, MessageKey, Translate } from "./i18n.js";

export const BASE = "/back-office";

export interface PageContext {
  readonly t: Translate;
  readonly language: Language;
  readonly principal?: Principal;
  readonly csrfToken?: string;
  /** The path of this page (for the language switch's way back and the current nav item). */
  readonly path: string;
}

const NAV: ReadonlyArray<readonly [string, MessageKey]> = [
  ["/", "nav.dashboard"],
  ["/payments", "nav.payments"],
  ["/merchants", "nav.merchants"],
  ["/notifications", "nav.notifications"],
  ["/webhooks", "nav.webhooks"],
  ["/subscriptions", "nav.subscriptions"],
  ["/requests", "nav.requests"],
  ["/accounting", "nav.accounting"],
  ["/audit", "nav.audit"],
];

/** The hidden field every state-changing form carries. */
export function csrfField(context: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${context.csrfToken ?? ""}">`;
}

export function message(kind: "ok" | "error" | "warn", text: string | undefined): SafeHtml {
  return text
    ? html`<p class="message ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</p>`
    : html``;
}

export function page(
  context: PageContext,
  title: string,
  body: SafeHtml,
  options: { scripts?: readonly string[] } = {},
): string {
  const { t } = context;
  const other: Language = context.language === "de" ? "en" : "de";
  const current = context.path.slice(BASE.length) || "/";
  const nav = context.principal
    ? html`<nav class="main" aria-label="${t("app.name")}">${NAV.map(([path, key]) => {
        const active = path === "/" ? current === "/" : current.startsWith(path);
        return html`<a href="${BASE}${path === "/" ? "/" : path}"${active ? html` aria-current="page"` : ""}>${t(key)}</a>`;
      })}</nav>
      <span class="muted">${context.principal.actor}</span>
      <form class="inline" method="post" action="${BASE}/sign-out">${csrfField(context)}<button class="link" type="submit" id="sign-out">${t("nav.signOut")}</button></form>`
    : "";
  const scripts = ["back-office.js", ...(options.scripts ?? [])];
  return `<!doctype html>${
    html`<html lang="${context.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t("app.name")}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl("kasse.css")}">
${options.scripts?.includes("dashboard.js") ? html`<link rel="stylesheet" href="${assetUrl("uplot.css")}">` : ""}
${scripts.map((name) => html`<script type="module" src="${assetUrl(name)}"></script>`)}
</head>
<body>
<a class="skip" href="#content">${t("nav.skip")}</a>
<header class="top"><a class="brand" href="${BASE}/">${t("app.name")}</a>${nav}
<a href="${BASE}/language?lang=${other}&amp;back=${encodeURIComponent(context.path)}" lang="${other}" id="language">${t("nav.language")}</a></header>
<main id="content" tabindex="-1">
${body}
</main>
</body></html>`.markup
  }`;
}
