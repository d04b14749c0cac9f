/**
 * The JSON API's one adapter onto the payment steps (src/payments): capture, refund and cancel
 * as the API's own outcomes. The steps answer in the domain's vocabulary (src/core/outcome.ts);
 * this file maps their refusals and an action's final state to the API's problem codes, so the
 * API's meaning of every outcome is written in one place.
 */
import { DECLINE_REASON_CODES } from "../amazon/errors.js";
import type { Refusal } from "../core/outcome.js";
import type { Payment, PaymentAction, RefusalReason } from "../core/payment.js";
import type { Payments } from "../payments/index.js";
import type { ApiErrorCode } from "./errors.js";

export type ApiAction = "capture" | "refund" | "cancel";

export interface ApiActionRequest {
  readonly payId: string;
  /** Minor units; capture defaults to the authorised amount, cancel has none. */
  readonly amount?: number | undefined;
  readonly currency?: string | undefined;
  readonly reason?: string | undefined;
  /**
   * The steps' replay key (their ReqId), derived from the Idempotency-Key: should the API's
   * stored answer be missing (a crash mid-request), the retry is answered by the step's own
   * replay and no money moves twice.
   */
  readonly replayKey: string;
}

export type ApiActionOutcome =
  /** The action was recorded: succeeded, pending at Amazon, or in flight (no answer yet). */
  | { readonly ok: true; readonly payment: Payment; readonly action: PaymentAction }
  | {
      readonly ok: false;
      readonly code: ApiErrorCode;
      readonly detail: string;
      /** Amazon's reason code of a decline or refusal. */
      readonly reasonCode?: string | undefined;
    };

/** The aggregate's refusal reasons. */
const BY_REASON: Readonly<Record<RefusalReason, ApiErrorCode>> = {
  amountInvalid: "invalid_request",
  currencyUnsupported: "invalid_request",
  currencyMismatch: "currency_mismatch",
  notAllowedInState: "action_not_allowed",
  // Another Amazon call on the payment is under way: for the caller, not allowed now.
  operationInProgress: "action_not_allowed",
  alreadyCaptured: "already_captured",
  amountExceedsAuthorized: "amount_exceeds_authorized",
  amountExceedsRefundable: "amount_exceeds_refundable",
  actionUnknown: "internal_error",
  outcomeNotApplicable: "internal_error",
};

/** A step's refusal; the kinds that cannot come from capture, refund or cancel are internal errors. */
function codeOfRefusal(refusal: Refusal): ApiErrorCode {
  switch (refusal.kind) {
    case "merchantUnknown":
    case "paymentUnknown":
      return "not_found";
    case "currencyMismatch":
      return "currency_mismatch";
    case "payment":
      return BY_REASON[refusal.refusal.reason];
    case "amazonRefused":
      return "amazon_refused";
    case "amazonUnavailable":
      return "amazon_unavailable";
    default:
      return "internal_error";
  }
}

const DETAILS: Partial<Record<ApiErrorCode, string>> = {
  not_found: "no such payment",
  action_not_allowed: "the payment's state does not allow this action now",
  already_captured: "the payment has been captured already (one capture per payment)",
  amount_exceeds_authorized: "amount exceeds what is authorised",
  amount_exceeds_refundable: "amount exceeds what is captured less refunds",
  currency_mismatch: "currency differs from the payment's currency",
  invalid_request: "amount or currency is invalid",
  payment_declined: "Amazon Pay declined the action",
  amazon_refused: "Amazon Pay refused the request",
  amazon_unavailable:
    "Amazon Pay could not be reached; the action may be retried with the same Idempotency-Key",
};

function failure(code: ApiErrorCode, reasonCode?: string, message?: string): ApiActionOutcome {
  const detail = DETAILS[code] ?? "the action could not be carried out";
  return { ok: false, code, detail: message ? `${detail}: ${message}` : detail, reasonCode };
}

/** Runs one action through the payment steps for the payment's merchant. */
export async function runPaymentAction(
  payments: Payments,
  payment: Payment,
  action: ApiAction,
  request: ApiActionRequest,
): Promise<ApiActionOutcome> {
  const common = { payId: request.payId, transId: undefined, reqId: request.replayKey };
  const currency = request.currency ?? payment.currency;
  const merchantId = payment.merchantId;
  // One capture per payment (the steps refuse a second): its default is the whole authorisation,
  // or the order amount before there is one (the steps then say why it cannot be captured).
  const captureDefault = payment.authorized > 0 ? payment.authorized : payment.amount;
  const outcome =
    action === "capture"
      ? await payments.capture(merchantId, {
          ...common,
          amount: request.amount ?? captureDefault,
          currency,
          softDescriptor: undefined,
          simulationCode: undefined,
        })
      : action === "refund"
        ? await payments.refund(merchantId, {
            ...common,
            amount: request.amount ?? 0,
            currency,
            simulationCode: undefined,
          })
        : await payments.reverse(merchantId, { ...common, reason: request.reason });
  if (!outcome.ok) {
    const amazon = outcome.refusal.kind === "amazonRefused" || outcome.refusal.kind === "amazonUnavailable";
    return failure(
      codeOfRefusal(outcome.refusal),
      amazon ? (outcome.refusal as { reasonCode: string }).reasonCode : undefined,
    );
  }
  if (outcome.action.state === "failed") {
    const reason = outcome.action.reasonCode;
    const declined = reason !== undefined && (DECLINE_REASON_CODES.has(reason) || reason === "Declined");
    return failure(declined ? "payment_declined" : "amazon_refused", reason, outcome.amazonMessage);
  }
  return { ok: true, payment: outcome.payment, action: outcome.action };
}
