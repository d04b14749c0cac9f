/**
 * The accounting pages (docs/back-office.md "Accounting"): per merchant, the imported settlements
 * with their reconciliation, an import from Amazon's Reporting API now, the upload of a settlement
 * file, the DATEV EXTF and CSV downloads of a period, and the booking rules in force. A door only:
 * the work is accounting's `Accounting` and the downloads of `accounting/downloads.ts`, the same
 * functions the admin routes and `/api/v1` call; refusals come back as `AccountingRefusal`s and are
 * shown on the page. Reading needs `canRead`; importing and the DATEV export (logged as handed to
 * the books) need `canAct`, as in `/api/v1`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  type AccountingRefusal,
  bookingsCsvDownload,
  type Download,
  datevDownload,
  periodOf,
  refusalOf,
} from "../accounting/downloads.js";
import type { Accounting, Chart, ImportResult, Reconciliation } from "../accounting/index.js";
import { CHARTS } from "../accounting/index.js";
import { canAct } from "../api/principal.js";
import type { Clock } from "../core/clock.js";
import { html, type SafeHtml } from "../http/html.js";
import type { MerchantDirectory } from "../merchants/directory.js";
import { readForm, uploadedFile } from "./form.js";
import type { Translate } from "./i18n.js";
import { BASE, csrfField, message, page } from "./layout.js";
import { type Audit, mayAct, mayRead, office, pageContext, principal, sendError } from "./request-context.js";
import { sendPage } from "./security-headers.js";

export interface AccountingPageOptions {
  readonly accounting?: Accounting;
  readonly merchants: MerchantDirectory;
  readonly clock: Clock;
  readonly audit: Audit;
}

/** Minor units as a decimal string with the currency, exactly (no floating point). */
export function formatMinor(minor: number, currency: string): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")} ${currency}`;
}

const day = (iso: string) => iso.slice(0, 10);

interface PeriodFields {
  readonly from: string;
  readonly to: string;
  readonly chart: string;
}

