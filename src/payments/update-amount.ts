/**
 * Update amount (`EventToken=UpdateAuthorizeAmount`, reference §5.4): a new amount on the review
 * page. Once the buyer is back with a checkout session, Amazon's session is updated first; the
 * payment's amount changes only when Amazon accepted it.
 */
import { AmazonPayError } from "../amazon/errors.js";
import { priceFromMoney } from "../amazon/map.js";
import { type AmazonRefusal, type Outcome, refused } from "../core/outcome.js";
import { type Payment, type PaymentAction, updateAmount as updatePaymentAmount } from "../core/payment.js";
import { refusedByPayment } from "./amazon-action.js";
import { refusalOfError } from "./amazon-outcome.js";
import { changePayment } from "./commit.js";
import type { PaymentDeps } from "./ports.js";

export interface UpdateAmountCommand {
  readonly payId: string;
  readonly amount: number;
  readonly currency: string;
  readonly countryCode: string;
}

export interface AmountUpdated {
  readonly payment: Payment;
  /** The update action; when Amazon refused, the payment's last action (nothing changed). */
  readonly action: PaymentAction;
  /** Amazon refused the new amount or could not be reached: the payment kept its amount. */
  readonly amazonRefusal?: AmazonRefusal | undefined;
}

export async function updateAmount(
  deps: PaymentDeps,
  merchantId: string,
  command: UpdateAmountCommand,
): Promise<Outcome<AmountUpdated>> {
  const record = await deps.store.load(merchantId, command.payId);
  if (record === undefined) return refused({ kind: "paymentUnknown" });
  if (command.countryCode !== record.context.countryCode) {
    return refused({ kind: "countryMismatch" }, record.payment);
  }
  const check = updatePaymentAmount(record.payment, command.amount, command.currency, "check");
  if (!check.ok) return refusedByPayment(check.refusal, record.payment);
  const sessionId = record.payment.amazon.checkoutSessionId;
  if (sessionId !== undefined) {
    const link = await deps.amazonFor(merchantId);
    if (link === undefined) return refused({ kind: "marketNotConfigured" });
    try {
      await link.client.updateCheckoutSession(sessionId, {
        paymentDetails: {
          chargeAmount: priceFromMoney({ minor: command.amount, currency: command.currency }),
        },
      });
    } catch (error) {
      if (!(error instanceof AmazonPayError)) throw error;
      const last = record.payment.actions.at(-1) as PaymentAction;
      return { ok: true, payment: record.payment, action: last, amazonRefusal: refusalOfError(error) };
    }
  }
  const { result } = await changePayment(deps, merchantId, command.payId, (current) => {
    if (current === undefined) return { result: refused({ kind: "paymentUnknown" }) };
    const updated = updatePaymentAmount(current.payment, command.amount, command.currency, deps.newId());
    if (!updated.ok) return { result: refusedByPayment(updated.refusal, current.payment) };
    return {
      result: { ok: true, payment: updated.payment, action: updated.action } as Outcome<AmountUpdated>,
      change: { record: { ...current, payment: updated.payment } },
    };
  });
  return result;
}
