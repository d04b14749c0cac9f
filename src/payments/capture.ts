/** Capture (`capture.aspx`, reference §5.6): one capture of the authorised charge, at most its amount. */
import type { ActionDone, Outcome } from "../core/outcome.js";
import { beginCapture } from "../core/payment.js";
import { captureCall } from "./planned-calls.js";
import type { PaymentDeps } from "./ports.js";
import { shopAction } from "./shop-action.js";

export interface CaptureCommand {
  readonly payId: string;
  /** The shop's id of this capture; default the payment's. */
  readonly transId: string | undefined;
  readonly reqId: string | undefined;
  /** Refuse while the payment's first notify is unanswered (the Paygate door; docs/paygate-flows.md). */
  readonly firstNotifyRule?: boolean | undefined;
  readonly amount: number;
  readonly currency: string;
  /** Amazon's soft descriptor for the capture; default the one the checkout kept. */
  readonly softDescriptor: string | undefined;
  readonly simulationCode: string | undefined;
}

export function capture(
  deps: PaymentDeps,
  merchantId: string,
  command: CaptureCommand,
): Promise<Outcome<ActionDone>> {
  return shopAction(deps, {
    merchantId,
    payId: command.payId,
    reqId: command.reqId,
    firstNotifyRule: command.firstNotifyRule,
    begin: (payment, xid) =>
      beginCapture(payment, {
        xid,
        transId: command.transId ?? payment.transId,
        amount: command.amount,
        currency: command.currency,
      }),
    call: (record, action) => captureCall(record, action, command),
  });
}
