/**
 * The one place where the payment steps' outcomes become Paygate codes (src/paygate/codes.ts):
 * a step's refusal (the aggregate's included) and how an action's state reads to the shop
 * (Status, Code, CodeExt, ErrorText) — for the S2S answer, the browser redirect and the notify
 * alike, so they cannot disagree. The payment steps and the aggregate know nothing of this.
 */
import { DECLINE_REASON_CODES } from "../amazon/errors.js";
import type { Refusal } from "../core/outcome.js";
import type { NoticeKind, Operation, PaymentAction, PaymentRefusal, RefusalReason } from "../core/payment.js";
import { type CodeName, type PaygateCode, paygateCode } from "./codes.js";

/** The code for "the payment's state does not allow this", per operation. */
const NOT_ALLOWED: Readonly<Record<Operation, CodeName>> = {
  init: "INTERNAL_ERROR",
  buyerReturn: "PARAMETER_EXPIRED",
  cancelCheckout: "PARAMETER_EXPIRED",
  complete: "PARAMETER_EXPIRED",
  updateAmount: "AMOUNT_UPDATE_NOT_ALLOWED",
  capture: "CAPTURE_NOT_ALLOWED",
  credit: "CREDIT_NOT_ALLOWED",
  reverse: "REVERSE_NOT_ALLOWED",
  // Amazon's own events and outcomes: never the shop's fault.
  chargeCanceled: "INTERNAL_ERROR",
  recordOutcome: "INTERNAL_ERROR",
  notice: "INTERNAL_ERROR",
};

/** Per-parameter codes name the parameter at fault. */
const PARAMETERS: Partial<Record<RefusalReason | Operation, string>> = {
  amountInvalid: "Amount",
  currencyUnsupported: "Currency",
  buyerReturn: "AmazonCheckoutSessionId",
  cancelCheckout: "AmazonCheckoutSessionId",
  complete: "AmazonCheckoutSessionId",
};

const BY_REASON: Readonly<Record<RefusalReason, CodeName | ((operation: Operation) => CodeName)>> = {
  amountInvalid: "PARAMETER_INVALID",
  currencyUnsupported: "PARAMETER_VALUE_NOT_ALLOWED",
  currencyMismatch: "CURRENCY_MISMATCH",
  notAllowedInState: (operation) => NOT_ALLOWED[operation],
  alreadyCaptured: "ALREADY_CAPTURED",
  amountExceedsAuthorized: "AMOUNT_EXCEEDS_AUTHORIZED",
  amountExceedsRefundable: "AMOUNT_EXCEEDS_REFUNDABLE",
  // Another Amazon call on this payment is under way: for the shop, the state does not allow it now.
  operationInProgress: (operation) => NOT_ALLOWED[operation],
  actionUnknown: "INTERNAL_ERROR",
  outcomeNotApplicable: "INTERNAL_ERROR",
};

/**
 * @example paygateCodeOfRefusal({ operation: "capture", reason: "alreadyCaptured", status: "Captured" }).code // "2A200201"
 */
export function paygateCodeOfRefusal(refusal: PaymentRefusal): PaygateCode {
  const entry = BY_REASON[refusal.reason];
  const name = typeof entry === "function" ? entry(refusal.operation) : entry;
  const parameter = name === "PARAMETER_EXPIRED" ? PARAMETERS[refusal.operation] : PARAMETERS[refusal.reason];
  return paygateCode(name, parameter);
}

/** A step's refusal as the shop reads it. */
const BY_REFUSAL: {
  readonly [K in Refusal["kind"]]: (refusal: Extract<Refusal, { kind: K }>) => PaygateCode;
} = {
  merchantUnknown: () => paygateCode("MERCHANT_UNKNOWN"),
  paymentUnknown: () => paygateCode("PAYMENT_UNKNOWN"),
  marketNotConfigured: () => paygateCode("MARKET_NOT_CONFIGURED"),
  inconsistent: () => paygateCode("INTERNAL_ERROR"),
  countryMismatch: () => paygateCode("PARAMETER_INVALID", "CountryCode"),
  checkoutSessionMissing: () => paygateCode("PARAMETER_MISSING", "AmazonCheckoutSessionId"),
  checkoutSessionInvalid: () => paygateCode("PARAMETER_INVALID", "AmazonCheckoutSessionId"),
  chargePermissionUnknown: () => paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "ChargepermissionId"),
  chargePermissionNotRecurring: () => paygateCode("RECURRING_NOT_ALLOWED"),
  currencyMismatch: () => paygateCode("CURRENCY_MISMATCH"),
  installmentAmountMismatch: () => paygateCode("INSTALLMENT_AMOUNT_MISMATCH"),
  firstNotifyUnanswered: () => paygateCode("FIRST_NOTIFY_UNANSWERED"),
  payment: (refusal) => paygateCodeOfRefusal(refusal.refusal),
  amazonRefused: () => paygateCode("AMAZON_REQUEST_REFUSED"),
  amazonUnavailable: () => paygateCode("AMAZON_UNAVAILABLE"),
};

