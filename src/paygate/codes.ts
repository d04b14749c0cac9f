/**
 * The one registry of Paygate result codes Kasse can emit (fastify `lib/errors.js` style): a
 * stable name, the 8-character `Code`, the HTTP status for the JSON API, a message template.
 * Nothing else invents codes.
 *
 * Code structure (reference §3.1, A4 error codes): position 1 the status class (`0` success,
 * `2` error, `4` fatal error, `6` pending — final status follows asynchronously, `7` 3-DS, cards
 * only), positions 2–4 the module, 5–8 the detail / affected parameter.
 *
 * Choices where the reference says UNCONFIRMED (also in docs/paygate.md):
 * - Parameter ids (positions 5–8): Computop's table was not retrievable; {@link PARAMETER_IDS}
 *   numbers the parameters of the seed tables, append-only.
 * - Parameter modules: a missing parameter (010) or a missing value (015) is class `4` ("fatal,
 *   e.g. mandatory parameter missing"), every other parameter fault (011–019) class `2`.
 * - Amazon Pay module: `A20` (a free id in the payment-method range 100–FFF, "Amazon Pay v2").
 * - Cryptography (module 001): undecryptable Data, a wrong Len and a wrong MAC.
 */

import type { Refusal, RefusalReason } from "./parameters.js";

export type CodeCategory = "success" | "error" | "fatal" | "pending" | "emv3ds";

export interface CodeDefinition {
  /** The full 8-character code, or for per-parameter codes its 4-character class+module. */
  readonly code: string;
  /** When set, positions 5–8 are the id of the affected parameter ({@link PARAMETER_IDS}). */
  readonly perParameter?: true;
  /** Status for the JSON API (`/v1`); the Paygate wire always answers 200 with the code in Data. */
  readonly httpStatus: number;
  /** Description template; `{parameter}` is replaced by the parameter's key. */
  readonly message: string;
  /**
   * Where the code comes from: a public source that shows Computop's real code (or its parts), or
   * `kasse` for a code Kasse numbered itself within the A4 scheme (docs/paygate.md lists both).
   */
  readonly source: string;
}

/** The A4 page fixes class (position 1) and the common modules (2–4); details are Kasse's. */
const A4_MODULE =
  "A4 error codes: class and module (developer.computop.com, A4 Error codes); detail numbered by Kasse";
const KASSE_A20 =
  "kasse: class per A4; module A20 and detail chosen by Kasse (Computop's Amazon Pay codes are not public)";

/** Positions 5–8 for per-parameter codes, keyed by lower-cased parameter key. Append only. */
export const PARAMETER_IDS: Readonly<Record<string, string>> = {
  merchantid: "0001",
  len: "0002",
  data: "0003",
  mac: "0004",
  payid: "0005",
  transid: "0006",
  amount: "0007",
  currency: "0008",
  refnr: "0009",
  reqid: "0010",
  countrycode: "0011",
  urlsuccess: "0012",
  urlfailure: "0013",
  urlnotify: "0014",
  urlcancel: "0015",
  shopurl: "0016",
  txtype: "0017",
  localcurrency: "0018",
  scope: "0019",
  chdesc: "0020",
  orderdesc: "0021",
  amazonpaysimulationcode: "0022",
  addressrestriction: "0023",
  checkoutmode: "0024",
  eventtoken: "0025",
  reason: "0026",
  rtf: "0027",
  cycle: "0028",
  value: "0029",
  installmentamount: "0030",
  chargepermissionid: "0031",
  name: "0032",
  sdstreet: "0033",
  sdstreet2: "0034",
  sdaddressaddition: "0035",
  sdcity: "0036",
  sddistrict: "0037",
  sdstate: "0038",
  sdzipcode: "0039",
  sdcountrycode: "0040",
  sdphone: "0041",
  userdata: "0042",
  custom: "0043",
  response: "0044",
  etiid: "0045",
  amazoncheckoutsessionid: "0046",
};

