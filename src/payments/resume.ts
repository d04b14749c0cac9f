/**
 * Resumes an action whose Amazon call was cut (a crash, an answer lost on every try): the call
 * planned first, sent again with the same key (amazon-action.ts `resumeCut`). Capture, credit,
 * reverse, RTF=R charges and a buyer's completion (whose buyer may never reload the result page;
 * docs/async.md). Shared by ReqId replays, inquire, a new action that finds one cut, and the
 * reconciliation job.
 */
import type { Outcome } from "../core/outcome.js";
import type { PaymentAction } from "../core/payment.js";
import { type AmazonActionDone, resumeCut } from "./amazon-action.js";
import type { AmazonCall } from "./amazon-calls.js";
import { sendCompletion } from "./complete.js";
import { cancelCall, captureCall, chargeCall, completionCall, refundCall } from "./planned-calls.js";
import type { PaymentDeps, PaymentRecord } from "./ports.js";

/**
 * The call of a resumable action, should its planned row be missing (it is written with the
 * action, so it never is: the stored one is sent); `undefined` for one that is not resumed here
 * (a completion whose session was never bound to the payment).
 */
function fallbackCall(record: PaymentRecord, action: PaymentAction): AmazonCall | undefined {
  switch (action.kind) {
    case "capture":
      return captureCall(record, action);
    case "credit":
      return refundCall(record, action);
    case "reverse":
      return cancelCall(record, undefined);
    case "complete": {
      if (record.payment.checkoutMode === "MerchantInitiated") return chargeCall(record);
      const sessionId = record.payment.amazon.checkoutSessionId;
      return sessionId === undefined ? undefined : completionCall(record, action, sessionId);
    }
    default:
      return undefined;
  }
}

export async function resumeIfCut(
  deps: PaymentDeps,
  record: PaymentRecord,
  action: PaymentAction,
): Promise<Outcome<AmazonActionDone>> {
  const call = fallbackCall(record, action);
  if (call === undefined) return { ok: true, record, action, message: undefined };
  return resumeCut(deps, record, action, () => call, sendCompletion(deps));
}
