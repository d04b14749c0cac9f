/**
 * Every parameter table of the seeds, written once, as data (DESIGN principle 1). Validation
 * (parameters.ts), answers and docs/paygate.md all read these rows.
 *
 * Hold this file against the seeds by eye: tables appear in the seeds' order, rows in each
 * table's order, keys spelled and formats written exactly as printed (`refnr`, `SDZipcode`,
 * `ans..30`). Where a seed's own examples break its format (addresses with house numbers in an
 * `a` field, a 1,000-character button payload in `ans..256`), `accept` names the format we
 * validate instead and `note` says why. Rows the seeds do not list but the reference adds carry
 * `origin: "reference"` and come after the seed's rows.
 *
 * Seeds: 004 = 1cs "Amazon Pay V2" guide (seeds/004_114deed3b2de2bdc.txt),
 *        001 = Computop "Amazon Pay Button (APB)" page (seeds/001_b8f8f7e813bb155c.txt).
 */

/** M mandatory, O optional, C conditional (seed 004 §3.1.2 "Abkürzungen"). */
export type Presence = "M" | "O" | "C";

/** How a table travels: shop → Kasse (`request`), S2S answer, browser redirect, or URLNotify. */
export type Channel = "request" | "response" | "redirect" | "notify";

export interface ParameterRow<K extends string = string, P extends Presence = Presence> {
  /** Exact spelling of the seed; matching is case-insensitive (reference §1.3). */
  readonly key: K;
  /** Format exactly as printed in the seed, e.g. `ans..30`. */
  readonly format: string;
  readonly presence: P;
  /** For `C` rows: when the parameter is required or allowed. */
  readonly condition?: string;
  readonly meaning: string;
  /** The seed's German wording, where it says more than the English. */
  readonly german?: string;
  /** Allowed values where the seed fixes them (compared exactly). */
  readonly values?: readonly string[];
  /** The seed's M/O/C where Kasse must deviate from it (`presence` is what Kasse applies); see `note`. */
  readonly printedPresence?: Presence;
  /** Format actually enforced when the seed's own examples contradict `format`. */
  readonly accept?: string;
  readonly note?: string;
  /** Set when the row is not in the seed table but comes from reference/paygate-protocol.md. */
  readonly origin?: "reference";
}

export interface ParameterTable<R extends ParameterRow = ParameterRow> {
  readonly id: string;
  readonly title: string;
  /** Paygate page (`amazonAPA.aspx`) or, for redirects and notifies, the shop URL they go to. */
  readonly page: string;
  readonly channels: readonly Channel[];
  /** Seed and section the rows are copied from. */
  readonly source: string;
  readonly rows: readonly R[];
}

/**
 * The values a table yields, keyed by the seed's spelling: mandatory rows are `string`, the
 * others `string | undefined`.
 */
export type ParameterValues<T extends ParameterTable> = {
  readonly [R in T["rows"][number] as R["presence"] extends "M" ? R["key"] : never]: string;
} & {
  readonly [R in T["rows"][number] as R["presence"] extends "M" ? never : R["key"]]?: string;
};

type RowOptions = Omit<ParameterRow, "key" | "format" | "presence" | "meaning">;

function row<const K extends string, const P extends Presence>(
  key: K,
  format: string,
  presence: P,
  meaning: string,
  options: RowOptions = {},
): ParameterRow<K, P> {
  return { key, format, presence, meaning, ...options };
}

function table<const R extends ParameterRow>(
  id: string,
  title: string,
  page: string,
  channels: readonly Channel[],
  source: string,
  rows: readonly R[],
): ParameterTable<R> {
  return { id, title, page, channels, source, rows };
}

// Rows that recur with identical wording in many seed tables.
const mid = row("mid", "ans..30", "M", "merchant id assigned by the gateway", { german: "HändlerID" });
const payId = row("PayID", "an32", "M", "payment id assigned by the gateway (referenced by capture/credit)", {
  german: "Vom 1cs OBS vergebene ID für die Zahlung",
});
const xId = row(
  "XID",
  "an32",
  "M",
  "id of this single action (authorisation, capture, credit) within the payment",
  {
    german: "ID für alle einzelnen Transaktionen einer Zahlung",
  },
);
const transId = row("TransID", "ans..64", "M", "merchant's transaction id, unique per payment", {
  german: "Ihre eigene TransaktionsID, die für jede Zahlung eindeutig sein muss",
  note: "Shops reuse the order's TransID for capture and credit; Kasse does not refuse that (reference §4).",
});
const merchantId = row("MerchantID", "ans..30", "M", "merchant id; also sent in clear outside Data", {
  german: "HändlerID … zusätzlich auch unverschlüsselt zu übergeben",
});
const mac = row(
  "MAC",
  "an64",
  "M",
  "HMAC-SHA256 over PayID*TransID*MerchantID*Amount*Currency (reference §2.1)",
);
const amount = row("Amount", "n..10", "M", "amount in the currency's smallest unit (e.g. cents)", {
  german: "Betrag in der kleinsten Währungseinheit (z.B. EUR Cent)",
});
const currency = row("Currency", "a3", "M", "currency, ISO 4217 alpha-3 (A1 currency table)");
const refnrAns = row("refnr", "ans..30", "O", "merchant's unique reference number", {
  german: "Eindeutige Referenznummer des Händlers",
});
const reqId = row(
  "ReqId",
  "ans..32",
  "O",
  "idempotency key: a repeated ReqId performs nothing new and answers the original action",
  {
    german:
      "Um Doppelzahlungen zu vermeiden … gibt nur den Status der ursprünglichen Transaktion oder Aktion zurück",
  },
);
const orderDescAction = row(
  "OrderDesc",
  "ans..127",
  "O",
  "description; `Test:nnnn` switches on the simulation mode",
);
const simulationCode = row(
  "AmazonpaySimulationCode",
  "ans..",
  "O",
  "Amazon Pay sandbox simulation code (no effect live)",
  { german: "Parameter, um während des Tests bestimmte Zahlungsszenarien zu simulieren" },
);
const statusOkFailed = row("Status", "a..50", "M", "OK (URLSuccess) or FAILED (URLFailure)", {
  values: ["OK", "FAILED"],
});
const description = row(
  "Description",
  "ans..1024",
  "M",
  "details when refused; shops must branch on Code, not on this",
  {
    german: "Nähere Beschreibung bei Ablehnung … nicht Description, sondern Code auswerten",
  },
);
const code = row("Code", "an8", "M", "result code (A4 error codes; `00000000` = success)");
const codeExt = row("CodeExt", "ans..10", "O", "Amazon's error code, if any");
const errorText = row("ErrorText", "as..1024", "O", "Amazon's error description, if any", {
  accept: "ans..1024",
  note: "Amazon's messages contain digits; `as` would refuse them. Sent once more as lower-case `errortext` (WooCommerce's SDK reads only that spelling).",
});
const amazonStatusOrder = row(
  "AmazonStatus",
  "a..20",
  "M",
  "order status at Amazon: Opened, Completed, Canceled",
  {
    german: "Bestellstatus bei Amazon",
  },
);
const chargeId = row("chargeid", "ans..256", "M", "Amazon Pay charge id");
const chargePermissionId = row("chargepermissionid", "ans..256", "M", "Amazon Pay charge permission id");
const refundId = row("refundid", "ans..256", "C", "Amazon Pay refund id", {
  condition: "when Amazon created the refund",
  printedPresence: "M",
  note: "M in the seed; absent while Amazon's answer is unknown (Status=PENDING, 6A200004) or when Amazon refused the refund request, since there is no refund id to give.",
});
const amountAuth = row("AmountAuth", "n..10", "M", "total amount authorised at Amazon", {
  german: "Gesamtbetrag, der bei Amazon reserviert ist",
});
const amountCap = row("AmountCap", "n..10", "M", "total amount captured at Amazon so far", {
  german: "Gesamtbetrag, der bereits erfolgreich bei Amazon gebucht wurde",
});
const amountCred = row("AmountCred", "n..10", "M", "total amount refunded at Amazon so far", {
  german: "Gesamtbetrag, der bereits erfolgreich bei Amazon gutgeschrieben wurde",
});
const countryCode = row("CountryCode", "an2", "M", "Amazon marketplace", {
  values: ["EU", "UK", "US", "JP"],
  note: "Seed 004 lists EU, US and JP; seed 001 and the plugins add UK (reference §5.0).",
});
const responseMacRow = row(
  "MAC",
  "an64",
  "M",
  "HMAC-SHA256 over PayID*TransID*mid*Status*Code, upper-case hex",
  {
    origin: "reference",
    note: "Reference §2.2: returned on URLSuccess, URLFailure and URLNotify, not in S2S answers.",
  },
);

