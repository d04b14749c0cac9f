/**
 * Reverse (`reverse.aspx`, reference §5.8): cancels the uncaptured authorisation (Amazon: Cancel
 * Charge). During AuthorizationPending it ends the pending completion: its FAILED notification.
 */
import type { ActionDone, Outcome } from "../core/outcome.js";
import { beginReverse } from "../core/payment.js";
import { cancelCall } from "./planned-calls.js";
import type { PaymentDeps } from "./ports.js";
import { shopAction } from "./shop-action.js";

export interface ReverseCommand {
  readonly payId: string;
  readonly transId: string | undefined;
  readonly reqId: string | undefined;
  /** Refuse while the payment's first notify is unanswered (the Paygate door; docs/paygate-flows.md). */
  readonly firstNotifyRule?: boolean | undefined;
  /** Amazon's cancellation reason (cut to 255 characters). */
  readonly reason: string | undefined;
}

export function reverse(
  deps: PaymentDeps,
  merchantId: string,
  command: ReverseCommand,
): Promise<Outcome<ActionDone>> {
  return shopAction(deps, {
    merchantId,
    payId: command.payId,
    reqId: command.reqId,
    firstNotifyRule: command.firstNotifyRule,
    begin: (payment, xid) =>
      beginReverse(payment, { xid, ...(command.transId === undefined ? {} : { transId: command.transId }) }),
    call: (record) => cancelCall(record, command.reason),
  });
}
