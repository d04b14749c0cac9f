/**
 * Merchant pages: the list (operators), a merchant's overview, its "Amazon Pay" tab (seeds: the
 * Store-ID, Händler-ID, Public-Key-ID and the whole private-key PEM, pasted or uploaded as the
 * `.pem` file; emulator, sandbox and live kept apart, one of them used for payments; "test
 * connection"; the IPN URL for Seller Central) and its Paygate keys (rotate: shown once).
 */
import { randomInt } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  checkPrivateKeyPem,
  type KeyVerification,
  type PrivateKeyProblemCode,
  verifyKeyAtAmazon,
} from "../amazon/private-key.js";
import type { Clock } from "../core/clock.js";
import { html, type SafeHtml } from "../http/html.js";
import { AMAZON_ID, generatedKey, ipnUrlOf } from "../merchants/credentials.js";
import type { MerchantDirectory, MerchantSummary } from "../merchants/directory.js";
import type { EmulatorEndpoint, SecretSealer } from "../merchants/ports.js";
import type { Database } from "../store/database.js";
import { readForm } from "./form.js";
import type { MessageKey, Translate } from "./i18n.js";
import { BASE, csrfField, message, page } from "./layout.js";
import {
  type Audit,
  mayConfigure,
  mayRead,
  office,
  pageContext,
  principal,
  sendError,
} from "./request-context.js";
import { sendPage } from "./security-headers.js";
import {
  type CredentialEnvironment,
  listCredentials,
  type StoredCredentials,
  saveCredentials,
} from "./store.js";

export interface MerchantPagesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly merchants: MerchantDirectory;
  readonly secrets: SecretSealer;
  readonly publicUrl: () => string;
  readonly emulator?: EmulatorEndpoint;
  readonly audit: Audit;
}

const REGIONS = ["eu", "na", "jp"] as const;
type Region = (typeof REGIONS)[number];
type Feedback = { readonly kind: "ok" | "error" | "warn"; readonly text: string };

/** The catalogue's words for each problem `checkPrivateKeyPem` names. */
const PEM_MESSAGES: Readonly<Record<PrivateKeyProblemCode, MessageKey>> = {
  empty: "pem.empty",
  "escaped-line-breaks": "pem.damagedWhitespace",
  "joined-lines": "pem.damagedWhitespace",
  "not-pem": "pem.notPem",
  "public-key": "pem.notPrivateKey",
  certificate: "pem.notPrivateKey",
  encrypted: "pem.encrypted",
  unreadable: "pem.damaged",
  "not-rsa": "pem.notRsa",
  "too-short": "pem.tooShort",
};

const sealLabel = (merchantId: string, environment: CredentialEnvironment) =>
  `merchant:${merchantId}:amazonPrivateKey:${environment}`;

function tabs(t: Translate, merchantId: string, current: "overview" | "amazon" | "paygate"): SafeHtml {
  const base = `${BASE}/merchants/${encodeURIComponent(merchantId)}`;
  const items: ReadonlyArray<readonly [typeof current, string, MessageKey]> = [
    ["overview", base, "merchant.overview"],
    ["amazon", `${base}/amazon-pay`, "merchant.amazonPay"],
    ["paygate", `${base}/paygate`, "merchant.paygate"],
  ];
  return html`<ul class="tabs">${items.map(
    ([key, href, label]) =>
      html`<li><a href="${href}"${key === current ? html` aria-current="page"` : ""}>${t(label)}</a></li>`,
  )}</ul>`;
}

function copyable(t: Translate, id: string, value: string): SafeHtml {
  return html`<div class="copy-row"><code id="${id}">${value}</code><button type="button" class="secondary" data-copy="${id}" data-copied="${t("amazon.copied")}">${t("amazon.copy")}</button></div>`;
}

/** The Amazon ids of a credentials form: element id suffix, form field, label. */
const ID_FIELDS = [
  { id: "storeId", name: "storeId", label: "amazon.storeId" },
  { id: "merchantId", name: "amazonMerchantId", label: "amazon.merchantId" },
  { id: "publicKeyId", name: "publicKeyId", label: "amazon.publicKeyId" },
] as const satisfies ReadonlyArray<{ id: string; name: keyof StoredCredentials; label: MessageKey }>;

const ENVIRONMENT_TITLES: Readonly<Record<CredentialEnvironment, string>> = {
  emulator: "Emulator",
  sandbox: "Sandbox",
  live: "Live",
};