const URL_QUERY_NOTE =
  "A query string is accepted and the URL is called exactly as given: WooCommerce on WordPress' default permalinks sends https://shop/?wc-api=computop_notify, and Computop's Paygate takes it.";

const refnrInit = row("refnr", "ns..30", "O", "merchant's unique reference number", {
  german: "Eindeutige Referenznummer des Händlers",
  accept: "ans..30",
  note: "Capture, credit and the general table say ans..30 and real references contain letters.",
});
const scope = row(
  "Scope",
  "a..128",
  "O",
  "buyer details requested: name, email, phoneNumber, billingAddress; all when absent",
  {
    accept: "as..128",
    note: "A list needs a separator, which `a` does not allow; the separator itself is unconfirmed.",
  },
);
const cycleUnits = ["Year", "Month", "Week", "Day", "Variable"];
const cycleNote = "The seed's own value `Variable` has 8 characters; an..7 would refuse it.";
const fromReference = <R extends ParameterRow>(r: R): R => ({ ...r, origin: "reference" });

// Billing and shipping address as Amazon returns it (seed 004 Schritt 7 and 10).
const billingAddress = [
  row("bdAddrName", "ans..30", "C", "billing address: name", { german: "Rechnungsadresse – Kundenname" }),
  row("bdAddrStreet", "a..32", "C", "billing address: street and number", {
    german: "Rechnungsadresse – Straße und Hausnummer",
  }),
  row("bdAddrZip", "n..5", "C", "billing address: postcode", {
    note: "UK, JP and ZIP+4 postcodes do not fit n..5; Kasse passes Amazon's value unchanged.",
  }),
  row("bdAddrCity", "a..32", "C", "billing address: city"),
  row("bdAddrState", "a..32", "C", "billing address: state"),
  row("bdAddrCountrycode", "a2", "C", "billing address: country code"),
  row("bdPhoneNumber", "ans..20", "C", "billing address: phone number"),
];
const billingCondition = "when Amazon returns a billing address (Scope billingAddress)";
const shippingCondition = "when the buyer chose a shipping address (productType PayAndShip)";

function withCondition<R extends ParameterRow>(rows: readonly R[], condition: string): readonly R[] {
  return rows.map((r) => ({ ...r, condition }));
}

const buyer = [
  row("buyerId", "ans..42", "M", "Amazon's unique buyer id"),
  row("buyerName", "ans..50", "M", "buyer name"),
  row("buyerEmail", "ans..64", "M", "buyer e-mail address"),
  row("buyerPhonenumber", "ans..20", "M", "buyer phone number"),
  row("AmazonMerchantid", "ans..", "M", "Amazon merchant (seller) id"),
  row("RTF", "ans..", "M", "one-time or recurring order", {
    german: "einmalig – einzelne Bestellung / wiederkehrend – wiederkehrende Bestellung",
    note: "Literal values unconfirmed (reference §5.3); Kasse sends Amazon's OneTime / Recurring.",
  }),
];