export const CODES = {
  // Success and pending (class 0 / 6).
  OK: {
    code: "00000000",
    httpStatus: 200,
    message: "Operation successful",
    source: "seed 004 (only code=00000000 is success); A4 error codes",
  },
  CAPTURE_PENDING: {
    code: "6A200001",
    httpStatus: 202,
    message: "Capture accepted; Amazon Pay confirms it later and a CaptureNotification follows",
    source: KASSE_A20,
  },
  CREDIT_PENDING: {
    code: "6A200002",
    httpStatus: 202,
    message: "Refund accepted; Amazon Pay settles it later and a CreditNotification follows",
    source: KASSE_A20,
  },
  AUTHORIZATION_PENDING: {
    code: "6A200003",
    httpStatus: 202,
    message: "Authorisation pending at Amazon Pay; the final result follows by notify",
    source: KASSE_A20,
  },
  OUTCOME_UNKNOWN: {
    code: "6A200004",
    httpStatus: 202,
    message: "Amazon Pay did not answer in time; the final result follows by notify",
    source: KASSE_A20,
  },

  // Paygate cryptography, module 001.
  DATA_UNREADABLE: {
    code: "20010003",
    httpStatus: 400,
    message: "Data could not be decrypted with this merchant's key",
    source: A4_MODULE,
  },
  LEN_MISMATCH: {
    code: "20010002",
    httpStatus: 400,
    message: "Len does not match the decrypted Data",
    source: A4_MODULE,
  },
  MAC_MISMATCH: { code: "20010004", httpStatus: 401, message: "MAC does not match", source: A4_MODULE },

  // Parameter checks, modules 010–019, positions 5–8 = parameter id.
  PARAMETER_MISSING: {
    code: "4010",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} is missing",
    source: A4_MODULE,
  },
  PARAMETER_FORMAT: {
    code: "2011",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} has characters its format does not allow",
    source: A4_MODULE,
  },
  PARAMETER_INVALID: {
    code: "2012",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} is invalid",
    source: A4_MODULE,
  },
  PARAMETER_TOO_SHORT: {
    code: "2013",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} is too short",
    source: A4_MODULE,
  },
  PARAMETER_TOO_LONG: {
    code: "2014",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} is too long",
    source: A4_MODULE,
  },
  PARAMETER_VALUE_MISSING: {
    code: "4015",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} has no value",
    source: A4_MODULE,
  },
  PARAMETER_VALUE_NOT_ALLOWED: {
    code: "2016",
    perParameter: true,
    httpStatus: 400,
    message: "Value of parameter {parameter} is unknown or not allowed",
    source: A4_MODULE,
  },
  PARAMETER_REPEATED: {
    code: "2017",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} is given more than once",
    source: A4_MODULE,
  },
  PARAMETER_EXPIRED: {
    code: "2018",
    perParameter: true,
    httpStatus: 410,
    message: "Parameter {parameter} has expired or is no longer valid",
    source: A4_MODULE,
  },
  PARAMETER_NOT_ALLOWED: {
    code: "2019",
    perParameter: true,
    httpStatus: 400,
    message: "Parameter {parameter} is not allowed in this request",
    source: A4_MODULE,
  },
  /** 016 for MerchantID: no such merchant (also when the merchant is disabled). */
  MERCHANT_UNKNOWN: {
    code: "20160001",
    httpStatus: 401,
    message: "MerchantID is unknown",
    source: A4_MODULE,
  },
  /** 016 for PayID: no such payment for this merchant — another merchant's PayID included. */
  PAYMENT_UNKNOWN: {
    code: "20160005",
    httpStatus: 404,
    message: "PAYMENT NOT FOUND",
    source:
      "A4 module 016; Description PAYMENT NOT FOUND as Paygate words it (FATCHIP Magento 2, Model/CronJob/CleanExpiredOrders.php)",
  },

  // Amazon Pay module A20: Amazon's verdicts (Amazon's own code goes in CodeExt/ErrorText).
  AMAZON_DECLINED: {
    code: "2A200100",
    httpStatus: 402,
    message: "Amazon Pay declined the payment",
    source: KASSE_A20,
  },
  AMAZON_SOFT_DECLINED: {
    code: "2A200101",
    httpStatus: 402,
    message: "Amazon Pay declined the payment method; the buyer may choose another one",
    source: KASSE_A20,
  },
  BUYER_CANCELED: {
    code: "22890703",
    httpStatus: 400,
    message: "User canceled: the buyer cancelled the checkout at Amazon Pay",
    source:
      "Computop's code for a payment the buyer cancelled: FATCHIP OXID 7 (src/Core/FatchipComputopSession.php shows its cancel message for 22890703 or 22060200); detail 0703 User canceled also as FATCHIP Shopware 5 reads it (Controllers/Frontend/FatchipCTPayment.php hideError by the last four digits; 22730703 in Subscribers/Frontend/Checkout.php)",
  },
  AMAZON_AUTHENTICATION_FAILED: {
    code: "2A200103",
    httpStatus: 402,
    message: "The buyer did not complete Amazon Pay's additional authentication",
    source: KASSE_A20,
  },
  CHECKOUT_EXPIRED: {
    code: "2A200104",
    httpStatus: 410,
    message: "The Amazon Pay checkout session has expired",
    source: KASSE_A20,
  },
  AMAZON_REQUEST_REFUSED: {
    code: "2A200105",
    httpStatus: 502,
    message: "Amazon Pay refused the request (see CodeExt and ErrorText)",
    source: KASSE_A20,
  },
  AMAZON_UNAVAILABLE: {
    code: "2A200106",
    httpStatus: 503,
    message: "Amazon Pay is unavailable; try again later",
    source: KASSE_A20,
  },
  MARKET_NOT_CONFIGURED: {
    code: "2A200107",
    httpStatus: 400,
    message: "Amazon Pay is not set up for this merchant and CountryCode",
    source: KASSE_A20,
  },

  // Amazon Pay module A20: the payment's state does not allow the action.
  CAPTURE_NOT_ALLOWED: {
    code: "2A200200",
    httpStatus: 409,
    message: "The payment cannot be captured in its state",
    source: KASSE_A20,
  },
  ALREADY_CAPTURED: {
    code: "2A200201",
    httpStatus: 409,
    message: "The payment has already been captured; partial captures are not supported",
    source: KASSE_A20,
  },
  AMOUNT_EXCEEDS_AUTHORIZED: {
    code: "2A200202",
    httpStatus: 409,
    message: "Amount exceeds the authorised amount",
    source: KASSE_A20,
  },
  CREDIT_NOT_ALLOWED: {
    code: "2A200203",
    httpStatus: 409,
    message: "The payment cannot be refunded in its state",
    source: KASSE_A20,
  },
  AMOUNT_EXCEEDS_REFUNDABLE: {
    code: "2A200204",
    httpStatus: 409,
    message: "Amount exceeds the captured amount less earlier refunds",
    source: KASSE_A20,
  },
  REVERSE_NOT_ALLOWED: {
    code: "2A200205",
    httpStatus: 409,
    message: "The payment cannot be cancelled in its state",
    source: KASSE_A20,
  },
  AMOUNT_UPDATE_NOT_ALLOWED: {
    code: "2A200206",
    httpStatus: 409,
    message: "The amount can no longer be changed",
    source: KASSE_A20,
  },
  RECURRING_NOT_ALLOWED: {
    code: "2A200207",
    httpStatus: 409,
    message: "The charge permission does not allow a recurring charge",
    source: KASSE_A20,
  },
  CURRENCY_MISMATCH: {
    code: "2A200208",
    httpStatus: 409,
    message: "Currency differs from the payment's currency",
    source: KASSE_A20,
  },
  INSTALLMENT_AMOUNT_MISMATCH: {
    code: "2A200210",
    httpStatus: 409,
    message: "Amount differs from the fixed InstallmentAmount of the recurring series",
    source: KASSE_A20,
  },
  FIRST_NOTIFY_UNANSWERED: {
    code: "2A200209",
    httpStatus: 409,
    message: "The shop has not yet answered the payment's first notify",
    source: KASSE_A20,
  },

  // Amazon Pay module A20: Amazon's notices about a payment (notifies only, docs/async.md).
  CHARGEBACK: {
    code: "2A200300",
    // Only ever in a notify; the status keeps the class rule (class 2: ≥ 400).
    httpStatus: 409,
    message: "Amazon Pay reported a chargeback on this payment; see Seller Central for its amount and reason",
    source: KASSE_A20,
  },

  // Paygate internal (modules 020–0FF).
  INTERNAL_ERROR: {
    code: "40200000",
    httpStatus: 500,
    message: "Internal error; the request may not have been processed",
    source: "A4 error codes: class 4, internal modules 020–0FF; detail Kasse's",
  },
} as const satisfies Record<string, CodeDefinition>;

