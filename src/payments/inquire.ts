/**
 * Inquire (`inquire.aspx`, reference §5.5): the payment as it stands, with a cut call resumed and
 * the captures and refunds Amazon settled meanwhile recorded first.
 *
 * When Amazon cannot be asked (unreachable, refusing, or a pending completion whose buyer
 * details are still being recorded), the payment is answered from the store as it is and the
 * reason is logged and handed back in `answeredFromStore`: an IPN or the reconciliation job
 * settles it later. Any other error is a fault and is thrown.
 */
import { AmazonPayError } from "../amazon/errors.js";
import { type AmazonRefusal, type Outcome, refused } from "../core/outcome.js";
import { inFlightAction, type Payment } from "../core/payment.js";
import { refusalOfError } from "./amazon-outcome.js";
import type { PaymentDeps } from "./ports.js";
import { resumeIfCut } from "./resume.js";
import { BuyerDetailsNotKeptError, settlePending } from "./settle.js";

export interface Inquired {
  readonly payment: Payment;
  /** Why Amazon was not asked: the payment is answered as the store holds it. */
  readonly answeredFromStore?: AmazonRefusal | { readonly kind: "buyerDetailsNotKept" } | undefined;
}

export async function inquire(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
): Promise<Outcome<Inquired>> {
  const before = await deps.store.load(merchantId, payId);
  if (before === undefined) return refused({ kind: "paymentUnknown" });
  let answeredFromStore: Inquired["answeredFromStore"];
  try {
    const cut = inFlightAction(before.payment);
    if (cut !== undefined) await resumeIfCut(deps, before, cut);
    await settlePending(deps, merchantId, payId);
  } catch (error) {
    if (error instanceof AmazonPayError) answeredFromStore = refusalOfError(error);
    else if (error instanceof BuyerDetailsNotKeptError) answeredFromStore = { kind: "buyerDetailsNotKept" };
    else throw error;
    deps.logger.warn({ merchantId, payId, reason: answeredFromStore }, "inquire answered from the store");
  }
  const record = await deps.store.load(merchantId, payId);
  if (record === undefined) return refused({ kind: "paymentUnknown" });
  return {
    ok: true,
    payment: record.payment,
    ...(answeredFromStore === undefined ? {} : { answeredFromStore }),
  };
}