/** Seed 004, Schritt 6: "Verschlüsselte Parameter zur Initialisierung einer Amazon-Pay-Zahlung". */
export const initRequest = table(
  "init-request",
  "Initialise an Amazon Pay payment",
  "amazonAPA.aspx",
  ["request"],
  "seed 004, Schritt 6 (Integration mit der 1cs OBS-Schnittstelle)",
  [
    merchantId,
    transId,
    refnrInit,
    mac,
    countryCode,
    amount,
    currency,
    row("URLSuccess", "ans..256", "M", "buyer returns here when the action succeeded"),
    row("URLFailure", "ans..256", "M", "buyer returns here when the action failed"),
    row(
      "URLNotify",
      "ans..256",
      "M",
      "URL the gateway POSTs the result to; port 443, no query string (use UserData)",
      {
        german:
          "Vollständige URL, die das 1cs Online Bezahlsystem aufruft … nur über Port 443 … keine Parameter",
        note: URL_QUERY_NOTE,
      },
    ),
    row("URLCancel", "ans..256", "M", "buyer returns here when they abort at Amazon"),
    row(
      "ShopUrl",
      "ans..256",
      "M",
      "review page the buyer is sent to after choosing payment and address at Amazon",
      {
        german: "Bestellüberprüfungsseite, auf die der Kunde weitergeleitet wird",
      },
    ),
    row("TxType", "an..20", "C", "payment flow: AuthorizeWithCapture (default) or Authorize", {
      condition: "optional; AuthorizeWithCapture when absent",
      values: ["AuthorizeWithCapture", "Authorize"],
    }),
    row("LocalCurrency", "a3", "C", "currency the buyer is charged in (multi-currency), ISO 4217", {
      condition: "only for the Amazon EU and UK markets",
    }),
    scope,
    row("ChDesc", "ans..16", "C", "soft descriptor; default `AMZ*<SELLER_NAME> pay.amazon.com`", {
      condition: "only for TxType AuthorizeWithCapture",
    }),
    row("OrderDesc", "ans..127", "O", "simulation mode switch (`Test:nnnn`); no effect live", {
      german:
        "Verwenden Sie diesen Parameter für den Simulationsmodus. Im Live-Modus hat dieser Parameter keine Auswirkungen.",
      note: "Seed 001 describes it as the description of the goods; it is both.",
    }),
    simulationCode,
    row(
      "addressRestriction",
      "ans..",
      "C",
      "base64 of JSON {type: Allowed|NotAllowed, restrictions: {<country>: {statesOrRegions, zipCodes}}}",
      {
        condition: "when the merchant restricts the shipping addresses a buyer may choose",
        german: "Adressbeschränkung – json base64-codiert",
        note: 'Seed 004 "Adressbeschränkung" gives no format; the seed\'s table says `restriction`, its schema and Amazon `restrictions`.',
      },
    ),
  ],
);

/** Seed 004, Schritt 6: "Zwischen-Antwortparameter nach dem Initialisieren einer Zahlung mit Amazon Pay". */
export const initResponse = table(
  "init-response",
  "Answer to the initialisation (button data)",
  "amazonAPA.aspx",
  ["response"],
  "seed 004, Schritt 6 (Zwischen-Antwortparameter)",
  [
    mid,
    payId,
    xId,
    transId,
    refnrAns,
    statusOkFailed,
    row("buttonsignature", "ans..256", "M", "signature for amazon.Pay.initCheckout", {
      accept: "ans..",
      note: "A real RSASSA-PSS signature and payload exceed 256 characters (reference §5.1).",
    }),
    row("buttonpayload", "ans..256", "M", "payload JSON for amazon.Pay.initCheckout", {
      accept: "ans..",
      note: "A real payload exceeds 256 characters; `&` and `=` inside are written as \\u0026 and \\u003d (reference §5.0; plug-ins split on both).",
    }),
    row("buttonpublickeyid", "ans..256", "M", "public key id for amazon.Pay.initCheckout"),
    row("Code", "an8", "O", "result code", {
      origin: "reference",
      note: "Not in the seed table; clients read it (§5.1).",
    }),
    row("Description", "ans..1024", "O", "text for a refusal", { origin: "reference" }),
  ],
);

/** Seed 004, Schritt 7: "Antwort-Parameter Übersichtsseite darstellen". */
export const reviewRedirect = table(
  "review-redirect",
  "Buyer back from Amazon: redirect to ShopUrl (review page)",
  "ShopUrl",
  ["redirect"],
  "seed 004, Schritt 7 (Überprüfungsseite darstellen)",
  [
    mid,
    payId,
    xId,
    transId,
    row("Status", "a..50", "M", "PENDING", { values: ["PENDING"] }),
    code,
    amountAuth,
    amountCap,
    amountCred,
    ...withCondition(billingAddress, billingCondition),
    ...withCondition(
      [
        row("AddrName", "ans..30", "C", "shipping address: name"),
        row("AddrStreet", "a..32", "C", "shipping address: street and number"),
        row("AddrStreet2", "a..32", "C", "shipping address: line 2"),
        row("AddrStreet3", "a..32", "C", "shipping address: line 3"),
        row("AddrZip", "n..5", "C", "shipping address: postcode", {
          note: "UK, JP and ZIP+4 postcodes do not fit n..5; Kasse passes Amazon's value unchanged.",
        }),
        row("AddrCity", "a..32", "C", "shipping address: city"),
        row("AddrState", "a..32", "C", "shipping address: state"),
        row("AddrCountrycode", "a2", "C", "shipping address: country code"),
        row("PhoneNumber", "ans..20", "C", "shipping address: phone number"),
      ],
      shippingCondition,
    ),
    ...buyer,
    row("AmazonStatus", "a..50", "M", "OPEN", { values: ["OPEN"] }),
    row("AmazonpayRedirectUrl", "ans..256", "M", "URL from Amazon Pay that completes the checkout"),
    row("AmazoncheckoutSessionid", "ans..32", "M", "Amazon checkout session id (for bindChangeAction)", {
      accept: "ans..64",
      note: "Amazon's checkout session ids are 36-character UUIDs.",
    }),
    row("AmazonPaymentDescriptor", "ans..64", "M", 'payment descriptor, e.g. "Visa ****1111 (Amazon Pay)"'),
    { ...responseMacRow, note: "Presumably PayID*TransID*mid*PENDING*Code (reference §5.3, unconfirmed)." },
  ],
);

/** Seed 004, Schritt 9: "Parameter zum Ändern des Betrags einer Amazon-Pay-Zahlung". */
export const updateAmountRequest = table(
  "update-amount-request",
  "Change the amount on the review page (EventToken=UpdateAuthorizeAmount)",
  "amazonAPA.aspx",
  ["request"],
  "seed 004, Schritt 9 (Betragsänderungen unterstützen)",
  [
    payId,
    row("EventToken", "enum", "M", "fixed value UpdateAuthorizeAmount", {
      values: ["UpdateAuthorizeAmount"],
    }),
    { ...amount, meaning: "new amount in the currency's smallest unit" },
    currency,
    countryCode,
  ],
);

/** Seed 004, Schritt 9: "Antwort-Parameter zum Ändern des Betrags einer Amazon-Pay-Zahlung". */
export const updateAmountResponse = table(
  "update-amount-response",
  "Answer to UpdateAuthorizeAmount",
  "amazonAPA.aspx",
  ["response"],
  "seed 004, Schritt 9 (Antwort-Parameter)",
  [
    mid,
    payId,
    xId,
    row("Status", "a..50", "M", "AUTHORIZE_REQUEST", {
      values: ["AUTHORIZE_REQUEST", "FAILED"],
      accept: "as..50",
      note: "The underscore is a special character; FAILED on refusal.",
    }),
    { ...code, meaning: "result code (Paygate A4 codes)" },
    amountAuth,
    amountCap,
    amountCred,
  ],
);

