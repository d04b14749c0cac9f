/**
 * The one place where the payment aggregate's refusals become Paygate codes (`src/paygate/codes.ts`).
 * The aggregate stays free of the wire protocol; a page answers `paygateCodeOfRefusal(refusal)`.
 */
import type { Operation, PaymentRefusal, RefusalReason } from "../core/payment.js";
import { type CodeName, type PaygateCode, paygateCode } from "../paygate/codes.js";

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