/** What one environment's section of the Amazon Pay tab shows. */
interface CredentialsSection {
  readonly environment: CredentialEnvironment;
  /** The form's target (`…/amazon-pay`; `/test` and `/activate` below it). */
  readonly action: string;
  /** The merchant's payments use this environment now. */
  readonly active: boolean;
  readonly defaultRegion: Region;
  readonly saved?: StoredCredentials | undefined;
  /** What the user entered, after a refusal of this environment's form (never the key). */
  readonly entered: Partial<Record<string, string>>;
  readonly feedback?: Feedback | undefined;
}

/**
 * One environment's credentials: the same form for emulator, sandbox and live (seeds 000/003:
 * sandbox and live kept apart), its test and activate buttons once something is saved.
 */
function credentialsSection(context: ReturnType<typeof pageContext>, section: CredentialsSection): SafeHtml {
  const { t } = context;
  const { environment, action, saved, entered } = section;
  const id = (name: string) => `${environment}-${name}`;
  const region = (entered.region ?? saved?.region ?? section.defaultRegion) as Region;
  const environmentField = html`${csrfField(context)}<input type="hidden" name="environment" value="${environment}">`;
  const button = (path: string, name: string, label: MessageKey, disabled = false) =>
    html`<form class="inline" method="post" action="${action}/${path}">${environmentField}<button type="submit" class="secondary" id="${id(name)}"${disabled ? html` disabled` : ""}>${t(label)}</button></form>`;
  return html`<section class="card" id="${environment}" aria-labelledby="${id("title")}">
<h2 id="${id("title")}">${ENVIRONMENT_TITLES[environment]}${section.active ? html` <span class="status">✓ ${t("amazon.active", { environment })}</span>` : ""}</h2>
${section.feedback ? message(section.feedback.kind, section.feedback.text) : ""}
<p class="muted" id="${id("saved")}">${saved ? t("amazon.saved", { storeId: saved.storeId, merchantId: saved.amazonMerchantId, publicKeyId: saved.publicKeyId }) : t("amazon.none")}</p>
<form method="post" action="${action}" enctype="multipart/form-data" id="${id("form")}">
${environmentField}
<div class="grid">
<div><label for="${id("region")}">${t("amazon.region")}</label><select id="${id("region")}" name="region">${REGIONS.map(
    (option) =>
      html`<option value="${option}"${option === region ? html` selected` : ""}>${option.toUpperCase()}</option>`,
  )}</select></div>
${ID_FIELDS.map(
  (field) =>
    html`<div><label for="${id(field.id)}">${t(field.label)}</label><input type="text" id="${id(field.id)}" name="${field.name}" value="${entered[field.name] ?? saved?.[field.name] ?? ""}" autocomplete="off" spellcheck="false"></div>`,
)}
</div>
<label for="${id("privateKey")}">${t("amazon.privateKey")}</label><textarea id="${id("privateKey")}" name="privateKeyPem" autocomplete="off" spellcheck="false" placeholder="-----BEGIN PRIVATE KEY-----"></textarea>
<label for="${id("privateKeyFile")}">${t("amazon.privateKeyFile")}</label><input type="file" id="${id("privateKeyFile")}" name="privateKeyFile" accept=".pem,application/x-pem-file,text/plain">
<button type="submit" id="${id("save")}">${t("amazon.save")}</button></form>
${
  saved
    ? html`${button("test", "test", "amazon.test")}
${button("activate", "activate", "amazon.activate", section.active)}`
    : ""
}
</section>`;
}