/** Seed 004, Schritt 10: "Finale Antwortparameter für eine Amazon-Pay-Zahlung". */
export const completionResult = table(
  "completion-result",
  "Checkout completed: redirect to URLSuccess/URLFailure and URLNotify",
  "URLSuccess / URLFailure / URLNotify",
  ["redirect", "notify"],
  "seed 004, Schritt 10 (Kaufabwicklung abschließen)",
  [
    mid,
    payId,
    xId,
    transId,
    row("Status", "a..50", "M", "OK", { values: ["OK", "FAILED"], note: "FAILED on URLFailure." }),
    code,
    amountAuth,
    amountCap,
    { ...amountCred, note: 'The seed adds: "Der Betrag für die Zahlung beträgt Null."' },
    ...withCondition(billingAddress, billingCondition),
    ...withCondition(
      [
        row("AddrName", "ans..30", "C", "shipping address: name"),
        row("AddrStreet", "a..32", "C", "shipping address: street and number"),
        row("AddrZip", "n..5", "C", "shipping address: postcode"),
        row("AddrCity", "a..32", "C", "shipping address: city"),
        row("AddrState", "a..32", "C", "shipping address: state"),
        row("AddrCountrycode", "a2", "C", "shipping address: country code"),
        row("PhoneNumber", "ans..20", "C", "shipping address: phone number"),
      ],
      shippingCondition,
    ),
    ...buyer,
    row("chargeid", "ans..", "M", "Amazon charge id"),
    row("chargepermissionid", "ans..", "M", "Amazon charge permission id (keep it for RTF=R)"),
    row("AmazonStatus", "a..50", "M", "Completed", { values: ["Completed"] }),
    row("AmazonpayRedirectUrl", "ans..256", "M", "URL from Amazon Pay"),
    row("AmazoncheckoutSessionid", "ans..32", "M", "Amazon checkout session id", {
      accept: "ans..64",
      note: "Amazon's checkout session ids are 36-character UUIDs.",
    }),
    responseMacRow,
  ],
);

const actionRequestTail = [reqId];

/** Seed 004, "Zahlung buchen": "Verschlüsselte Parameter zur Buchung einer autorisierten Amazon-Pay-Zahlung". */
export const captureRequest = table(
  "capture-request",
  "Capture an authorised payment",
  "capture.aspx",
  ["request"],
  "seed 004, Zahlung buchen",
  [
    merchantId,
    payId,
    transId,
    amount,
    currency,
    refnrAns,
    mac,
    ...actionRequestTail,
    row("ChDesc", "ans..16", "O", "text on the buyer's statement next to the payee"),
    orderDescAction,
    simulationCode,
  ],
);

const actionResponseHead = [
  mid,
  payId,
  xId,
  transId,
  refnrAns,
  statusOkFailed,
  description,
  code,
  codeExt,
  errorText,
];
const runningTotals = [amount, currency, amountAuth, amountCap, amountCred];

/** Seed 004, "Zahlung buchen": "Antwort-Parameter nach Buchung einer autorisierten Amazon-Pay-Zahlung". */
export const captureResponse = table(
  "capture-response",
  "Answer to a capture",
  "capture.aspx",
  ["response"],
  "seed 004, Zahlung buchen (Antwort-Parameter)",
  [...actionResponseHead, chargeId, amazonStatusOrder, chargePermissionId, ...runningTotals],
);

/** Seed 004, "Zahlung buchen": "Antwort-Parameter für URLNotify nach Buchung einer autorisierten Amazon-Pay-Zahlung". */
export const captureNotify = table(
  "capture-notify",
  "Capture settled: URLNotify",
  "URLNotify",
  ["notify"],
  "seed 004, Zahlung buchen (Antwort-Parameter für URLNotify)",
  [
    ...actionResponseHead,
    chargeId,
    amazonStatusOrder,
    chargePermissionId,
    row("OrderID", "ans..19", "M", "Amazon order id (OrderReferenceID; Amazon Pay v1 legacy)"),
    row("AmazonRefID", "ans..27", "M", "Amazon's id for the transaction"),
    ...runningTotals,
    row("NotificationType", "a..25", "M", "fixed value CaptureNotification", {
      values: ["CaptureNotification"],
    }),
    responseMacRow,
  ],
);

/** Seed 004, "Zahlung gutschreiben": "Verschlüsselte Parameter zur Gutschrift einer Amazon-Pay-Zahlung". */
export const creditRequest = table(
  "credit-request",
  "Refund (credit) a captured payment",
  "credit.aspx",
  ["request"],
  "seed 004, Zahlung gutschreiben",
  [
    merchantId,
    payId,
    transId,
    amount,
    currency,
    refnrAns,
    mac,
    ...actionRequestTail,
    { ...orderDescAction, meaning: "description of the credit; `Test:nnnn` switches on the simulation mode" },
    simulationCode,
  ],
);

/** Seed 004, "Zahlung gutschreiben": "Antwort-Parameter nach Gutschrift einer autorisierten Amazon-Pay-Zahlung". */
export const creditResponse = table(
  "credit-response",
  "Answer to a credit",
  "credit.aspx",
  ["response"],
  "seed 004, Zahlung gutschreiben (Antwort-Parameter)",
  [...actionResponseHead, amazonStatusOrder, chargeId, refundId, ...runningTotals],
);

/** Seed 004, "Zahlung gutschreiben": "Antwort-Parameter für URLNotify nach Gutschrift einer Amazon-Pay-Zahlung". */
export const creditNotify = table(
  "credit-notify",
  "Credit settled: URLNotify",
  "URLNotify",
  ["notify"],
  "seed 004, Zahlung gutschreiben (Antwort-Parameter für URLNotify)",
  [
    ...actionResponseHead,
    amazonStatusOrder,
    chargeId,
    refundId,
    ...runningTotals,
    row("NotificationType", "a..25", "M", "fixed value CreditNotification", {
      values: ["CreditNotification"],
    }),
    responseMacRow,
  ],
);

