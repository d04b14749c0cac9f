/**
 * The hosted payment page: a shop may send the buyer's browser to `amazonAPA.aspx` with the same
 * encrypted `MerchantID`/`Len`/`Data` as its server-to-server init (seed 001 names Paygate's hosted
 * page combined with the button; FATCHIP's OXID 7 plug-in sends Amazon Pay as a redirect payment).
 * Kasse runs the same init and, instead of the `Len=…&Data=…` answer, shows the order (TransID,
 * description, amount) and the Amazon Pay button (standard checkout or APB, as the init asked).
 * From the click on, the buyer walks the server-to-server flow's path: Amazon, Kasse's return
 * pages, then ShopUrl (standard: the shop's review) or URLSuccess/URLFailure/URLCancel (APB), with
 * the same encrypted answers and the same notify.
 *
 * The button's configuration (the signed payload of the init, the Amazon merchant id) sits in a
 * data attribute and a static module renders it (`assets/hosted-page.js`): no inline script, and a
 * Content-Security-Policy that allows Amazon's checkout.js origins — or, for emulator merchants,
 * the emulator that serves the stand-in.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { formatDecimal } from "../../core/money.js";
import { contentSecurityPolicy } from "../../http/content-security.js";
import type { PageAsset, PageOutcome } from "../routes.js";

/** What the page needs of the merchant's Amazon Pay account to render the button. */
export interface ButtonAccount {
  /** Amazon's merchant id (Seller Central's Händler-ID), checkout.js's `merchantId`. */
  readonly amazonMerchantId: string;
  /** checkout.js's `sandbox` flag: every environment but live. */
  readonly sandbox: boolean;
  /** Where checkout.js comes from: Amazon's region origin, or the emulator's `/checkout.js`. */
  readonly checkoutScript: string;
  /** The emulator's origin, allowed by the page's policy (emulator merchants only). */
  readonly emulatorOrigin?: string | undefined;
}

/** The merchant's button account, or `undefined` when it has no Amazon link the page can use. */
export type FindButtonAccount = (merchantId: string) => Promise<ButtonAccount | undefined>;

export interface HostedOrder {
  readonly transId: string;
  readonly amount: number;
  readonly currency: string;
  /** OrderDesc as the buyer may read it (not a `Test:nnnn` switch). */
  readonly description: string | undefined;
  readonly countryCode: string;
  /** APB (`checkoutMode=ProcessOrder`); with an address it ships, without it is PayOnly. */
  readonly processOrder: boolean;
  readonly ships: boolean;
  readonly button: { readonly payload: string; readonly signature: string; readonly publicKeyId: string };
  /** Kasse's cancel page for this payment: "back to the shop" cancels as leaving Amazon does. */
  readonly cancelUrl: string;
}

type Language = "de" | "en";

type TextKey =
  | "title"
  | "order"
  | "description"
  | "amount"
  | "note"
  | "noButton"
  | "back"
  | "refusedTitle"
  | "refusedNote";

const TEXT: Readonly<Record<Language, Readonly<Record<TextKey, string>>>> = {
  en: {
    title: "Pay with Amazon Pay",
    order: "Order",
    description: "Description",
    amount: "Amount",
    note: "The button takes you to Amazon Pay; afterwards you return to the shop.",
    noButton: "The Amazon Pay button could not be loaded. Please try again later.",
    back: "Cancel and return to the shop",
    refusedTitle: "This payment cannot be started",
    refusedNote: "The shop sent a request Kasse cannot accept. Please return to the shop and try again.",
  },
  de: {
    title: "Mit Amazon Pay bezahlen",
    order: "Bestellung",
    description: "Beschreibung",
    amount: "Betrag",
    note: "Die Schaltfläche führt Sie zu Amazon Pay; danach kehren Sie zum Shop zurück.",
    noButton:
      "Die Amazon-Pay-Schaltfläche konnte nicht geladen werden. Bitte versuchen Sie es später erneut.",
    back: "Abbrechen und zum Shop zurückkehren",
    refusedTitle: "Diese Zahlung kann nicht begonnen werden",
    refusedNote:
      "Der Shop hat eine Anfrage gesendet, die Kasse nicht annehmen kann. Bitte kehren Sie zum Shop zurück und versuchen Sie es erneut.",
  },
};