export function paygateCodeOf(refusal: Refusal): PaygateCode {
  return (BY_REFUSAL[refusal.kind] as (refusal: Refusal) => PaygateCode)(refusal);
}

/** Amazon's reason and message of a refusal from Amazon (CodeExt holds 10 characters of it). */
export function amazonEcho(refusal: Refusal): { codeExt?: string; errorText?: string } {
  if (refusal.kind !== "amazonRefused" && refusal.kind !== "amazonUnavailable") return {};
  return { codeExt: refusal.reasonCode.slice(0, 10), errorText: refusal.message };
}

const PENDING_CODES: Partial<Record<PaymentAction["kind"], CodeName>> = {
  complete: "AUTHORIZATION_PENDING",
  capture: "CAPTURE_PENDING",
  credit: "CREDIT_PENDING",
};

/** How an action's state reads to the shop (also what a ReqId replay answers). */
export interface ActionReading {
  readonly status: "OK" | "FAILED" | "PENDING";
  readonly code: PaygateCode;
  readonly codeExt?: string | undefined;
  readonly errorText?: string | undefined;
}

export function readingOf(action: PaymentAction, amazonMessage?: string | undefined): ActionReading {
  switch (action.state) {
    case "succeeded":
      return { status: "OK", code: paygateCode("OK") };
    case "pending":
      return { status: "PENDING", code: paygateCode(PENDING_CODES[action.kind] ?? "OUTCOME_UNKNOWN") };
    case "inFlight":
      return { status: "PENDING", code: paygateCode("OUTCOME_UNKNOWN") };
    case "failed":
      return {
        status: "FAILED",
        code: failureCode(action.reasonCode),
        codeExt: action.reasonCode?.slice(0, 10),
        errorText: amazonMessage ?? action.reasonCode,
      };
  }
}

/** A failed action's code: Amazon's declines apart from its other refusals (CodeExt says which). */
export function failureCode(reasonCode: string | undefined): PaygateCode {
  if (reasonCode === "SoftDeclined") return paygateCode("AMAZON_SOFT_DECLINED");
  if (reasonCode === "BuyerCanceled") return paygateCode("BUYER_CANCELED");
  if (reasonCode === "MFANotCompleted") return paygateCode("AMAZON_AUTHENTICATION_FAILED");
  if (reasonCode === "Expired") return paygateCode("CHECKOUT_EXPIRED");
  if (reasonCode !== undefined && (DECLINE_REASON_CODES.has(reasonCode) || reasonCode === "Declined")) {
    return paygateCode("AMAZON_DECLINED");
  }
  return paygateCode("AMAZON_REQUEST_REFUSED");
}

/**
 * A recurring charge's reading: a permission that cannot be charged has its own code; Amazon's
 * reason always leads ErrorText (CodeExt holds only 10 characters of it).
 */
export function recurringReadingOf(action: PaymentAction, amazonMessage?: string | undefined): ActionReading {
  const reading = readingOf(action, amazonMessage);
  if (reading.status !== "FAILED") return reading;
  const reason = action.reasonCode;
  const code =
    reason === "InvalidChargePermissionStatus" ? paygateCode("RECURRING_NOT_ALLOWED") : reading.code;
  const text = reading.errorText;
  const errorText =
    reason === undefined || text === undefined || text.startsWith(reason)
      ? (text ?? reason)
      : `${reason}: ${text}`;
  return { ...reading, code, errorText };
}

/**
 * How Amazon's notices read to the shop (docs/async.md "Amazon's notices"): a chargeback takes
 * money back (FAILED); a closed recurring permission allows no RTF=R any more — the code an
 * RTF=R on it would get; an expiring one is a warning.
 */
const NOTICE_READINGS: Readonly<Record<NoticeKind, { status: "OK" | "FAILED"; code: CodeName }>> = {
  chargeback: { status: "FAILED", code: "CHARGEBACK" },
  permissionClosed: { status: "FAILED", code: "RECURRING_NOT_ALLOWED" },
  // A warning, no error: the series works until then. Paygate tells notifies apart by
  // NotificationType (ExpiryNotification), not by Code, and a class-0 code other than 00000000
  // would read as success to some plug-ins and not to others (codes.ts).
  permissionExpiring: { status: "OK", code: "OK" },
};

export function noticeReadingOf(kind: NoticeKind, reasonCode?: string | undefined): ActionReading {
  const reading = NOTICE_READINGS[kind];
  return {
    status: reading.status,
    code: paygateCode(reading.code),
    codeExt: reasonCode?.slice(0, 10),
    errorText: reasonCode,
  };
}