/** Seed 004, "Bestellung stornieren": "Verschlüsselte Parameter zum Stornieren einer Amazon-Pay-Zahlung". */
export const reverseRequest = table(
  "reverse-request",
  "Cancel (reverse) the whole order",
  "reverse.aspx",
  ["request"],
  "seed 004, Bestellung stornieren",
  [
    merchantId,
    payId,
    {
      ...mac,
      note: "TransID/Amount/Currency are not in this table: PayID**MerchantID** or the full form (§5.8).",
    },
    row("Reason", "a..1024", "O", "reason for the cancellation", {
      german: "Grund der Stornierung",
      accept: "ans..1024",
      note: "Free text; `a` would refuse digits and spaces.",
    }),
    reqId,
  ],
);

/** Seed 004, "Bestellung stornieren": "Antwort-Parameter nach Stornierung einer Amazon-Pay-Zahlung". */
export const reverseResponse = table(
  "reverse-response",
  "Answer to a reverse",
  "reverse.aspx",
  ["response"],
  "seed 004, Bestellung stornieren (Antwort-Parameter)",
  [...actionResponseHead, amazonStatusOrder, chargeId, chargePermissionId, ...runningTotals],
);

/** Seed 004, "Einrichtung wiederkehrender Zahlungen": "Parameter Anfangszahlung" (added to the init request). */
export const recurringInitialRequest = table(
  "recurring-initial-request",
  "Recurring: initial payment (RTF=I), in addition to the init request",
  "amazonAPA.aspx",
  ["request"],
  "seed 004, Einrichtung wiederkehrender Zahlungen (Anfangszahlung)",
  [
    row("RTF", "ans1", "M", "I = initial payment of a series", { values: ["I"] }),
    row("cycle", "an..7", "M", "cycle unit", { values: cycleUnits, accept: "an..8", note: cycleNote }),
    row(
      "Value",
      "n..4",
      "M",
      "units per cycle: Year 1–3, Month 1–36, Week 1–57, Day 1–1095; 0 with Variable",
    ),
    row("InstallmentAmount", "n..10", "C", "fixed amount per cycle, 0 if not fixed", {
      condition: "when the subscription has a fixed amount per cycle",
    }),
    row("Currency", "a3", "C", "currency of InstallmentAmount, ISO 4217", {
      condition: "with InstallmentAmount",
      note: "Same key as the init request's Currency (keys are case-insensitive; seed 001 writes `currency`).",
    }),
  ],
);

/** Seed 004, "Einrichtung wiederkehrender Zahlungen": "Parameter wiederkehrende Zahlung". */
export const recurringChargeRequest = table(
  "recurring-charge-request",
  "Recurring: merchant-initiated charge (RTF=R)",
  "amazonAPA.aspx",
  ["request"],
  "seed 004, Einrichtung wiederkehrender Zahlungen (Wiederkehrende Zahlung)",
  [
    row("RTF", "ans1", "M", "R = recurring", { values: ["R"] }),
    { ...amount, meaning: "amount of this charge in the currency's smallest unit" },
    currency,
    countryCode,
    row("ChargepermissionId", "ans..256", "M", "charge permission id from the answer to the initial payment"),
    // The seed lists only the rows above "in addition to the standard request"; a merchant-initiated
    // charge has no buyer, so of the init table only what a server-to-server charge needs is kept
    // (reference §5.9: TransID/MAC/URLs unconfirmed; docs/recurring.md).
    fromReference(merchantId),
    fromReference(transId),
    fromReference(refnrAns),
    row("TxType", "an..20", "O", "AuthorizeWithCapture (default) or Authorize", {
      origin: "reference",
      values: ["AuthorizeWithCapture", "Authorize"],
    }),
    row(
      "URLNotify",
      "ans..256",
      "O",
      "where the charge's notify goes; default: the initial payment's URLNotify",
      {
        origin: "reference",
      },
    ),
    row("ChDesc", "ans..16", "O", "soft descriptor, only with AuthorizeWithCapture", { origin: "reference" }),
    fromReference(orderDescAction),
    fromReference(simulationCode),
  ],
);

/**
 * The answer to an RTF=R request (not in the seeds, reference §5.9): the capture answer's fields
 * — the same head, Amazon's ids, the charge's amount and the running totals of its own PayID.
 */
export const recurringChargeResponse = table(
  "recurring-charge-response",
  "Recurring: answer to a merchant-initiated charge (RTF=R)",
  "amazonAPA.aspx",
  ["response"],
  "reference §5.9 (not in the seeds; shaped like seed 004's capture answer)",
  [
    ...actionResponseHead,
    row("chargeid", "ans..256", "C", "Amazon Pay charge id", {
      condition: "when Amazon created a charge (not on a refused request)",
    }),
    amazonStatusOrder,
    chargePermissionId,
    ...runningTotals,
  ].map(fromReference),
);

/** The URLNotify of an RTF=R charge: its answer plus RTF, NotificationType and the response MAC. */
export const recurringChargeNotify = table(
  "recurring-charge-notify",
  "Recurring: merchant-initiated charge result (URLNotify)",
  "URLNotify",
  ["notify"],
  "reference §5.9, §5.11 (not in the seeds)",
  [
    ...recurringChargeResponse.rows,
    row("RTF", "ans1", "M", "R = recurring", { origin: "reference", values: ["R"] }),
    row("NotificationType", "a..25", "M", "fixed value RecurringNotification", {
      origin: "reference",
      values: ["RecurringNotification"],
    }),
    responseMacRow,
  ],
);

/**
 * Kasse's own subscriptions (docs/recurring.md): a due charge failed for good (hard decline,
 * closed permission, retries used up) and the subscription is paused.
 */
export const subscriptionDunningNotify = table(
  "subscription-dunning-notify",
  "Subscription run by Kasse: due charge failed, subscription paused (URLNotify)",
  "URLNotify",
  ["notify"],
  "Kasse (not in the seeds or the reference)",
  [
    ...[mid, row("PayID", "an32", "O", "the failed charge's payment, when one was made"), transId].map(
      fromReference,
    ),
    row("SubscriptionId", "an32", "M", "Kasse's subscription id", { origin: "reference" }),
    fromReference({ ...statusOkFailed, meaning: "FAILED", values: ["FAILED"] }),
    ...[description, code, codeExt, errorText, chargePermissionId, amount, currency].map(fromReference),
    row("Cycle", "n..5", "M", "the cycle that could not be charged (1 = first due date)", {
      origin: "reference",
    }),
    row("Attempts", "n..3", "M", "charge attempts made on that cycle", { origin: "reference" }),
    row("NotificationType", "a..25", "M", "fixed value DunningNotification", {
      origin: "reference",
      values: ["DunningNotification"],
    }),
    responseMacRow,
  ],
);

