/** Refund (`credit.aspx`, reference §5.7): a refund of the captured charge, within Amazon's ceiling. */
import type { ActionDone, Outcome } from "../core/outcome.js";
import { beginCredit } from "../core/payment.js";
import { refundCall } from "./planned-calls.js";
import type { PaymentDeps } from "./ports.js";
import { shopAction } from "./shop-action.js";

export interface RefundCommand {
  readonly payId: string;
  readonly transId: string | undefined;
  readonly reqId: string | undefined;
  /** Refuse while the payment's first notify is unanswered (the Paygate door; docs/paygate-flows.md). */
  readonly firstNotifyRule?: boolean | undefined;
  readonly amount: number;
  readonly currency: string;
  readonly simulationCode: string | undefined;
}

export function refund(
  deps: PaymentDeps,
  merchantId: string,
  command: RefundCommand,
): Promise<Outcome<ActionDone>> {
  return shopAction(deps, {
    merchantId,
    payId: command.payId,
    reqId: command.reqId,
    firstNotifyRule: command.firstNotifyRule,
    begin: (payment, xid) =>
      beginCredit(payment, {
        xid,
        transId: command.transId ?? payment.transId,
        amount: command.amount,
        currency: command.currency,
      }),
    call: (record, action) => refundCall(record, action, command.simulationCode),
  });
}