/** Markets → checkout.js's ledger currency and the button's language per page language. */
const MARKETS: Readonly<Record<string, { ledger: string; language: Readonly<Record<Language, string>> }>> = {
  EU: { ledger: "EUR", language: { de: "de_DE", en: "en_GB" } },
  UK: { ledger: "GBP", language: { de: "de_DE", en: "en_GB" } },
  US: { ledger: "USD", language: { de: "en_US", en: "en_US" } },
  JP: { ledger: "JPY", language: { de: "ja_JP", en: "ja_JP" } },
};

function asset(name: string, type: string): PageAsset {
  const body = readFileSync(new URL(`../assets/${name}`, import.meta.url));
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  return { path: `/assets/paygate/${hash}/${name}`, type, body };
}

const SCRIPT = asset("hosted-page.js", "text/javascript; charset=utf-8");
const STYLE = asset("hosted-page.css", "text/css; charset=utf-8");

/** The page's static files, for `registerPaygateRoutes`. */
export const HOSTED_PAGE_ASSETS: readonly PageAsset[] = [SCRIPT, STYLE];

/** German when the browser prefers it, else English. */
export function pageLanguage(acceptLanguage: string | undefined): Language {
  const first = (acceptLanguage ?? "").split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("de") ? "de" : "en";
}

/** The hosted payment page for an initialised payment. */
export function hostedPage(order: HostedOrder, account: ButtonAccount, language: Language): PageOutcome {
  const t = TEXT[language];
  const market = MARKETS[order.countryCode] ?? (MARKETS.EU as (typeof MARKETS)[string]);
  const config = {
    merchantId: account.amazonMerchantId,
    ledgerCurrency: market.ledger,
    sandbox: account.sandbox,
    checkoutLanguage: market.language[language],
    productType: order.processOrder && !order.ships ? "PayOnly" : "PayAndShip",
    placement: "Checkout",
    buttonColor: "Gold",
    createCheckoutSessionConfig: {
      payloadJSON: order.button.payload,
      signature: order.button.signature,
      publicKeyId: order.button.publicKeyId,
      // No algorithm: Kasse signs button payloads with checkout.js's default (AMZN-PAY-RSASSA-PSS).
    },
  };
  const description =
    order.description === undefined
      ? ""
      : `<dt>${t.description}</dt><dd id="description">${escapeHtml(order.description)}</dd>`;
  const body = `<h1>${t.title}</h1>
<dl><dt>${t.order}</dt><dd id="trans-id">${escapeHtml(order.transId)}</dd>${description}
<dt>${t.amount}</dt><dd id="amount">${escapeHtml(formatDecimal(order.amount, order.currency))} ${escapeHtml(order.currency)}</dd></dl>
<div id="AmazonPayButton" data-config="${escapeHtml(JSON.stringify(config))}"></div>
<p class="error" id="button-missing" hidden>${t.noButton}</p>
<p class="note">${t.note}</p>
<p><a id="back-to-shop" href="${escapeHtml(order.cancelUrl)}">${t.back}</a></p>`;
  return {
    kind: "page",
    html: frame(language, t.title, body, account.checkoutScript),
    contentSecurityPolicy: contentSecurityPolicy({
      amazonButton: { emulatorOrigin: account.emulatorOrigin },
    }),
  };
}

/**
 * A refused hosted request: the code and description in clear (they name the broken parameter,
 * never a secret), status 400. The buyer cannot be sent back with an answer the shop could trust
 * (the request may not even have decrypted), so the page says what went wrong instead.
 */
export function hostedRefusalPage(
  refused: { readonly code: string; readonly description: string },
  language: Language,
): PageOutcome {
  const t = TEXT[language];
  const body = `<h1>${t.refusedTitle}</h1>
<p>${t.refusedNote}</p>
<p class="error" id="refusal"><code id="code">${escapeHtml(refused.code)}</code> ${escapeHtml(refused.description)}</p>`;
  return {
    kind: "page",
    status: 400,
    html: frame(language, t.refusedTitle, body, undefined),
    contentSecurityPolicy: contentSecurityPolicy(),
  };
}

function frame(language: Language, title: string, body: string, checkoutScript: string | undefined): string {
  const scripts =
    checkoutScript === undefined
      ? ""
      : `<script src="${escapeHtml(checkoutScript)}"></script><script type="module" src="${SCRIPT.path}"></script>`;
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${STYLE.path}">${scripts}</head>
<body><main>${body}</main></body></html>`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}