/**
 * Amazon's notices about a payment (docs/async.md "Amazon's notices"; not in the seeds): the
 * head of an action answer for the notice's own XID, Amazon's ids, the running totals, and
 * `NotificationType` saying which notice it is. Shops that do not know the type see a notify with
 * a Code other than `00000000` for a PayID they already settled.
 */
const noticeHead = [mid, payId, xId, transId].map(fromReference);

/** Amazon reported a chargeback (IPN `CHARGEBACK`) on the payment's charge permission. */
export const chargebackNotify = table(
  "chargeback-notify",
  "Chargeback reported by Amazon (URLNotify)",
  "URLNotify",
  ["notify"],
  "Kasse (not in the seeds; Amazon's IPN type CHARGEBACK, amazon-pay-v2.md §10, §14)",
  [
    ...noticeHead,
    fromReference({
      ...statusOkFailed,
      meaning: "FAILED: money the payment took is being taken back",
      values: ["FAILED"],
    }),
    ...[description, code].map(fromReference),
    row("ChargebackID", "ans..256", "M", "Amazon's id of the chargeback (the IPN's ObjectId)", {
      origin: "reference",
    }),
    row("chargeid", "ans..256", "C", "Amazon Pay charge id", {
      origin: "reference",
      condition: "when the payment has a charge",
    }),
    fromReference(chargePermissionId),
    ...[currency, amountAuth, amountCap, amountCred].map(fromReference),
    row("NotificationType", "a..25", "M", "fixed value ChargebackNotification", {
      origin: "reference",
      values: ["ChargebackNotification"],
    }),
    responseMacRow,
  ],
);

/**
 * A recurring charge permission was closed at Amazon (the buyer in their account, Amazon, or the
 * merchant): no RTF=R on it any more. Sent for the RTF=I payment, whoever runs the subscription.
 */
export const recurringEndNotify = table(
  "recurring-end-notify",
  "Recurring: charge permission closed at Amazon (URLNotify)",
  "URLNotify",
  ["notify"],
  "Kasse (not in the seeds; Amazon's CHARGE_PERMISSION IPN, amazon-pay-v2.md §12)",
  [
    ...noticeHead,
    fromReference({
      ...statusOkFailed,
      meaning: "FAILED: no further RTF=R on this permission",
      values: ["FAILED"],
    }),
    ...[description, code].map(fromReference),
    row("CodeExt", "ans..10", "M", "Amazon's reason for the close, cut to 10 characters (BuyerClose…)", {
      origin: "reference",
    }),
    row(
      "ErrorText",
      "as..1024",
      "M",
      "Amazon's reason code whole: BuyerClosed, MerchantClosed, AmazonClosed, Expired, …",
      {
        origin: "reference",
      },
    ),
    fromReference(chargePermissionId),
    row("AmazonStatus", "a..20", "M", "fixed value Closed: the permission's state at Amazon", {
      origin: "reference",
      values: ["Closed"],
    }),
    row("NotificationType", "a..25", "M", "fixed value RecurringEndNotification", {
      origin: "reference",
      values: ["RecurringEndNotification"],
    }),
    responseMacRow,
  ],
);

/**
 * A recurring charge permission expires within 30 days (Amazon: 13 months after the checkout):
 * the series ends then unless the buyer checks out again (a new RTF=I). Sent for the RTF=I
 * payment, once per expiry date, when an RTF=R charge (the shop's or a Kasse subscription's)
 * reads the permission.
 */
export const recurringExpiryNotify = table(
  "recurring-expiry-notify",
  "Recurring: charge permission expires within 30 days (URLNotify)",
  "URLNotify",
  ["notify"],
  "Kasse (not in the seeds; Get Charge Permission's expirationTimestamp, amazon-pay-v2.md §4.3, §12)",
  [
    ...noticeHead,
    fromReference({
      ...statusOkFailed,
      meaning: "OK: the series still works until ExpiresAt (NotificationType says it is a warning)",
      values: ["OK"],
    }),
    ...[description, code].map(fromReference),
    fromReference(chargePermissionId),
    row(
      "ExpiresAt",
      "ans..20",
      "M",
      "when Amazon lets the permission expire, UTC, e.g. 2031-06-20T12:00:00Z",
      {
        origin: "reference",
      },
    ),
    row("NotificationType", "a..25", "M", "fixed value ExpiryNotification", {
      origin: "reference",
      values: ["ExpiryNotification"],
    }),
    responseMacRow,
  ],
);

/** Seed 001, "Amazon Pay Schnittstelle initialisieren": the APB variant of the init request. */
export const apbInitRequest = table(
  "apb-init-request",
  "Additional Payment Button (checkoutMode=ProcessOrder): initialise",
  "amazonAPA.aspx",
  ["request"],
  "seed 001, Amazon Pay Schnittstelle initialisieren (Verschlüsselte Parameter)",
  [
    merchantId,
    transId,
    refnrInit,
    mac,
    countryCode,
    amount,
    currency,
    row(
      "URLSuccess",
      "ans..256",
      "M",
      "buyer returns here if Amazon's multi-factor authentication succeeded",
    ),
    row("URLFailure", "ans..256", "M", "buyer returns here if Amazon's multi-factor authentication failed"),
    row(
      "URLNotify",
      "ans..256",
      "M",
      "URL the gateway POSTs the result to; port 443, no query string (use UserData)",
      { note: URL_QUERY_NOTE },
    ),
    row(
      "checkoutMode",
      "an..12",
      "M",
      "ProcessOrder: the buyer completes checkout on Amazon's page at once",
      {
        values: ["ProcessOrder"],
      },
    ),
    row("ShopUrl", "ans..256", "O", "Amazon's checkoutResultReturnUrl", {
      printedPresence: "M",
      note: "Optional in Kasse: the FATCHIP Magento 2 plug-in sends none (its line is commented out) and the buyer's result page is URLSuccess anyway; absent, URLSuccess stands in.",
    }),
    row("TxType", "an..20", "C", "payment flow: AuthorizeWithCapture (default) or Authorize", {
      condition: "optional; AuthorizeWithCapture when absent",
      values: ["AuthorizeWithCapture", "Authorize"],
    }),
    row("LocalCurrency", "a3", "C", "currency the buyer is charged in (multi-currency), ISO 4217", {
      condition: "only for the Amazon EU and UK markets",
    }),
    scope,
    row("ChDesc", "ans..16", "C", "soft descriptor; default `AMZ*<SELLER_NAME> pay.amazon.com`", {
      condition: "only for TxType AuthorizeWithCapture",
    }),
    row("OrderDesc", "ans..127", "O", "description of the goods, unit prices etc."),
    row("RTF", "ans1", "O", "I = initial payment of a subscription; one-time payment when absent", {
      values: ["I"],
    }),
    row("cycle", "an..7", "C", "cycle unit", {
      condition: "with RTF=I",
      values: cycleUnits,
      accept: "an..8",
      note: cycleNote,
    }),
    row(
      "Value",
      "n..4",
      "C",
      "units per cycle: Year 1–3, Month 1–36, Week 1–57, Day 1–1095; 0 with Variable",
      {
        condition: "with RTF=I",
      },
    ),
    row("InstallmentAmount", "n..10", "C", "amount per cycle; 0 if not fixed", { condition: "with RTF=I" }),
    row("currency", "a3", "C", "currency of InstallmentAmount, ISO 4217", {
      condition: "with InstallmentAmount",
      note: "Keys are case-insensitive, so on the wire this is the Currency above: one value for both.",
    }),
  ],
);