export type CodeName = keyof typeof CODES;

/** A code ready to send: `Code` and `Description` of a Paygate answer. */
export interface PaygateCode {
  readonly name: CodeName;
  readonly code: string;
  readonly description: string;
  readonly httpStatus: number;
  readonly category: CodeCategory;
}

const CATEGORIES: Readonly<Record<string, CodeCategory>> = {
  "0": "success",
  "2": "error",
  "4": "fatal",
  "6": "pending",
  "7": "emv3ds",
};

/** The status class of any 8-character Paygate code, ours or not. */
export function categoryOf(code: string): CodeCategory | undefined {
  if (!/^[0-9A-Z]{8}$/.test(code)) return undefined;
  return CATEGORIES[code[0] as string];
}

/**
 * Resolves a registry entry to the `Code`/`Description` pair; per-parameter entries need the
 * parameter key (matched case-insensitively against {@link PARAMETER_IDS}).
 *
 * @example paygateCode("PARAMETER_MISSING", "TransID") // { code: "40100006", description: "Parameter TransID is missing", … }
 */
export function paygateCode(name: CodeName, parameter?: string): PaygateCode {
  const definition: CodeDefinition = CODES[name];
  let code = definition.code;
  if (definition.perParameter) {
    if (parameter === undefined) throw new RangeError(`${name} needs a parameter`);
    const id = PARAMETER_IDS[parameter.toLowerCase()];
    if (id === undefined) throw new RangeError(`no parameter id for ${parameter}`);
    code += id;
  }
  return {
    name,
    code,
    description: definition.message.replace("{parameter}", parameter ?? ""),
    httpStatus: definition.httpStatus,
    category: categoryOf(code) as CodeCategory,
  };
}

/**
 * The code with a Description that says more than the registry's template, e.g. which rule a
 * URL broke. The Code stays the registry's; only the human text changes (shops branch on Code).
 */
export function describedAs(code: PaygateCode, description: string): PaygateCode {
  return { ...code, description };
}

const REFUSAL_CODES: Readonly<Record<RefusalReason, CodeName>> = {
  missing: "PARAMETER_MISSING",
  empty: "PARAMETER_VALUE_MISSING",
  characters: "PARAMETER_FORMAT",
  invalid: "PARAMETER_INVALID",
  tooShort: "PARAMETER_TOO_SHORT",
  tooLong: "PARAMETER_TOO_LONG",
  notAllowed: "PARAMETER_VALUE_NOT_ALLOWED",
  repeated: "PARAMETER_REPEATED",
};

/** The code for a refusal of parameters.ts (the first refusal is what a gateway answers with). */
export function refusalCode(refusal: Refusal): PaygateCode {
  return paygateCode(REFUSAL_CODES[refusal.reason], refusal.key);
}
