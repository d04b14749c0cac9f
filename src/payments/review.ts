/**
 * The buyer back on the review page (§5.3, §11.1 step 3): Amazon's session gets the result URL
 * and the payment details, the payment records the session, and the door sends the buyer on to
 * the shop with the buyer's details.
 */
import { AmazonPayError } from "../amazon/errors.js";
import { priceFromMoney } from "../amazon/map.js";
import type { CheckoutSession, UpdateCheckoutSessionRequest } from "../amazon/wire.js";
import type { BuyerDetails } from "../core/outcome.js";
import { type PaymentAction, recordBuyerReturn } from "../core/payment.js";
import { buyerDetailsOf } from "./amazon-outcome.js";
import { type BuyerOutcome, loadReturn, refusedReturn, sessionRefusal } from "./buyer-return.js";
import { changePayment } from "./commit.js";
import type { AmazonLink, PaymentDeps, PaymentRecord } from "./ports.js";

export interface ReviewCommand {
  readonly payId: string;
  readonly checkoutSessionId: string | undefined;
}

export interface Reviewed {
  /** The action that recorded the buyer's return. */
  readonly action: PaymentAction;
  readonly buyer: BuyerDetails;
}

export async function review(
  deps: PaymentDeps,
  merchantId: string,
  command: ReviewCommand,
): Promise<BuyerOutcome<Reviewed>> {
  const loaded = await loadReturn(deps, merchantId, command.payId);
  if (loaded.kind !== "loaded") return loaded;
  const { record, link } = loaded;
  const sessionId = command.checkoutSessionId;
  const invalid = sessionRefusal(record, sessionId, false);
  if (invalid !== undefined || sessionId === undefined)
    return refusedReturn(record, invalid ?? { kind: "checkoutSessionMissing" });
  const check = recordBuyerReturn(record.payment, sessionId, "check");
  if (!check.ok) return refusedReturn(record, { kind: "payment", refusal: check.refusal });
  let session: CheckoutSession;
  try {
    ({ body: session } = await link.client.updateCheckoutSession(sessionId, sessionUpdate(record, link)));
  } catch (error) {
    if (!(error instanceof AmazonPayError)) throw error;
    // Whatever the cause, the review stops here: the shop hears Amazon's refusal.
    return refusedReturn(record, {
      kind: "amazonRefused",
      reasonCode: error.reasonCode,
      message: error.message,
    });
  }
  const { result: recorded } = await changePayment(deps, merchantId, command.payId, (current) => {
    if (current === undefined) return { result: undefined };
    const result = recordBuyerReturn(current.payment, sessionId, deps.newId());
    if (!result.ok) return { result: undefined };
    return { result, change: { record: { ...current, payment: result.payment } } };
  });
  if (recorded === undefined) return refusedReturn(record, { kind: "inconsistent" });
  return {
    kind: "done",
    // The payment as the buyer left it for Amazon; the recorded action names the return.
    payment: recorded.payment,
    door: record.context.shop,
    action: recorded.action,
    buyer: buyerDetailsOf(session, link.amazonMerchantId),
  };
}

/** The session update on the buyer's return (§11.1 step 3): result URL, amount, intent. */
function sessionUpdate(record: PaymentRecord, link: AmazonLink): UpdateCheckoutSessionRequest {
  const { payment, context } = record;
  return {
    webCheckoutDetails: { checkoutResultReturnUrl: context.returns.result },
    paymentDetails: {
      paymentIntent: context.intent,
      // The merchant's setting (admin API); Amazon may then answer AuthorizationInitiated (§5.3).
      canHandlePendingAuthorization: link.canHandlePendingAuthorization,
      chargeAmount: priceFromMoney({ minor: payment.amount, currency: payment.currency }),
      ...(context.presentmentCurrency === undefined
        ? {}
        : { presentmentCurrency: context.presentmentCurrency }),
      ...(context.softDescriptor !== undefined && context.intent === "AuthorizeWithCapture"
        ? { softDescriptor: context.softDescriptor }
        : {}),
    },
    merchantMetadata: {
      merchantReferenceId: context.merchantReferenceId,
      ...(context.noteToBuyer === undefined ? {} : { noteToBuyer: context.noteToBuyer }),
    },
  };
}
