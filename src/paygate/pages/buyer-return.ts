/**
 * The buyer's returns from Amazon to Kasse's own pages named in the button payload (reference
 * §5.0 A steps 3 and 6, §5.3, §5.5). They carry `PayID` and `mid` in their query; the 128-bit
 * random PayID is what identifies the payment there.
 * - `amazonAPAReview.aspx`: on to the shop's ShopUrl with Status=PENDING, the buyer's and address
 *   data and AmazonpayRedirectUrl;
 * - `amazonAPAResult.aspx`: the completion; on to URLSuccess, URLFailure or — cancelled at
 *   Amazon — URLCancel (the notify was committed with the outcome);
 * - `amazonAPACancel.aspx`: the buyer left Amazon's page: URLCancel, and a FAILED notify.
 * A reload of the result or cancel page is sent where the first visit went.
 */
import type { Refusal } from "../../core/outcome.js";
import type { Payment, PaymentAction } from "../../core/payment.js";
import type { BuyerOutcome } from "../../payments/index.js";
import type { AnswerValues } from "../answer.js";
import { paygateCode } from "../codes.js";
import { amazonEcho, paygateCodeOf, readingOf } from "../outcome-codes.js";
import { type PageOutcome, type PaygatePage, redirectTo } from "../routes.js";
import type { ParameterTable } from "../tables.js";
import { totalValues } from "./action-answer.js";
import { buyerValues, reviewAnswerTable } from "./checkout-answer.js";
import type { PageDeps } from "./deps.js";
import { completionBody, outcomeBody } from "./notify-answer.js";
import { type AnswerContext, answerBody, type PaygateMerchant } from "./receive.js";
import { answerContextOf, type PaygateShop, shopOf } from "./shop.js";

/** Kasse's return pages, as named in the button payload. */
export const RETURN_PAGES = {
  review: "amazonAPAReview.aspx",
  result: "amazonAPAResult.aspx",
  cancel: "amazonAPACancel.aspx",
} as const;

type Step = keyof typeof RETURN_PAGES;

export function amazonReturnPages(deps: PageDeps): PaygatePage[] {
  const page = (step: Step): PaygatePage => ({
    name: RETURN_PAGES[step],
    async handle(fields): Promise<PageOutcome> {
      const payId = fields.get("PayID") ?? "";
      const checkoutSessionId = fields.get("amazonCheckoutSessionId") ?? undefined;
      const merchantId = fields.get("mid") ?? "";
      const location = await returnLocation(deps, step, merchantId, payId, checkoutSessionId);
      if (location === undefined) return { kind: "answer", body: "Unknown payment", status: 404 };
      return { kind: "redirect", location };
    },
  });
  return [page("review"), page("result"), page("cancel")];
}

/** Where the buyer's browser goes next; `undefined` when the merchant has no such PayID. */
async function returnLocation(
  deps: PageDeps,
  step: Step,
  merchantId: string,
  payId: string,
  checkoutSessionId: string | undefined,
): Promise<string | undefined> {
  const merchant = await deps.findMerchant(merchantId);
  if (merchant === undefined) return undefined;
  switch (step) {
    case "review": {
      const outcome = await deps.payments.review(merchantId, { payId, checkoutSessionId });
      return answerOf(merchant, outcome, (context, shop, done) =>
        redirectTo(
          shop.shopUrl,
          answerBody(
            context,
            reviewAnswerTable,
            {
              ...buyerValues(done.buyer),
              mid: merchant.merchantId,
              PayID: done.payment.payId,
              XID: done.action.xid,
              TransID: done.payment.transId,
              Status: "PENDING",
              Code: paygateCode("OK").code,
              ...totalValues(done.payment),
              AmazonStatus: "OPEN",
            } as AnswerValues<ParameterTable>,
            { mac: true },
          ),
        ),
      );
    }
    case "result": {
      const outcome = await deps.payments.complete(merchantId, { payId, checkoutSessionId });
      const location = answerOf(merchant, outcome, (context, shop, done) =>
        completionLocation(context, shop, done.payment, done.action, done.buyer, done.amazonMessage),
      );
      if (outcome.kind === "done" && outcome.action.state !== "inFlight" && location !== undefined) {
        await deps.payments.rememberAnswer(merchantId, payId, location);
      }
      return location;
    }
    case "cancel": {
      const outcome = await deps.payments.cancelCheckout(merchantId, payId);
      const location = answerOf(merchant, outcome, (context, shop, done) =>
        redirectTo(
          shop.urlCancel ?? shop.urlFailure,
          outcomeBody(context, done.payment, done.action, "FAILED", paygateCode("BUYER_CANCELED")),
        ),
      );
      if (outcome.kind === "done" && location !== undefined) {
        await deps.payments.rememberAnswer(merchantId, payId, location);
      }
      return location;
    }
  }
}

/** A buyer step's outcome as a location: remembered, refused (→ URLFailure) or done. */
function answerOf<T>(
  merchant: PaygateMerchant,
  outcome: BuyerOutcome<T>,
  done: (
    context: AnswerContext,
    shop: PaygateShop,
    outcome: Extract<BuyerOutcome<T>, { kind: "done" }>,
  ) => string,
): string | undefined {
  switch (outcome.kind) {
    case "paymentUnknown":
      return undefined;
    case "answered":
      return outcome.answer;
    case "refused": {
      const shop = shopOf(outcome.door);
      return failureLocation(answerContextOf(merchant, shop), shop, outcome.payment, outcome.refusal);
    }
    case "done": {
      const shop = shopOf(outcome.door);
      return done(answerContextOf(merchant, shop), shop, outcome);
    }
  }
}

function failureLocation(
  context: AnswerContext,
  shop: PaygateShop,
  payment: Payment,
  refusal: Refusal,
): string {
  return redirectTo(
    shop.urlFailure,
    outcomeBody(context, payment, undefined, "FAILED", paygateCodeOf(refusal), amazonEcho(refusal)),
  );
}

/** The completion's answer: URLSuccess (OK, or PENDING when Amazon decides later), else URLFailure/URLCancel. */
function completionLocation(
  context: AnswerContext,
  shop: PaygateShop,
  payment: Payment,
  action: PaymentAction,
  buyer: Parameters<typeof buyerValues>[0] | undefined,
  amazonMessage: string | undefined,
): string {
  const reading = readingOf(action, amazonMessage);
  if (reading.status === "OK") {
    return redirectTo(
      shop.urlSuccess,
      completionBody(context, payment, action, reading.code, buyer === undefined ? {} : buyerValues(buyer)),
    );
  }
  const body = outcomeBody(context, payment, action, reading.status, reading.code, reading);
  const cancelledByBuyer = action.reasonCode === "BuyerCanceled" && shop.urlCancel !== undefined;
  // An authorisation Amazon decides later (AuthorizationInitiated) is an accepted order: the
  // buyer goes to URLSuccess with Status=PENDING; the completion notify brings OK or FAILED.
  const target =
    action.state === "pending"
      ? shop.urlSuccess
      : cancelledByBuyer
        ? (shop.urlCancel as string)
        : shop.urlFailure;
  return redirectTo(target, body);
}
