/**
 * Payments, failed notifications, webhook deliveries, subscriptions and the request log — pages on top of the JSON
 * API (`/api/v1`, CONTRACT.md): each page asks the API in-process (`inject`) with the browser's
 * own session cookie and CSRF token, so the API's authorisation (the session authenticator of
 * `session-auth.ts`) decides what a user sees and may do, and the back office holds no second
 * copy of those rules. Money-moving forms are confirmed in the browser and carry an
 * Idempotency-Key made when the form was rendered, so a double submit moves money once. The
 * replay button (resend a webhook delivery) is confirmed too and audited like every action.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { html, type SafeHtml } from "../http/html.js";
import type { MerchantDirectory } from "../merchants/directory.js";
import { readForm } from "./form.js";
import type { MessageKey, Translate } from "./i18n.js";
import { BASE, csrfField, message, page } from "./layout.js";
import { type Audit, office, pageContext, principal } from "./request-context.js";
import { sendPage } from "./security-headers.js";
import { CSRF_HEADER } from "./session-auth.js";

type Json = Record<string, unknown>;

interface ApiAnswer {
  readonly status: number;
  readonly body: Json;
}

const FILTERS = ["merchantId", "transId", "payId", "refNr", "status", "from", "to", "cursor"] as const;

function listOf(body: Json, ...keys: string[]): Json[] {
  for (const key of [...keys, "data", "items"]) if (Array.isArray(body[key])) return body[key] as Json[];
  return [];
}

const text = (value: unknown) =>
  value === undefined || value === null
    ? ""
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
const money = (minor: unknown, currency: unknown) =>
  typeof minor === "number" ? `${(minor / 100).toFixed(2)} ${text(currency)}`.trim() : text(minor);

export async function paymentRoutes(
  app: FastifyInstance,
  options: { readonly audit: Audit; readonly merchants: MerchantDirectory },
): Promise<void> {
  /** The JSON API, asked as this browser (cookie and CSRF token forwarded). */
  async function api(
    request: FastifyRequest,
    method: "GET" | "POST",
    url: string,
    body?: Json,
    idempotencyKey?: string,
  ): Promise<ApiAnswer> {
    const session = office(request).session;
    const answer = await app.inject({
      method,
      url,
      headers: {
        cookie: request.headers.cookie ?? "",
        ...(session ? { [CSRF_HEADER]: session.csrfToken } : {}),
        ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
        accept: "application/json",
      },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    let parsed: Json = {};
    try {
      parsed = answer.json() as Json;
    } catch {
      parsed = {};
    }
    return { status: answer.statusCode, body: parsed };
  }

  function problem(t: Translate, answer: ApiAnswer): SafeHtml {
    // The JSON API is its own part of the gateway; until it is mounted the pages say so.
    if (answer.status === 404 && !app.hasRoute({ method: "GET", url: "/api/v1/payments" }))
      return message("warn", t("error.api"));
    return message(
      "error",
      t("payment.refused", { detail: text(answer.body.detail ?? answer.body.title ?? answer.status) }),
    );
  }

  app.get<{ Querystring: Partial<Record<(typeof FILTERS)[number], string>> }>(
    "/payments",
    async (request, reply) => {
      const context = pageContext(request);
      const { t } = context;
      const who = principal(request);
      const query = new URLSearchParams();
      for (const key of FILTERS) {
        const value = request.query[key];
        if (value) query.set(key, value);
      }
      // A merchant user's list is their own whatever the URL says (and the API enforces it too).
      if (who.kind === "merchant") query.set("merchantId", who.merchantId);
      const answer = await api(request, "GET", `/api/v1/payments?${query}`);
      const payments = answer.status === 200 ? listOf(answer.body, "payments") : [];
      const next = text(answer.body.nextCursor ?? answer.body.next_cursor ?? "");
      const field = (key: (typeof FILTERS)[number], label: MessageKey, type = "text") =>
        html`<div><label for="f-${key}">${t(label)}</label><input type="${type}" id="f-${key}" name="${key}" value="${request.query[key] ?? ""}"></div>`;
      const body = html`<h1>${t("payments.title")}</h1>
<form method="get" action="${BASE}/payments" class="card" role="search"><div class="grid">
${who.kind === "operator" ? field("merchantId", "payments.merchant") : ""}${field("transId", "payments.transId")}${field("payId", "payments.payId")}${field("refNr", "payments.refNr")}${field("status", "payments.status")}${field("from", "payments.from", "date")}${field("to", "payments.to", "date")}
</div><button type="submit" id="search">${t("payments.search")}</button></form>
${answer.status === 200 ? "" : problem(t, answer)}
<div class="table-wrap"><table id="payments">
<thead><tr><th>${t("payments.created")}</th><th>${t("payments.merchant")}</th><th>${t("payments.transId")}</th><th>${t("payments.payId")}</th><th>${t("payments.status")}</th><th class="num">${t("payments.amount")}</th></tr></thead>
<tbody>${
        payments.length === 0
          ? html`<tr><td colspan="6">${t("payments.none")}</td></tr>`
          : payments.map(
              (payment) =>
                html`<tr><td>${text(payment.createdAt).replace("T", " ").slice(0, 19)}</td><td>${text(payment.merchantId)}</td><td><a href="${BASE}/payments/${encodeURIComponent(text(payment.merchantId))}/${encodeURIComponent(text(payment.payId))}">${text(payment.transId)}</a></td><td class="mono">${text(payment.payId)}</td><td class="status">${text(payment.status)}</td><td class="num">${money(payment.amount, payment.currency)}</td></tr>`,
            )
      }</tbody></table></div>
${next ? html`<p><a href="${BASE}/payments?${new URLSearchParams({ ...Object.fromEntries(query), cursor: next }).toString()}" id="next-page">${t("payments.next")}</a></p>` : ""}`;
      return sendPage(reply, page(context, t("payments.title"), body));
    },
  );

  async function detail(
    request: FastifyRequest,
    reply: FastifyReply,
    merchantId: string,
    payId: string,
    feedback?: SafeHtml,
  ) {
    const context = pageContext(request);
    const { t } = context;
    const answer = await api(
      request,
      "GET",
      `/api/v1/payments/${encodeURIComponent(payId)}?merchantId=${encodeURIComponent(merchantId)}`,
    );
    if (answer.status !== 200) {
      return sendPage(
        reply,
        page(context, t("payments.title"), html`<h1>${t("payments.title")}</h1>${problem(t, answer)}`),
        {},
        answer.status === 404 ? 404 : 200,
      );
    }
    const payment = (answer.body.payment ?? answer.body) as Json;
    const timeline = listOf(payment, "timeline", "events");
    const currency = payment.currency;
    const action = `${BASE}/payments/${encodeURIComponent(merchantId)}/${encodeURIComponent(payId)}`;
    const actionForm = (
      kind: "capture" | "refund" | "cancel",
      confirmKey: MessageKey,
      label: MessageKey,
      amount?: number,
    ) =>
      html`<form method="post" action="${action}/${kind}" data-confirm="${t(confirmKey, { amount: "{amount}" })}" data-currency="${text(currency)}" class="card">
${csrfField(context)}<input type="hidden" name="idempotencyKey" value="${randomUUID()}">
${amount === undefined ? "" : html`<label for="${kind}-amount">${t("payments.amount")} (${text(currency)})</label><input type="text" inputmode="decimal" id="${kind}-amount" name="amount" value="${(amount / 100).toFixed(2)}">`}
<button type="submit" id="${kind}"${kind === "cancel" ? html` class="danger"` : ""}>${t(label)}</button></form>`;
    const deliveries = await deliveriesOf(request, merchantId, payId);
    const authorized = Number(payment.authorized ?? payment.amountAuthorized ?? 0);
    const captured = Number(payment.captured ?? payment.amountCaptured ?? 0);
    const credited = Number(payment.refunded ?? 0);
    const body = html`<h1>${t("payment.title", { transId: text(payment.transId) })}</h1>${feedback ?? ""}
<section class="card"><dl class="facts">
<dt>${t("payments.merchant")}</dt><dd>${merchantId}</dd><dt>${t("payments.payId")}</dt><dd class="mono">${payId}</dd>
<dt>${t("payments.status")}</dt><dd class="status" id="status">${text(payment.status)}</dd>
<dt>${t("payments.amount")}</dt><dd>${money(payment.amount, currency)}</dd>
<dt>${t("payment.authorized")}</dt><dd id="authorized">${money(authorized, currency)}</dd>
<dt>${t("payment.captured")}</dt><dd id="captured">${money(captured, currency)}</dd>
<dt>${t("payment.credited")}</dt><dd id="credited">${money(credited, currency)}</dd></dl></section>
<h2>${t("payment.actions")}</h2><div class="grid">
${actionForm("capture", "payment.captureConfirm", "payment.capture", Math.max(authorized - captured, 0))}
${actionForm("refund", "payment.refundConfirm", "payment.refund", Math.max(captured - credited, 0))}
${actionForm("cancel", "payment.cancelConfirm", "payment.cancel")}</div>
<h2>${t("payment.timeline")}</h2><ol class="card" id="timeline">${timeline.map(
      (entry) =>
        html`<li><span class="muted">${text(entry.at).replace("T", " ").slice(0, 19)}</span> <strong>${text(entry.kind)}</strong> ${text(entry.state)} ${typeof entry.amount === "number" && entry.amount > 0 ? money(entry.amount, currency) : ""} ${text(entry.reasonCode)}${listOf(
          entry,
          "notifications",
        ).map(
          (notification) =>
            html`<br><span class="muted">URLNotify ${text(notification.status)} · ${text(notification.attempts)}×</span>`,
        )}</li>`,
    )}</ol>
<h2>${t("webhooks.title")}</h2>${deliveries.failed ? problem(t, deliveries.failed) : ""}${deliveriesTable(context, deliveries.items, payId)}`;
    return sendPage(reply, page(context, t("payment.title", { transId: text(payment.transId) }), body));
  }

  /**
   * The webhook deliveries of every endpoint the merchant registered, newest first; with `payId`
   * only that payment's (the API lists deliveries per endpoint).
   */
  async function deliveriesOf(
    request: FastifyRequest,
    merchantId: string,
    payId?: string,
  ): Promise<{ items: Json[]; failed?: ApiAnswer }> {
    const merchant = encodeURIComponent(merchantId);
    const endpoints = await api(request, "GET", `/api/v1/merchants/${merchant}/webhook-endpoints`);
    if (endpoints.status !== 200) return { items: [], failed: endpoints };
    const items: Json[] = [];
    for (const endpoint of listOf(endpoints.body, "endpoints")) {
      const answer = await api(
        request,
        "GET",
        `/api/v1/merchants/${merchant}/webhook-endpoints/${encodeURIComponent(text(endpoint.endpointId))}/deliveries`,
      );
      if (answer.status !== 200) return { items, failed: answer };
      for (const delivery of listOf(answer.body, "deliveries")) {
        if (payId === undefined || delivery.payId === payId)
          items.push({ ...delivery, merchantId, url: endpoint.url });
      }
    }
    items.sort((a, b) => text(b.createdAt).localeCompare(text(a.createdAt)));
    return { items };
  }

  /** Deliveries with the replay button; `payId`: the payment page the button comes back to. */
  function deliveriesTable(
    context: ReturnType<typeof pageContext>,
    items: readonly Json[],
    payId?: string,
  ): SafeHtml {
    const { t } = context;
    if (items.length === 0) return html`<p class="card" id="webhooks-none">${t("webhooks.none")}</p>`;
    return html`<div class="table-wrap"><table id="webhook-deliveries">
<thead><tr><th>${t("webhooks.created")}</th>${context.principal?.kind === "operator" ? html`<th>${t("payments.merchant")}</th>` : ""}<th>${t("webhooks.event")}</th><th>${t("payments.payId")}</th><th>${t("webhooks.endpoint")}</th><th>${t("webhooks.status")}</th><th class="num">${t("webhooks.attempts")}</th><th>${t("webhooks.lastAnswer")}</th><th></th></tr></thead>
<tbody>${items.map((delivery) => {
      const merchantId = text(delivery.merchantId);
      const id = text(delivery.deliveryId);
      const answer = [text(delivery.lastHttpStatus), text(delivery.lastError)].filter(Boolean).join(" · ");
      return html`<tr id="delivery-${id}"><td>${text(delivery.createdAt).replace("T", " ").slice(0, 19)}</td>${context.principal?.kind === "operator" ? html`<td>${merchantId}</td>` : ""}<td>${text(delivery.eventType)}</td><td class="mono"><a href="${BASE}/payments/${encodeURIComponent(merchantId)}/${encodeURIComponent(text(delivery.payId))}">${text(delivery.payId)}</a></td><td class="mono">${text(delivery.url)}</td><td class="status">${text(delivery.status)}</td><td class="num">${text(delivery.attempts)}</td><td>${answer}</td>
<td><form method="post" action="${BASE}/webhooks/${encodeURIComponent(merchantId)}/${encodeURIComponent(id)}/resend" data-confirm="${t("webhooks.resendConfirm", { event: text(delivery.eventType), url: text(delivery.url) })}">${csrfField(context)}${payId === undefined ? "" : html`<input type="hidden" name="payId" value="${payId}">`}<button type="submit" class="secondary" id="resend-${id}">${t("webhooks.resend")}</button></form></td></tr>`;
    })}</tbody></table></div>`;
  }

  async function webhooksPage(
    request: FastifyRequest,
    reply: FastifyReply,
    asked?: string,
    feedback?: SafeHtml,
  ) {
    const context = pageContext(request);
    const { t } = context;
    const items: Json[] = [];
    let failed: ApiAnswer | undefined;
    for (const merchantId of await merchantsOf(request, asked)) {
      const found = await deliveriesOf(request, merchantId);
      failed ??= found.failed;
      items.push(...found.items);
    }
    items.sort((a, b) => text(b.createdAt).localeCompare(text(a.createdAt)));
    const body = html`<h1>${t("webhooks.title")}</h1>${feedback ?? ""}${failed ? problem(t, failed) : ""}${deliveriesTable(context, items)}`;
    return sendPage(reply, page(context, t("webhooks.title"), body));
  }

  app.get<{ Querystring: { merchantId?: string } }>("/webhooks", async (request, reply) =>
    webhooksPage(request, reply, request.query.merchantId),
  );

  // The replay button: the API resends (due now, fresh retry schedule); the action is audited.
  app.post<{ Params: { merchantId: string; deliveryId: string } }>(
    "/webhooks/:merchantId/:deliveryId/resend",
    async (request, reply) => {
      const { merchantId, deliveryId } = request.params;
      const { t } = office(request);
      const form = await readForm(request);
      const answer = await api(
        request,
        "POST",
        `/api/v1/merchants/${encodeURIComponent(merchantId)}/webhook-deliveries/${encodeURIComponent(deliveryId)}/resend`,
        {},
      );
      const ok = answer.status >= 200 && answer.status < 300;
      await options.audit(request, {
        action: "webhook.resend",
        merchantId,
        target: deliveryId,
        outcome: ok ? "ok" : "refused",
        detail: {
          status: answer.status,
          ...(ok ? { payId: text(answer.body.payId), event: text(answer.body.eventType) } : {}),
        },
      });
      const feedback = ok
        ? message("ok", t("webhooks.resent", { event: text(answer.body.eventType) }))
        : problem(t, answer);
      if (form.payId) return detail(request, reply, merchantId, form.payId, feedback);
      return webhooksPage(request, reply, undefined, feedback);
    },
  );

  app.get<{ Params: { merchantId: string; payId: string } }>(
    "/payments/:merchantId/:payId",
    async (request, reply) => detail(request, reply, request.params.merchantId, request.params.payId),
  );

  const PATHS = { capture: "captures", refund: "refunds", cancel: "cancel" } as const;
  for (const kind of Object.keys(PATHS) as Array<keyof typeof PATHS>) {
    app.post<{ Params: { merchantId: string; payId: string } }>(
      `/payments/:merchantId/:payId/${kind}`,
      async (request, reply) => {
        const { merchantId, payId } = request.params;
        const { t } = office(request);
        const form = await readForm(request);
        const amount =
          form.amount === undefined ? undefined : Math.round(Number(form.amount.replace(",", ".")) * 100);
        if (amount !== undefined && !(Number.isInteger(amount) && amount > 0)) {
          return detail(
            request,
            reply,
            merchantId,
            payId,
            message("error", t("payment.refused", { detail: form.amount ?? "" })),
          );
        }
        const answer = await api(
          request,
          "POST",
          `/api/v1/payments/${encodeURIComponent(payId)}/${PATHS[kind]}?merchantId=${encodeURIComponent(merchantId)}`,
          amount === undefined ? {} : { amount },
          form.idempotencyKey || randomUUID(),
        );
        const ok = answer.status >= 200 && answer.status < 300;
        await options.audit(request, {
          action: `payment.${kind}`,
          merchantId,
          target: payId,
          outcome: ok ? "ok" : "refused",
          detail: { amount, status: answer.status },
        });
        return detail(
          request,
          reply,
          merchantId,
          payId,
          ok ? message("ok", t("payment.done", { action: t(`payment.${kind}`) })) : problem(t, answer),
        );
      },
    );
  }

  /** The merchants a page covers: a merchant user's own, or (operators) every merchant or the one asked for. */
  async function merchantsOf(request: FastifyRequest, asked: string | undefined): Promise<string[]> {
    const who = principal(request);
    if (who.kind === "merchant") return [who.merchantId];
    if (asked) return [asked];
    return (await options.merchants.list()).map((merchant) => merchant.merchantId);
  }

  function table(
    columns: readonly string[],
    items: readonly Json[],
    extra?: (item: Json) => SafeHtml,
  ): SafeHtml {
    return html`<div class="table-wrap"><table>
<thead><tr>${columns.map((column) => html`<th>${column}</th>`)}${extra ? html`<th></th>` : ""}</tr></thead>
<tbody>${items.map(
      (item) =>
        html`<tr>${columns.map((column) => html`<td>${text(item[column])}</td>`)}${extra ? html`<td>${extra(item)}</td>` : ""}</tr>`,
    )}</tbody></table></div>`;
  }

  /** A page listing one per-merchant API collection for each merchant the principal covers. */
  function perMerchantPage(
    path: string,
    title: MessageKey,
    apiPath: (merchantId: string) => string,
    key: string,
    columns: readonly string[],
    extra?: (context: ReturnType<typeof pageContext>, merchantId: string, item: Json) => SafeHtml,
  ) {
    app.get<{ Querystring: { merchantId?: string } }>(path, async (request, reply) => {
      const context = pageContext(request);
      const { t } = context;
      const items: Json[] = [];
      let failed: ApiAnswer | undefined;
      for (const merchantId of await merchantsOf(request, request.query.merchantId)) {
        const answer = await api(request, "GET", apiPath(merchantId));
        if (answer.status !== 200) failed ??= answer;
        else items.push(...listOf(answer.body, key).map((item) => ({ merchantId, ...item })));
      }
      const body = html`<h1>${t(title)}</h1>${failed ? problem(t, failed) : ""}${table(
        ["merchantId", ...columns],
        items,
        extra ? (item) => extra(context, text(item.merchantId), item) : undefined,
      )}`;
      return sendPage(reply, page(context, t(title), body));
    });
  }

  perMerchantPage(
    "/notifications",
    "notifications.title",
    (merchantId) => `/api/v1/merchants/${encodeURIComponent(merchantId)}/notifications?status=failed`,
    "notifications",
    ["payId", "event", "status", "attempts", "lastError", "updatedAt"],
    (context, merchantId, item) =>
      html`<form method="post" action="${BASE}/notifications/${encodeURIComponent(merchantId)}/${text(item.notificationId)}/resend">${csrfField(context)}<button type="submit" class="secondary">${context.t("notifications.resend")}</button></form>`,
  );
  perMerchantPage(
    "/subscriptions",
    "subscriptions.title",
    (merchantId) => `/api/v1/merchants/${encodeURIComponent(merchantId)}/subscriptions`,
    "subscriptions",
    ["subscriptionId", "status", "amount", "currency", "cycle"],
  );
  perMerchantPage(
    "/requests",
    "requests.title",
    (merchantId) => `/api/v1/request-log?merchantId=${encodeURIComponent(merchantId)}`,
    "requests",
    ["at", "method", "path", "status", "durationMs", "actor", "payId"],
  );

  app.post<{ Params: { merchantId: string; notificationId: string } }>(
    "/notifications/:merchantId/:notificationId/resend",
    async (request, reply) => {
      const { merchantId, notificationId } = request.params;
      const answer = await api(
        request,
        "POST",
        `/api/v1/merchants/${encodeURIComponent(merchantId)}/notifications/${encodeURIComponent(notificationId)}/resend`,
        {},
      );
      const ok = answer.status >= 200 && answer.status < 300;
      await options.audit(request, {
        action: "notification.resend",
        merchantId,
        target: notificationId,
        outcome: ok ? "ok" : "refused",
        detail: { status: answer.status },
      });
      return reply.redirect(`${BASE}/notifications`, 303);
    },
  );
}