/** Seed 001, "Zwischenantwort mit zusätzlichen Parametern der Schaltfläche". */
export const apbInitResponse = table(
  "apb-init-response",
  "Additional Payment Button: answer to the initialisation",
  "amazonAPA.aspx",
  ["response"],
  "seed 001, Zwischenantwort mit zusätzlichen Parametern der Schaltfläche",
  [
    mid,
    payId,
    xId,
    transId,
    row("refnr", "ns..30", "O", "merchant's unique reference number", {
      accept: "ans..30",
      note: "Echoes what the shop sent, which may contain letters (see the request).",
    }),
    statusOkFailed,
    ...initResponse.rows.filter((r) => r.key.startsWith("button") || r.origin === "reference"),
  ],
);

const addressText = "Address text has digits and spaces (seed 001's own examples); `a` would refuse it.";

const addressRows = <S extends ParameterRow<"sdState">>(stateRow: S, zipNote?: string) => [
  row("Name", "as..50", "M", "first name and surname", {
    german: "Vorname und Nachname der Adresse",
    accept: "ans..50",
    note: "Percent-encoded names (seed 001's JP example) contain digits.",
  }),
  row("sdStreet", "a..180", "M", "company name (if any) or street and number", {
    german: "Firmenname (falls angegeben) oder Straßenname und Hausnummer",
    accept: "ans..180",
    note: 'House numbers are digits (seed 001\'s example "9999 First Avenue").',
  }),
  row("sdStreet2", "a..60", "O", "street and number", { accept: "ans..60", note: addressText }),
  row("sdAddressAddition", "a..60", "O", "further address line", {
    german: "Weitere Zusätze",
    accept: "ans..60",
    note: addressText,
  }),
  row("sdCity", "a..50", "M", "town or city", { accept: "ans..50", note: addressText }),
  row("sdDistrict", "a..50", "O", "district or county", { accept: "ans..50", note: addressText }),
  stateRow,
  row("SDZipcode", "a..50", "M", "postcode", {
    accept: "ans..50",
    note: zipNote ?? 'Postcodes contain digits (seed 001\'s example "10016").',
  }),
  row("sdCountryCode", "an2", "M", "country code, ISO 3166"),
  row("sdPhone", "a..128", "M", "phone number of the addressee", {
    accept: "ans..128",
    note: 'Phone numbers are digits (seed 001\'s example "212555555").',
  }),
];

/** Seed 001, "Adressprüfung — EU (einschließlich UK)". */
export const apbAddressEu = table(
  "apb-address-eu",
  "Additional Payment Button: shipping address, EU and UK",
  "amazonAPA.aspx",
  ["request"],
  "seed 001, Adressprüfung, EU (einschließlich UK)",
  addressRows(
    row("sdState", "a..50", "C", "state of the delivery address", {
      condition: "not supported (must be absent) when the country code is UK, GB, SG, AE or MX",
      german: "Nicht unterstützt, wenn countryCode ist: 'UK', 'GB', 'SG', 'AE', 'MX'",
      accept: "ans..50",
      note: addressText,
    }),
  ),
);

/** Seed 001, "Adressprüfung — JP". */
export const apbAddressJp = table(
  "apb-address-jp",
  "Additional Payment Button: shipping address, JP",
  "amazonAPA.aspx",
  ["request"],
  "seed 001, Adressprüfung, JP",
  addressRows(
    row("sdState", "a..50", "C", "state or region", {
      condition: "where the address has one",
      accept: "ans..50",
      note: addressText,
    }),
  ),
);

/** Seed 001, "Adressprüfung — US". */
export const apbAddressUs = table(
  "apb-address-us",
  "Additional Payment Button: shipping address, US",
  "amazonAPA.aspx",
  ["request"],
  "seed 001, Adressprüfung, US",
  addressRows(
    row("sdState", "a..50", "C", "state or region", {
      condition: "where the address has one",
      accept: "ans..50",
      note: addressText,
    }),
    "9-digit ZIP codes carry a hyphen, e.g. 98104-3442 (seed 001).",
  ),
);

const inquireMerchantId = row("MerchantID", "ans..30", "O", "merchant id; the clear MerchantID counts", {
  origin: "reference",
  note: "Optional inside Data: FATCHIP Magento 2 sends only PayId and TransID there (no MAC either); Data that decrypts with the merchant's key identifies the merchant (docs/paygate-plugins.md).",
});

/** Reference §1.1, §4: status inquiry; not in the seeds, taken from the open-source clients. */
export const inquireRequest = table(
  "inquire-request",
  "Status inquiry by PayID",
  "inquire.aspx",
  ["request"],
  "reference §1.1 and §4 (not in the seeds; Magento and WooCommerce call it from their notify handler)",
  [
    inquireMerchantId,
    fromReference(payId),
    row("TransID", "ans..64", "O", "merchant's transaction id", { origin: "reference" }),
  ],
);