export async function accountingRoutes(app: FastifyInstance, options: AccountingPageOptions): Promise<void> {
  const { merchants, audit } = options;
  const path = (merchantId: string) => `${BASE}/accounting/${encodeURIComponent(merchantId)}`;

  /** The principal may read the merchant's books and the merchant exists (else 404, as everywhere). */
  async function readable(request: FastifyRequest, reply: FastifyReply, merchantId: string) {
    if (!mayRead(request, reply, merchantId)) return false;
    if (await merchants.exists(merchantId)) return true;
    void sendError(request, reply, 404, office(request).t("error.notFound"));
    return false;
  }

  function refused(t: Translate, error: unknown): SafeHtml {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    return message(
      "error",
      t("accounting.refused", {
        detail: `${refusal.message}${refusal.code === "invalid_request" ? "" : ` (${refusal.code})`}`,
      }),
    );
  }

  function importFeedback(t: Translate, result: ImportResult): SafeHtml {
    return html`${message(
      result.failed.length > 0 ? "warn" : "ok",
      t("accounting.imported", {
        listed: result.listed,
        imported: result.imported,
        already: result.alreadyImported,
        skipped: result.skipped,
        failed: result.failed.length,
      }),
    )}${result.failed.map((failure) => message("error", t("accounting.importFailed", { message: failure.message })))}${result.missingPeriods.map(
      (missing) => message("error", t("accounting.missing", { message: missing.message })),
    )}`;
  }

  function settlementRows(t: Translate, settlements: readonly Reconciliation[]): SafeHtml {
    if (settlements.length === 0) return html`<tr><td colspan="11">${t("accounting.none")}</td></tr>`;
    return html`${settlements.map((s) => {
      const money = (minor: number) => formatMinor(minor, s.currency);
      return html`<tr data-settlement="${s.settlementId}"><td class="mono">${s.settlementId}</td><td>${day(s.periodStart)} – ${day(s.periodEnd)}</td><td class="num">${s.lineCount}</td><td class="num">${money(s.gross)}</td><td class="num">${money(s.fees)}</td><td class="num">${money(s.net)}</td><td class="num">${money(s.payout)}</td><td class="num">${s.bookings}</td><td class="num">${money(s.bookedNet)}</td><td class="num">${s.matched.payments} / ${s.matched.refunds} / ${s.matched.chargebacks}${s.unmatched > 0 ? html` <span class="muted">(${t("accounting.unmatched")}: ${s.unmatched})</span>` : ""}</td><td class="status" data-reconciled="${String(s.reconciled)}">${s.reconciled ? t("accounting.reconciled") : t("accounting.notReconciled")}${
        s.differences.length > 0
          ? html`<ul class="differences">${s.differences.map((d) => html`<li><span class="mono">${d.code}</span> ${d.message}</li>`)}</ul>`
          : ""
      }</td></tr>`;
    })}`;
  }

  async function rulesSection(t: Translate, accounting: Accounting, merchantId: string): Promise<SafeHtml> {
    const sets = await Promise.all(CHARTS.map((chart) => accounting.rules(merchantId, chart)));
    return html`<h2>${t("accounting.rules")}</h2><p class="muted">${t("accounting.rulesIntro")}</p><div class="grid">${sets.map(
      ({ version, rules }) =>
        html`<section class="card" id="rules-${rules.chart}"><h3>${rules.chart} · ${t("accounting.rulesVersion", { version })}</h3>
<div class="table-wrap"><table><thead><tr><th>${t("accounting.role")}</th><th>${t("accounting.account")}</th></tr></thead>
<tbody>${Object.entries(rules.accounts).map(([role, account]) => html`<tr><td>${role}</td><td class="mono">${account}</td></tr>`)}</tbody></table></div>
${
  Object.keys(rules.buKeys).length === 0
    ? html`<p class="muted">${t("accounting.noBuKeys")}</p>`
    : html`<div class="table-wrap"><table><thead><tr><th>${t("accounting.kind")}</th><th>${t("accounting.buKey")}</th></tr></thead>
<tbody>${Object.entries(rules.buKeys).map(([kind, key]) => html`<tr><td>${kind}</td><td class="mono">${key ?? ""}</td></tr>`)}</tbody></table></div>`
}</section>`,
    )}</div>`;
  }

  function defaultPeriod(): PeriodFields {
    const today = new Date(options.clock.now()).toISOString().slice(0, 10);
    return { from: `${today.slice(0, 8)}01`, to: today, chart: "SKR03" };
  }

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    merchantId: string,
    feedback: SafeHtml = html``,
    status = 200,
    period: PeriodFields = defaultPeriod(),
  ) {
    const context = pageContext(request);
    const { t } = context;
    const title = t("accounting.titleMerchant", { merchantId });
    const accounting = options.accounting;
    if (!accounting) {
      return sendPage(
        reply,
        page(context, title, html`<h1>${title}</h1>${message("warn", t("accounting.unavailable"))}`),
      );
    }
    const acts = canAct(principal(request), merchantId);
    const settlements = await accounting.settlements(merchantId, 100);
    const gaps = await accounting.gaps(merchantId);
    const base = path(merchantId);
    const chartOptions = CHARTS.map(
      (chart: Chart) =>
        html`<option value="${chart}"${chart === period.chart ? html` selected` : ""}>${chart}</option>`,
    );
    const body = html`<h1>${title}</h1><div id="feedback">${feedback}</div>
${
  acts
    ? html`<div class="grid">
<form method="post" action="${base}/import" class="card"><h2>${t("accounting.import")}</h2><p class="muted">${t("accounting.importIntro")}</p>${csrfField(context)}
<button type="submit" id="import">${t("accounting.import")}</button></form>
<form method="post" action="${base}/upload" enctype="multipart/form-data" class="card"><h2>${t("accounting.upload")}</h2><p class="muted">${t("accounting.uploadIntro")}</p>${csrfField(context)}
<label for="settlement-file">${t("accounting.file")}</label><input type="file" id="settlement-file" name="file" accept=".csv,.txt,text/csv,text/plain" required>
<button type="submit" id="upload">${t("accounting.uploadButton")}</button></form></div>`
    : ""
}
<h2>${t("accounting.settlements")}</h2>
${
  gaps.length > 0
    ? html`<section class="card" id="gaps"><h3>${t("accounting.gaps", { count: gaps.length })}</h3><ul>${gaps.map(
        (gap) =>
          html`<li data-gap-from="${gap.from}" data-gap-to="${gap.to}">${message("error", t("accounting.gap", { from: gap.from.replace("T", " ").slice(0, 19), to: gap.to.replace("T", " ").slice(0, 19), count: gap.transactions.length }))}<span class="mono">${gap.transactions.map((transaction) => transaction.amazonTransactionId).join(", ")}</span></li>`,
      )}</ul></section>`
    : ""
}
<div class="table-wrap"><table id="settlements">
<thead><tr><th>${t("accounting.settlement")}</th><th>${t("accounting.period")}</th><th class="num">${t("accounting.lines")}</th><th class="num">${t("accounting.gross")}</th><th class="num">${t("accounting.fees")}</th><th class="num">${t("accounting.net")}</th><th class="num">${t("accounting.payout")}</th><th class="num">${t("accounting.bookings")}</th><th class="num">${t("accounting.bookedNet")}</th><th>${t("accounting.matched")}</th><th>${t("accounting.status")}</th></tr></thead>
<tbody>${settlementRows(t, settlements)}</tbody></table></div>
<h2>${t("accounting.exports")}</h2>
<form method="post" action="${base}/export" class="card" id="export-form"><p class="muted">${t("accounting.exportIntro")}</p>${csrfField(context)}<div class="grid">
<div><label for="export-from">${t("accounting.from")}</label><input type="date" id="export-from" name="from" value="${period.from}" required></div>
<div><label for="export-to">${t("accounting.to")}</label><input type="date" id="export-to" name="to" value="${period.to}" required></div>
<div><label for="export-chart">${t("accounting.chart")}</label><select id="export-chart" name="chart">${chartOptions}</select></div></div>
${acts ? html`<button type="submit" name="format" value="datev" id="export-datev">${t("accounting.datev")}</button> ` : ""}<button type="submit" name="format" value="csv" id="export-csv" class="secondary">${t("accounting.csv")}</button></form>
${await rulesSection(t, accounting, merchantId)}`;
    return sendPage(reply, page(context, title, body), {}, status);
  }

  function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
    return reply
      .code(200)
      .headers({ ...download.headers, "content-type": download.contentType })
      .header("content-disposition", `attachment; filename="${download.fileName}"`)
      .header("x-content-type-options", "nosniff")
      .header("cache-control", "no-store")
      .send(download.body);
  }

  app.get("/accounting", async (request, reply) => {
    const who = principal(request);
    if (who.kind === "merchant") return reply.redirect(path(who.merchantId), 303);
    const context = pageContext(request);
    const { t } = context;
    const all = await merchants.list();
    const body = html`<h1>${t("accounting.title")}</h1><p>${t("accounting.chooseMerchant")}</p><ul class="card" id="accounting-merchants">${all.map(
      (merchant) =>
        html`<li><a href="${path(merchant.merchantId)}">${merchant.merchantId}</a> ${merchant.name}</li>`,
    )}</ul>`;
    return sendPage(reply, page(context, t("accounting.title"), body));
  });

  app.get<{ Params: { merchantId: string } }>("/accounting/:merchantId", async (request, reply) => {
    const { merchantId } = request.params;
    if (!(await readable(request, reply, merchantId))) return reply;
    return render(request, reply, merchantId);
  });

  app.post<{ Params: { merchantId: string } }>("/accounting/:merchantId/import", async (request, reply) => {
    const { merchantId } = request.params;
    if (!(await readable(request, reply, merchantId)) || !mayAct(request, reply, merchantId)) return reply;
    const { t } = office(request);
    const accounting = options.accounting;
    if (!accounting) return render(request, reply, merchantId);
    try {
      const result = await accounting.importSettlements(merchantId);
      await audit(request, {
        action: "accounting.import",
        merchantId,
        target: merchantId,
        outcome: result.failed.length === 0 ? "ok" : "refused",
        detail: { imported: result.imported, failed: result.failed.length },
      });
      return render(request, reply, merchantId, importFeedback(t, result));
    } catch (error) {
      const feedback = refused(t, error);
      await audit(request, {
        action: "accounting.import",
        merchantId,
        target: merchantId,
        outcome: "refused",
      });
      return render(request, reply, merchantId, feedback, refusalOf(error)?.status ?? 400);
    }
  });

  app.post<{ Params: { merchantId: string } }>("/accounting/:merchantId/upload", async (request, reply) => {
    const { merchantId } = request.params;
    if (!(await readable(request, reply, merchantId)) || !mayAct(request, reply, merchantId)) return reply;
    const { t } = office(request);
    const accounting = options.accounting;
    if (!accounting) return render(request, reply, merchantId);
    const content = await uploadedFile(request, "file");
    if (!content) return render(request, reply, merchantId, message("error", t("accounting.noFile")), 400);
    try {
      const result = await accounting.importSettlementFile(merchantId, content);
      await audit(request, {
        action: "accounting.upload",
        merchantId,
        target: result.settlements[0]?.settlementId ?? merchantId,
        outcome: result.failed.length === 0 ? "ok" : "refused",
        detail: {
          bytes: content.length,
          imported: result.imported,
          failed: result.failed.map((f) => f.code),
        },
      });
      return render(
        request,
        reply,
        merchantId,
        importFeedback(t, result),
        result.failed.length === 0 ? 200 : 422,
      );
    } catch (error) {
      const feedback = refused(t, error);
      await audit(request, {
        action: "accounting.upload",
        merchantId,
        target: merchantId,
        outcome: "refused",
      });
      return render(request, reply, merchantId, feedback, refusalOf(error)?.status ?? 400);
    }
  });

  app.post<{ Params: { merchantId: string } }>("/accounting/:merchantId/export", async (request, reply) => {
    const { merchantId } = request.params;
    if (!(await readable(request, reply, merchantId))) return reply;
    const { t } = office(request);
    const accounting = options.accounting;
    if (!accounting) return render(request, reply, merchantId);
    const form = await readForm(request);
    const fields: PeriodFields = { from: form.from ?? "", to: form.to ?? "", chart: form.chart ?? "" };
    const datev = form.format === "datev";
    // The DATEV file is logged as handed to the books (GoBD): more than reading, as in /api/v1.
    if (datev && !mayAct(request, reply, merchantId)) return reply;
    try {
      const period = periodOf({ ...fields });
      if (!datev) return sendDownload(reply, bookingsCsvDownload(accounting, merchantId, period));
      const download = await datevDownload(accounting, { merchantId, ...period });
      await audit(request, {
        action: "accounting.datev",
        merchantId,
        target: `${fields.from}..${fields.to} ${period.chart}`,
        outcome: "ok",
        detail: { exportId: download.exportId, rows: download.rows, repeated: download.repeated },
      });
      return sendDownload(reply, download);
    } catch (error) {
      const feedback = refused(t, error);
      if (datev) {
        await audit(request, {
          action: "accounting.datev",
          merchantId,
          target: `${fields.from}..${fields.to} ${fields.chart}`,
          outcome: "refused",
          detail: { code: (refusalOf(error) as AccountingRefusal).code },
        });
      }
      return render(request, reply, merchantId, feedback, refusalOf(error)?.status ?? 400, fields);
    }
  });
}
