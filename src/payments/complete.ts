/**
 * The buyer back on the result page (§5.5): the checkout session is completed (idempotency key of
 * the completion action) and the outcome — authorised, pending, declined, cancelled at Amazon —
 * is committed with its completion notification. The buyer's details are kept before the
 * completion: once completed, Amazon's session no longer shows them, and a resumed completion (a
 * crash, a lost answer) or a pending completion's later notification still needs them.
 */
import type { BuyerDetails } from "../core/outcome.js";
import { beginCompletion, type PaymentAction } from "../core/payment.js";
import { type AmazonActionSpec, resumeAction, runAmazonAction } from "./amazon-action.js";
import { canceledOutcome, sendCall } from "./amazon-calls.js";
import { buyerDetailsOf } from "./amazon-outcome.js";
import { type BuyerOutcome, loadReturn, refusedReturn, sessionRefusal } from "./buyer-return.js";
import { changePayment } from "./commit.js";
import { completionCall } from "./planned-calls.js";
import type { PaymentDeps } from "./ports.js";

export interface CompleteCommand {
  readonly payId: string;
  readonly checkoutSessionId: string | undefined;
}

export interface Completed {
  /** The completion: succeeded, pending (Amazon decides later), failed, or still in flight. */
  readonly action: PaymentAction;
  readonly buyer: BuyerDetails | undefined;
  readonly amazonMessage: string | undefined;
}

export async function complete(
  deps: PaymentDeps,
  merchantId: string,
  command: CompleteCommand,
): Promise<BuyerOutcome<Completed>> {
  const loaded = await loadReturn(deps, merchantId, command.payId);
  if (loaded.kind !== "loaded") return loaded;
  const { record } = loaded;
  const sessionId = command.checkoutSessionId;
  const invalid = sessionRefusal(record, sessionId, true);
  if (invalid !== undefined || sessionId === undefined)
    return refusedReturn(record, invalid ?? { kind: "checkoutSessionMissing" });
  let buyer = record.context.buyer;
  const done = await runAmazonAction(deps, {
    merchantId: record.payment.merchantId,
    payId: record.payment.payId,
    begin: (current, xid) => {
      // A reload after the outcome was recorded but before the buyer was sent on (a crash):
      // the completion is answered as it stands.
      const settled = current.actions.find((a) => a.kind === "complete" && a.state !== "inFlight");
      if (settled !== undefined) return resumeAction(settled.xid)(current);
      return beginCompletion(
        current.amazon.checkoutSessionId === undefined && current.checkoutMode === "ProcessOrder"
          ? { ...current, amazon: { ...current.amazon, checkoutSessionId: sessionId } }
          : current,
        xid,
      );
    },
    call: (current, action) => completionCall(current, action, sessionId),
    send: sendCompletion(deps, (kept) => {
      buyer = kept;
    }),
  });
  if (!done.ok) return refusedReturn(record, done.refusal);
  return {
    kind: "done",
    payment: done.record.payment,
    door: done.record.context.shop,
    action: done.action,
    buyer: done.record.context.buyer ?? buyer,
    amazonMessage: done.message,
  };
}

/**
 * Sends a planned completion — the buyer's return, or its resume by inquire or the reconciliation
 * job when Amazon's answer was lost: the buyer's details are read and kept first (Amazon's
 * completed session no longer shows them all, and the completion notification needs them), and a
 * session Amazon cancelled meanwhile (buyer abort, decline) is the outcome without a call.
 */
export function sendCompletion(
  deps: PaymentDeps,
  onBuyerKept: (buyer: BuyerDetails) => void = () => {},
): NonNullable<AmazonActionSpec["send"]> {
  return async (current, amazon, call, key) => {
    if (call.operation !== "completeCheckoutSession") return sendCall(amazon, call, key);
    const { body: session } = await amazon.client.getCheckoutSession(call.request.checkoutSessionId);
    if (current.context.buyer === undefined) {
      const buyer = buyerDetailsOf(session, amazon.amazonMerchantId);
      await keepBuyer(deps, current.payment.merchantId, current.payment.payId, buyer);
      onBuyerKept(buyer);
    }
    return canceledOutcome(session.statusDetails) ?? sendCall(amazon, call, key);
  };
}

function keepBuyer(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
  buyer: BuyerDetails,
): Promise<unknown> {
  return changePayment(deps, merchantId, payId, (current) =>
    current === undefined
      ? { result: undefined }
      : { result: undefined, change: { record: { ...current, context: { ...current.context, buyer } } } },
  );
}