/** `inquire24.aspx`: the same inquiry by TransID (the FATCHIP Magento 2 clean-up cron calls it). */
export const inquire24Request = table(
  "inquire24-request",
  "Status inquiry by TransID",
  "inquire24.aspx",
  ["request"],
  "reference §1.1 (not in the seeds; FATCHIP Magento 2 Model/CronJob/CleanExpiredOrders.php sends only TransID)",
  [
    inquireMerchantId,
    row("TransID", "ans..64", "M", "merchant's transaction id; the newest payment with it is answered", {
      origin: "reference",
      note: "TransIDs may repeat (a shop retrying an order); the inquiry answers the newest payment.",
    }),
    row("PayID", "an32", "O", "payment id; when given, it must belong to that TransID", {
      origin: "reference",
    }),
  ],
);

/** Reference §1.1, §4, §5.5: the inquiry's answer. */
export const inquireResponse = table(
  "inquire-response",
  "Answer to a status inquiry",
  "inquire.aspx",
  ["response"],
  "reference §1.1, §4 and §5.5 (not in the seeds)",
  [
    ...[mid, payId, xId, transId, statusOkFailed, description, code, amountAuth, amountCap, amountCred].map(
      fromReference,
    ),
    row("LastStatus", "a", "M", "status of the payment's last action", {
      origin: "reference",
      accept: "as",
      note: "Statuses such as AUTHORIZE_REQUEST contain an underscore.",
    }),
    fromReference(currency),
  ],
);

/**
 * Reference §3.1: what a refused request gets when its page's own answer table cannot be filled
 * (no payment, no Amazon ids yet): the refusal's Code and a Description naming the parameter.
 */
export const refusalAnswer = table(
  "refusal-answer",
  "Answer to a refused request (any page)",
  "all pages",
  ["response", "redirect"],
  "reference §3.1 and §4 (not in the seeds)",
  [
    fromReference(mid),
    row("PayID", "an32", "O", "payment id, when the request named a known payment", { origin: "reference" }),
    row("XID", "an32", "O", "id of the refused action, when one was recorded", { origin: "reference" }),
    row("TransID", "ans..64", "O", "the request's TransID, when it could be read", { origin: "reference" }),
    fromReference({ ...statusOkFailed, meaning: "FAILED", values: ["FAILED"] }),
    fromReference(code),
    fromReference(description),
    fromReference(codeExt),
    fromReference(errorText),
    { ...responseMacRow, presence: "O", note: "On browser returns and notifies only (§2.2)." },
  ],
);

/** Reference §4: parameters of every request that the seed tables do not repeat. */
export const generalRequest = table(
  "general-request",
  "General request parameters (all pages)",
  "all pages",
  ["request"],
  "reference §1.3, §1.7 and §4 (general parameters, not in the Amazon seed tables)",
  [
    fromReference(reqId),
    row("UserData", "ans..1024", "O", "merchant data echoed in the result", { origin: "reference" }),
    row("Custom", "ans..1024", "O", "k1=v1|k2=v2, appended in clear to the answer as &k1=v1&k2=v2", {
      origin: "reference",
    }),
    row("Response", "ans..7", "O", "`encrypt`: encrypted result to URLSuccess/URLFailure", {
      origin: "reference",
      values: ["encrypt"],
      note: "The reference gives no format, only the value; ans..7 is ours.",
    }),
    row("EtiID", "ans..", "O", "shop system / plugin identification", { origin: "reference" }),
  ],
);

/** Every table, in the order of the seeds (004, then 001, then the reference's additions). */
export const PARAMETER_TABLES: readonly ParameterTable[] = [
  initRequest,
  initResponse,
  reviewRedirect,
  updateAmountRequest,
  updateAmountResponse,
  completionResult,
  captureRequest,
  captureResponse,
  captureNotify,
  creditRequest,
  creditResponse,
  creditNotify,
  reverseRequest,
  reverseResponse,
  recurringInitialRequest,
  recurringChargeRequest,
  recurringChargeResponse,
  recurringChargeNotify,
  subscriptionDunningNotify,
  chargebackNotify,
  recurringEndNotify,
  recurringExpiryNotify,
  apbInitRequest,
  apbInitResponse,
  apbAddressEu,
  apbAddressJp,
  apbAddressUs,
  inquireRequest,
  inquire24Request,
  inquireResponse,
  refusalAnswer,
  generalRequest,
];

/** Seed 001: countries whose shipping address follows the EU table. */
export const EU_ADDRESS_COUNTRIES: readonly string[] = [
  "UK",
  "GB",
  "DE",
  "FR",
  "IT",
  "ES",
  "AT",
  "BE",
  "BG",
  "HR",
  "CY",
  "CZ",
  "DK",
  "EE",
  "FI",
  "GR",
  "HU",
  "IE",
  "LV",
  "LT",
  "LU",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SK",
  "SI",
  "SE",
];

/** Seed 001: countries for which `sdState` must not be sent. */
export const STATE_NOT_SUPPORTED: readonly string[] = ["UK", "GB", "SG", "AE", "MX"];

/**
 * The APB address table for a shipping country (seed 001 "Adressprüfung"), or `undefined` for a
 * country the seed does not cover.
 */
export function addressTableFor(countryCode: string): ParameterTable | undefined {
  const country = countryCode.toUpperCase();
  if (EU_ADDRESS_COUNTRIES.includes(country)) return apbAddressEu;
  if (country === "JP") return apbAddressJp;
  if (country === "US") return apbAddressUs;
  return undefined;
}

/** Seed 004 (URLNotify tables) and reference §5.11: what triggers a notify and how it is tagged. */
export const NOTIFICATION_TYPES: ReadonlyArray<{
  readonly trigger: string;
  readonly table: ParameterTable;
  readonly notificationType: string | undefined;
}> = [
  { trigger: "checkout completed (or failed)", table: completionResult, notificationType: undefined },
  { trigger: "capture settled at Amazon", table: captureNotify, notificationType: "CaptureNotification" },
  { trigger: "refund settled at Amazon", table: creditNotify, notificationType: "CreditNotification" },
  {
    trigger: "Amazon reported a chargeback (IPN CHARGEBACK)",
    table: chargebackNotify,
    notificationType: "ChargebackNotification",
  },
  {
    trigger: "a recurring charge permission closed at Amazon (IPN CHARGE_PERMISSION)",
    table: recurringEndNotify,
    notificationType: "RecurringEndNotification",
  },
  {
    trigger: "a recurring charge permission expires within 30 days (read by an RTF=R charge)",
    table: recurringExpiryNotify,
    notificationType: "ExpiryNotification",
  },
];
