/**
 * The JSON API's one adapter onto the payment flows: capture, refund and cancel as the API's own
 * outcomes. Everything the API knows about the flows' results is here — when the flows move to
 * `src/payments` with domain outcomes, this file is what changes. The flows still answer with
 * the Paygate door's code names; they are mapped to API problem codes below and never leave
 * this file.
 */
import type { Payment, PaymentAction } from "../core/payment.js";
import type { Flows } from "../gateway/flows/index.js";
import type { ActionCommand } from "../gateway/flows/types.js";
import type { ApiErrorCode } from "./errors.js";

export type ApiAction = "capture" | "refund" | "cancel";

export interface ApiActionRequest {
  readonly payId: string;
  /** Minor units; capture defaults to the authorised amount, cancel has none. */
  readonly amount?: number | undefined;
  readonly currency?: string | undefined;
  readonly reason?: string | undefined;
  /**
   * The flows' replay key, derived from the Idempotency-Key: should the API's stored answer be
   * missing (a crash mid-request), the retry is answered by the flow's own replay and no money
   * moves twice.
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

/** The flows' refusal names → the API's problem codes. Anything unlisted is an internal error. */
const REFUSALS: Readonly<Record<string, ApiErrorCode>> = {
  PAYMENT_UNKNOWN: "not_found",
  MERCHANT_UNKNOWN: "not_found",
  CAPTURE_NOT_ALLOWED: "action_not_allowed",
  CREDIT_NOT_ALLOWED: "action_not_allowed",
  REVERSE_NOT_ALLOWED: "action_not_allowed",
  FIRST_NOTIFY_UNANSWERED: "action_not_allowed",
  ALREADY_CAPTURED: "already_captured",
  AMOUNT_EXCEEDS_AUTHORIZED: "amount_exceeds_authorized",
  AMOUNT_EXCEEDS_REFUNDABLE: "amount_exceeds_refundable",
  CURRENCY_MISMATCH: "currency_mismatch",
  PARAMETER_INVALID: "invalid_request",
  PARAMETER_VALUE_NOT_ALLOWED: "invalid_request",
  AMAZON_DECLINED: "payment_declined",
  AMAZON_SOFT_DECLINED: "payment_declined",
  AMAZON_REQUEST_REFUSED: "amazon_refused",
  AMAZON_UNAVAILABLE: "amazon_unavailable",
};

const DETAILS: Partial<Record<ApiErrorCode, string>> = {
  not_found: "no such payment",
  action_not_allowed: "the payment's state does not allow this action",
  already_captured: "the payment has been captured already (one capture per payment)",
  amount_exceeds_authorized: "amount exceeds what is authorised and not captured",
  amount_exceeds_refundable: "amount exceeds what is captured less refunds",
  currency_mismatch: "currency differs from the payment's currency",
  invalid_request: "amount or currency is invalid",
  payment_declined: "Amazon Pay declined the action",
  amazon_refused: "Amazon Pay refused the request",
  amazon_unavailable:
    "Amazon Pay could not be reached; the action may be retried with the same Idempotency-Key",
};

function failure(name: string, reasonCode?: string): ApiActionOutcome {
  const code = REFUSALS[name] ?? "internal_error";
  return { ok: false, code, detail: DETAILS[code] ?? "the action could not be carried out", reasonCode };
}

/** Runs one action through the flows for the payment's merchant. */
export async function runPaymentAction(
  flows: Flows,
  payment: Payment,
  action: ApiAction,
  request: ApiActionRequest,
): Promise<ApiActionOutcome> {
  // One capture per payment (the flows refuse a second): its default is the whole authorisation,
  // or the order amount before there is one (the flows then say why it cannot be captured).
  const defaultCapture = payment.authorized > 0 ? payment.authorized : payment.amount;
  const amount =
    action === "cancel" ? undefined : (request.amount ?? (action === "capture" ? defaultCapture : undefined));
  const command: ActionCommand = {
    payId: request.payId,
    transId: undefined,
    refnr: undefined,
    reqId: request.replayKey,
    amount,
    currency: action === "cancel" ? undefined : (request.currency ?? payment.currency),
    simulationCode: undefined,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  };
  const flow = action === "capture" ? flows.capture : action === "refund" ? flows.credit : flows.reverse;
  const result = await flow(payment.merchantId, command);
  if (!result.ok) return failure(result.code.name);
  if (result.result.status === "FAILED")
    return failure(result.result.code.name, result.result.action.reasonCode);
  return { ok: true, payment: result.result.payment, action: result.result.action };
}
