/**
 * The buyer left Amazon's page (checkoutCancelUrl, §5.0): the checkout fails as cancelled by the
 * buyer, committed with its FAILED completion notification; the door sends the buyer to the
 * shop's cancel page.
 */
import { cancelCheckout as cancelPaymentCheckout, type PaymentAction } from "../core/payment.js";
import { type BuyerOutcome, loadReturn, refusedReturn } from "./buyer-return.js";
import { changePayment, type Decision, notificationsOf } from "./commit.js";
import type { PaymentDeps } from "./ports.js";

export interface Cancelled {
  readonly action: PaymentAction;
}

export async function cancelCheckout(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
): Promise<BuyerOutcome<Cancelled>> {
  const loaded = await loadReturn(deps, merchantId, payId);
  if (loaded.kind !== "loaded") return loaded;
  const { result } = await changePayment(
    deps,
    merchantId,
    payId,
    (current): Decision<BuyerOutcome<Cancelled>> => {
      if (current === undefined) return { result: { kind: "paymentUnknown" } };
      // Cancelled before, but the door's answer was not remembered (a crash in between): the
      // same cancel is answered again, nothing new is written.
      const earlier = current.payment.actions.at(-1);
      if (
        current.payment.status === "Failed" &&
        earlier?.kind === "complete" &&
        earlier.state === "failed" &&
        earlier.reasonCode === "BuyerCanceled"
      ) {
        return {
          result: { kind: "done", payment: current.payment, door: current.context.shop, action: earlier },
        };
      }
      const cancelled = cancelPaymentCheckout(current.payment, deps.newId());
      if (!cancelled.ok)
        return { result: refusedReturn(current, { kind: "payment", refusal: cancelled.refusal }) };
      const next = { ...current, payment: cancelled.payment };
      return {
        result: {
          kind: "done",
          payment: cancelled.payment,
          door: current.context.shop,
          action: cancelled.action,
        },
        change: { record: next, notifications: notificationsOf(next, cancelled.events) },
      };
    },
  );
  return result;
}