export async function merchantRoutes(app: FastifyInstance, options: MerchantPagesOptions): Promise<void> {
  const { merchants } = options;
  const environments = (): CredentialEnvironment[] =>
    options.emulator ? ["emulator", "sandbox", "live"] : ["sandbox", "live"];

  /** The signed call that proves a key belongs to its id ("test connection"); the emulator plays the sandbox. */
  function verify(credentials: {
    environment: CredentialEnvironment;
    region: Region;
    publicKeyId: string;
    privateKeyPem: string;
  }) {
    const emulator = credentials.environment === "emulator" ? options.emulator : undefined;
    return verifyKeyAtAmazon({
      region: credentials.region,
      environment: credentials.environment === "live" ? "live" : "sandbox",
      publicKeyId: credentials.publicKeyId,
      privateKey: credentials.privateKeyPem,
      ...(emulator ? { baseUrl: new URL(emulator.url).host, ca: emulator.ca } : {}),
    });
  }

  async function merchantOr404(
    request: FastifyRequest,
    reply: FastifyReply,
    merchantId: string,
  ): Promise<MerchantSummary | undefined> {
    if (!mayRead(request, reply, merchantId)) return undefined;
    const summary = await merchants.summary(merchantId);
    if (!summary) void sendError(request, reply, 404, office(request).t("error.notFound"));
    return summary;
  }

  /** The merchant, when the user may change its set-up; otherwise the refusal is sent. */
  async function configurableOr404(
    request: FastifyRequest,
    reply: FastifyReply,
    merchantId: string,
  ): Promise<MerchantSummary | undefined> {
    if (!mayConfigure(request, reply, merchantId)) return undefined;
    return merchantOr404(request, reply, merchantId);
  }

  /** A set-up route of one merchant: answered only when the user may configure it and it exists. */
  function setUpRoute(
    method: "GET" | "POST",
    url: string,
    handler: (request: FastifyRequest, reply: FastifyReply, summary: MerchantSummary) => unknown,
  ): void {
    app.route<{ Params: { merchantId: string } }>({
      method,
      url,
      handler: async (request, reply) => {
        const summary = await configurableOr404(request, reply, request.params.merchantId);
        if (!summary) return reply;
        return handler(request, reply, summary);
      },
    });
  }

  app.get("/merchants", async (request, reply) => {
    const who = principal(request);
    if (who.kind === "merchant")
      return reply.redirect(`${BASE}/merchants/${encodeURIComponent(who.merchantId)}`, 303);
    const context = pageContext(request);
    const { t } = context;
    const list = await merchants.list();
    const body = html`<h1>${t("merchants.title")}</h1><div class="table-wrap"><table>
<thead><tr><th>${t("merchants.id")}</th><th>${t("merchants.name")}</th><th>${t("merchants.environment")}</th></tr></thead>
<tbody>${list.map(
      (merchant) =>
        html`<tr><td><a href="${BASE}/merchants/${encodeURIComponent(merchant.merchantId)}">${merchant.merchantId}</a></td><td>${merchant.name}</td><td>${merchant.amazon.environment} · ${merchant.amazon.region.toUpperCase()}</td></tr>`,
    )}</tbody></table></div>`;
    return sendPage(reply, page(context, t("merchants.title"), body));
  });

  app.get<{ Params: { merchantId: string } }>("/merchants/:merchantId", async (request, reply) => {
    const summary = await merchantOr404(request, reply, request.params.merchantId);
    if (!summary) return reply;
    const context = pageContext(request);
    const { t } = context;
    const body = html`<h1>${summary.name}</h1>${tabs(t, summary.merchantId, "overview")}
<section class="card"><dl class="facts">
<dt>${t("merchants.id")}</dt><dd class="mono">${summary.merchantId}</dd>
<dt>${t("merchants.environment")}</dt><dd>${summary.amazon.environment} · ${summary.amazon.region.toUpperCase()}</dd>
<dt>${t("amazon.storeId")}</dt><dd class="mono">${summary.amazon.storeId}</dd>
<dt>${t("amazon.merchantId")}</dt><dd class="mono">${summary.amazon.merchantId}</dd>
<dt>${t("amazon.publicKeyId")}</dt><dd class="mono">${summary.amazon.publicKeyId}</dd>
</dl></section>
<p><a href="${BASE}/payments?merchantId=${encodeURIComponent(summary.merchantId)}">${t("nav.payments")}</a></p>`;
    return sendPage(reply, page(context, summary.name, body));
  });

  async function amazonTab(
    request: FastifyRequest,
    reply: FastifyReply,
    summary: MerchantSummary,
    feedback: Partial<Record<CredentialEnvironment, Feedback>> = {},
    entered: Partial<Record<string, string>> = {},
    status = 200,
  ) {
    const context = pageContext(request);
    const { t } = context;
    const stored = new Map<CredentialEnvironment, StoredCredentials>(
      (await listCredentials(options.db, summary.merchantId)).map((row) => [row.environment, row]),
    );
    const ipnUrl = ipnUrlOf(options.publicUrl(), summary.merchantId, summary.amazon.region);
    const action = `${BASE}/merchants/${encodeURIComponent(summary.merchantId)}/amazon-pay`;
    const sections = environments().map((environment) =>
      credentialsSection(context, {
        environment,
        action,
        active: summary.amazon.environment === environment,
        defaultRegion: summary.amazon.region as Region,
        saved: stored.get(environment),
        entered: entered.environment === environment ? entered : {},
        feedback: feedback[environment],
      }),
    );
    const body = html`<h1>${summary.name}</h1>${tabs(t, summary.merchantId, "amazon")}
<p>${t("amazon.intro")}</p>
<section class="card"><h2>${t("amazon.ipnUrl")}</h2>${copyable(t, "ipn-url", ipnUrl)}
<p class="muted">${t("amazon.active", { environment: `${summary.amazon.environment} · ${summary.amazon.publicKeyId}` })}</p></section>
${sections}`;
    return sendPage(reply, page(context, `${summary.name} · ${t("amazon.title")}`, body), {}, status);
  }

  setUpRoute("GET", "/merchants/:merchantId/amazon-pay", (request, reply, summary) =>
    amazonTab(request, reply, summary),
  );

  setUpRoute("POST", "/merchants/:merchantId/amazon-pay", async (request, reply, summary) => {
    const { merchantId } = summary;
    const { t } = office(request);
    const form = await readForm(request);
    const environment = form.environment as CredentialEnvironment;
    const entered = { ...form, privateKeyPem: "", privateKeyFile: "" };
    const refuse = (text: string, where: CredentialEnvironment = environment) =>
      amazonTab(request, reply, summary, { [where]: { kind: "error", text } }, entered, 400);
    if (!environments().includes(environment)) return refuse(t("amazon.field.environment"), "sandbox");
    const region = REGIONS.find((candidate) => candidate === form.region) ?? summary.amazon.region;
    const ids: Record<"storeId" | "amazonMerchantId" | "publicKeyId", string> = {
      storeId: (form.storeId ?? "").trim(),
      amazonMerchantId: (form.amazonMerchantId ?? "").trim(),
      publicKeyId: (form.publicKeyId ?? "").trim(),
    };
    for (const field of ID_FIELDS) {
      const value = ids[field.name];
      if (value === "") return refuse(t("amazon.field.required", { field: t(field.label) }));
      if (!AMAZON_ID.test(value)) return refuse(t("amazon.field.format", { field: t(field.label) }));
    }
    // The upload wins over the text field when both are given: it cannot have lost its line breaks.
    const pem = `${(form.privateKeyFile ?? form.privateKeyPem ?? "").replace(/\r\n?/g, "\n").trim()}\n`;
    const check = checkPrivateKeyPem(pem);
    /** A key refused (not a usable PEM, or not the Public-Key-ID's): audited with the reason. */
    const refuseKey = async (detail: Readonly<Record<string, string>>, text: string) => {
      await options.audit(request, {
        action: "amazon.save",
        merchantId,
        target: environment,
        outcome: "refused",
        detail,
      });
      return refuse(text);
    };
    if (!check.ok) {
      return refuseKey(
        { problem: check.code },
        t(PEM_MESSAGES[check.code], { label: check.code === "certificate" ? "CERTIFICATE" : "PUBLIC KEY" }),
      );
    }
    const result = await verify({ environment, region, publicKeyId: ids.publicKeyId, privateKeyPem: pem });
    if (!result.ok && result.reason !== "unreachable") {
      return refuseKey(
        { amazon: result.reason },
        result.reason === "key-mismatch"
          ? t("pem.otherKey", { publicKeyId: ids.publicKeyId })
          : t("pem.unknownKeyId", { publicKeyId: ids.publicKeyId, message: result.message }),
      );
    }
    const row: StoredCredentials = {
      environment,
      region,
      amazonMerchantId: ids.amazonMerchantId,
      storeId: ids.storeId,
      publicKeyId: ids.publicKeyId,
      sealedPrivateKey: options.secrets.seal(pem, sealLabel(merchantId, environment)),
      updatedAt: options.clock.now(),
    };
    await saveCredentials(options.db, merchantId, row);
    // The active set is updated with it, so a key change reaches payments without a second step.
    if (summary.amazon.environment === environment) {
      await merchants.updateAmazon(
        merchantId,
        {
          environment,
          region,
          merchantId: ids.amazonMerchantId,
          storeId: ids.storeId,
          publicKeyId: ids.publicKeyId,
        },
        pem,
      );
    }
    await options.audit(request, {
      action: "amazon.save",
      merchantId,
      target: environment,
      outcome: "ok",
      detail: { publicKeyId: ids.publicKeyId },
    });
    const feedback: Feedback = result.ok
      ? { kind: "ok", text: t("amazon.savedOk") }
      : { kind: "warn", text: t("amazon.savedUnchecked", { message: result.message }) };
    return amazonTab(request, reply, (await merchants.summary(merchantId)) ?? summary, {
      [environment]: feedback,
    });
  });

  async function storedPem(merchantId: string, environment: CredentialEnvironment) {
    const row = (await listCredentials(options.db, merchantId)).find(
      (candidate) => candidate.environment === environment,
    );
    return row
      ? { row, pem: options.secrets.open(row.sealedPrivateKey, sealLabel(merchantId, environment)) }
      : undefined;
  }

  function describe(t: Translate, publicKeyId: string, result: KeyVerification): Feedback {
    return result.ok
      ? { kind: "ok", text: t("amazon.testOk", { publicKeyId }) }
      : { kind: "error", text: t("amazon.testFailed", { message: result.message }) };
  }

  setUpRoute("POST", "/merchants/:merchantId/amazon-pay/test", async (request, reply, summary) => {
    const { merchantId } = summary;
    const environment = (await readForm(request)).environment as CredentialEnvironment;
    const stored = await storedPem(merchantId, environment);
    if (!stored) return sendError(request, reply, 404, office(request).t("amazon.none"));
    const result = await verify({
      environment,
      region: stored.row.region,
      publicKeyId: stored.row.publicKeyId,
      privateKeyPem: stored.pem,
    });
    await options.audit(request, {
      action: "amazon.test",
      merchantId,
      target: environment,
      outcome: result.ok ? "ok" : "failed",
      detail: result.ok ? {} : { reason: result.reason },
    });
    return amazonTab(request, reply, summary, {
      [environment]: describe(office(request).t, stored.row.publicKeyId, result),
    });
  });

  setUpRoute("POST", "/merchants/:merchantId/amazon-pay/activate", async (request, reply, summary) => {
    const { merchantId } = summary;
    const environment = (await readForm(request)).environment as CredentialEnvironment;
    const stored = await storedPem(merchantId, environment);
    if (!stored) return sendError(request, reply, 404, office(request).t("amazon.none"));
    const { row } = stored;
    await merchants.updateAmazon(
      merchantId,
      {
        environment,
        region: row.region,
        merchantId: row.amazonMerchantId,
        storeId: row.storeId,
        publicKeyId: row.publicKeyId,
      },
      stored.pem,
    );
    await options.audit(request, {
      action: "amazon.activate",
      merchantId,
      target: environment,
      outcome: "ok",
    });
    return amazonTab(request, reply, (await merchants.summary(merchantId)) ?? summary, {
      [environment]: { kind: "ok", text: office(request).t("amazon.activated", { environment }) },
    });
  });

  function paygateTab(
    request: FastifyRequest,
    reply: FastifyReply,
    summary: MerchantSummary,
    shown?: SafeHtml,
  ) {
    const context = pageContext(request);
    const { t } = context;
    const action = `${BASE}/merchants/${encodeURIComponent(summary.merchantId)}/paygate/rotate`;
    const body = html`<h1>${summary.name}</h1>${tabs(t, summary.merchantId, "paygate")}
<section class="card"><p>${t("paygate.intro")}</p>${shown ?? ""}
<form method="post" action="${action}" data-confirm="${t("paygate.rotateConfirm")}">${csrfField(context)}<button type="submit" class="danger" id="rotate-keys">${t("paygate.rotate")}</button></form></section>`;
    return sendPage(reply, page(context, `${summary.name} · ${t("paygate.title")}`, body));
  }

  setUpRoute("GET", "/merchants/:merchantId/paygate", (request, reply, summary) =>
    paygateTab(request, reply, summary),
  );

  setUpRoute("POST", "/merchants/:merchantId/paygate/rotate", async (request, reply, summary) => {
    const { merchantId } = summary;
    const { t } = office(request);
    const keys = {
      hmacKey: generatedKey(32, randomInt),
      blowfishKey: generatedKey(16, randomInt),
      ...(summary.aes ? { aesKey: generatedKey(32, randomInt) } : {}),
    };
    await merchants.updatePaygateKeys(merchantId, keys);
    await options.audit(request, { action: "paygate.rotate", merchantId, outcome: "ok" });
    const shown = html`${message("warn", t("paygate.shownOnce"))}<dl class="facts">
<dt>MerchantID</dt><dd>${copyable(t, "key-merchant", merchantId)}</dd>
<dt>HMAC</dt><dd>${copyable(t, "key-hmac", keys.hmacKey)}</dd>
<dt>Blowfish</dt><dd>${copyable(t, "key-blowfish", keys.blowfishKey)}</dd>
${keys.aesKey ? html`<dt>AES</dt><dd>${copyable(t, "key-aes", keys.aesKey)}</dd>` : ""}</dl>`;
    return paygateTab(request, reply, summary, shown);
  });
}
