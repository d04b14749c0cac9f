/**
 * The buyer's returns from Amazon to Kasse (reference §5.0 A steps 3 and 6, §5.3, §5.5):
 * - review: Amazon's session gets the result URL and the payment details; the buyer goes on to
 *   the shop's ShopUrl with Status=PENDING, buyer and address data and AmazonpayRedirectUrl;
 * - result: the checkout session is completed (idempotency key of the completion action) and the
 *   buyer goes to URLSuccess, URLFailure or — when they cancelled at Amazon — URLCancel; the same
 *   result is queued for URLNotify in the transaction that records it;
 * - cancel: the buyer left Amazon's page (checkoutCancelUrl): URLCancel, and a FAILED notify.
 * A reload of the result or cancel page is sent where the first visit went.
 */
import { AmazonPayApiError, AmazonPayError } from "../../amazon/errors.js";
import { priceFromMoney } from "../../amazon/map.js";
import type { CheckoutSession, Price, UpdateCheckoutSessionRequest } from "../../amazon/wire.js";
import {
  type AmazonOutcome,
  beginCompletion,
  cancelCheckout,
  type Payment,
  type PaymentAction,
  type PaymentEvent,
  recordBuyerReturn,
} from "../../core/payment.js";
import type { AnswerValues } from "../../paygate/answer.js";
import { type PaygateCode, paygateCode } from "../../paygate/codes.js";
import { totalValues } from "../../paygate/pages/action-answer.js";
import { buyerValues, type CheckoutValues, reviewAnswerTable } from "../../paygate/pages/checkout-answer.js";
import { completionBody, outcomeBody } from "../../paygate/pages/notify-answer.js";
import { type AnswerContext, answerBody, type PaygateMerchant } from "../../paygate/pages/receive.js";
import { redirectTo } from "../../paygate/routes.js";
import type { ParameterTable } from "../../paygate/tables.js";
import { paygateCodeOfRefusal } from "../refusal-codes.js";
import { outcomeOfCharge } from "./amazon-outcome.js";
import type { AmazonLink, FlowDeps, NotifyRow, PaymentRecord } from "./ports.js";
import {
  answerContextOf,
  failureCode,
  resultOf,
  resumeAction,
  runAmazonAction,
  transact,
} from "./support.js";

export type ReturnStep = "review" | "result" | "cancel";

/** Amazon's checkout session ids are UUIDs; a little slack for other id styles. */
const SESSION_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Where the buyer's browser goes next; `undefined` when the merchant has no such PayID. The return
 * URLs Kasse gave Amazon carry the merchant id, so even this lookup stays within one merchant.
 */
export async function buyerReturn(
  deps: FlowDeps,
  step: ReturnStep,
  merchantId: string,
  payId: string,
  checkoutSessionId: string | undefined,
): Promise<string | undefined> {
  const record = /^[0-9a-f]{32}$/.test(payId) ? await deps.store.load(deps.db, merchantId, payId) : undefined;
  if (record === undefined) return undefined;
  const merchant = await deps.findMerchant(record.payment.merchantId);
  const link = await deps.amazonFor(record.payment.merchantId);
  if (merchant === undefined || link === undefined) return undefined;
  const context = answerContextOf(merchant, record);
  if (record.context.completionLocation !== undefined) return record.context.completionLocation;
  const failure = (
    code: PaygateCode,
    action?: PaymentAction,
    amazon?: { codeExt?: string; errorText?: string },
  ) =>
    redirectTo(
      record.context.shop.urlFailure,
      outcomeBody(context, record.payment, action, "FAILED", code, amazon),
    );
  if (step === "cancel") return cancelled(deps, merchant, record.payment.payId);
  if (checkoutSessionId === undefined || checkoutSessionId === "") {
    return failure(paygateCode("PARAMETER_MISSING", "AmazonCheckoutSessionId"));
  }
  // The session id comes from the buyer's browser: it must look like Amazon's, and once the
  // review page has bound a session to the payment, no other session can complete it.
  const bound = record.payment.amazon.checkoutSessionId;
  if (
    !SESSION_ID.test(checkoutSessionId) ||
    (step === "result" && bound !== undefined && bound !== checkoutSessionId)
  ) {
    return failure(paygateCode("PARAMETER_INVALID", "AmazonCheckoutSessionId"));
  }
  return step === "review"
    ? review(deps, link, context, record, checkoutSessionId, failure)
    : complete(deps, link, merchant, record, checkoutSessionId, failure);
}

async function review(
  deps: FlowDeps,
  link: AmazonLink,
  context: AnswerContext,
  record: PaymentRecord,
  checkoutSessionId: string,
  failure: (
    code: PaygateCode,
    action?: PaymentAction,
    amazon?: { codeExt?: string; errorText?: string },
  ) => string,
): Promise<string> {
  const { payment, context: checkout } = record;
  const check = recordBuyerReturn(payment, checkoutSessionId, "check");
  if (!check.ok) return failure(paygateCodeOfRefusal(check.refusal));
  let session: CheckoutSession;
  try {
    ({ body: session } = await link.client.updateCheckoutSession(
      checkoutSessionId,
      sessionUpdate(record, link),
    ));
  } catch (error) {
    if (!(error instanceof AmazonPayError)) throw error;
    return failure(paygateCode("AMAZON_REQUEST_REFUSED"), undefined, {
      codeExt: error.reasonCode.slice(0, 10),
      errorText: error.message,
    });
  }
  const recorded = await transact(deps, async (tx) => {
    const current = await deps.store.load(tx, payment.merchantId, payment.payId, true);
    if (current === undefined) return undefined;
    const result = recordBuyerReturn(current.payment, checkoutSessionId, deps.newId());
    if (!result.ok) return result;
    await deps.store.save(tx, { ...current, payment: result.payment });
    return result;
  });
  if (recorded === undefined || !recorded.ok) return failure(paygateCode("INTERNAL_ERROR"));
  const ok = paygateCode("OK");
  const values = {
    ...buyerValues(session, link.amazonMerchantId),
    mid: context.merchant.merchantId,
    PayID: payment.payId,
    XID: recorded.action.xid,
    TransID: payment.transId,
    Status: "PENDING",
    Code: ok.code,
    ...totalValues(recorded.payment),
    AmazonStatus: "OPEN",
  };
  return redirectTo(
    checkout.shop.shopUrl,
    answerBody(context, reviewAnswerTable, values as AnswerValues<ParameterTable>, { mac: true }),
  );
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

async function complete(
  deps: FlowDeps,
  link: AmazonLink,
  merchant: PaygateMerchant,
  record: PaymentRecord,
  checkoutSessionId: string,
  failure: (code: PaygateCode) => string,
): Promise<string> {
  const { payment, context: checkout } = record;
  const context = answerContextOf(merchant, record);
  let details: CheckoutValues = checkout.completionDetails ?? {};
  const done = await runAmazonAction(deps, {
    merchantId: payment.merchantId,
    payId: payment.payId,
    begin: (current, xid) => {
      // A reload after the outcome was recorded but before the buyer was sent on (a crash):
      // the completion is answered as it stands.
      const settled = current.actions.find((a) => a.kind === "complete" && a.state !== "inFlight");
      if (settled !== undefined) return resumeAction(settled.xid)(current);
      return beginCompletion(
        current.amazon.checkoutSessionId === undefined && current.checkoutMode === "ProcessOrder"
          ? { ...current, amazon: { ...current.amazon, checkoutSessionId } }
          : current,
        xid,
      );
    },
    plan: {
      call: "complete",
      amazonOperation: "completeCheckoutSession",
      request: (current, action) => ({
        checkoutSessionId,
        chargeAmount: priceFromMoney({ minor: action.amount, currency: current.payment.currency }),
      }),
    },
    call: async (current, _action, _link, idempotencyKey, planned) => {
      const { body: session } = await link.client.getCheckoutSession(checkoutSessionId);
      if (current.context.completionDetails === undefined) {
        // Kept before the completion: once completed, Amazon's session no longer shows the
        // buyer's redirect URL and data, and a resumed completion (a crash, a lost answer) and a
        // pending completion's later notify still need them.
        details = buyerValues(session, link.amazonMerchantId);
        await keepCompletionDetails(deps, payment, details);
      }
      const canceled = canceledOutcome(session);
      if (canceled !== undefined) return canceled;
      const { chargeAmount } = planned as { chargeAmount: Price };
      try {
        const completed = await link.client.completeCheckoutSession(
          checkoutSessionId,
          { chargeAmount },
          {
            idempotencyKey,
            ...simulation(link, checkout.simulationCode),
          },
        );
        return await outcomeOfCompletion(link, completed.body.chargeId);
      } catch (error) {
        if (
          error instanceof AmazonPayApiError &&
          (error.reasonCode === "CheckoutSessionCanceled" ||
            error.reasonCode === "InvalidCheckoutSessionStatus")
        ) {
          // Canceled meanwhile, or completed by an earlier attempt whose answer was lost (Amazon's
          // idempotency window passed): the session tells which.
          const { body: after } = await link.client.getCheckoutSession(checkoutSessionId);
          if (after.statusDetails.state === "Completed") return outcomeOfCompletion(link, after.chargeId);
          return canceledOutcome(after) ?? { kind: "refused", reasonCode: error.reasonCode };
        }
        throw error;
      }
    },
    notifies: (current, events) =>
      completionNotifies(context, current, events, current.context.completionDetails ?? details),
  });
  if (!done.ok) return failure(done.code);
  const { action } = done;
  const current = done.record;
  details = current.context.completionDetails ?? details;
  const result = resultOf(current, action, done.message);
  let location: string;
  if (result.status === "OK") {
    location = redirectTo(
      checkout.shop.urlSuccess,
      completionBody(context, current.payment, action, result.code, details),
    );
  } else {
    const body = outcomeBody(
      context,
      current.payment,
      action,
      result.status === "FAILED" ? "FAILED" : "PENDING",
      result.code,
      result,
    );
    const cancelledByBuyer = action.reasonCode === "BuyerCanceled" && checkout.shop.urlCancel !== undefined;
    // An authorisation Amazon decides later (AuthorizationInitiated) is an accepted order: the
    // buyer goes to URLSuccess with Status=PENDING; the completion notify brings OK or FAILED.
    const target =
      action.state === "pending"
        ? checkout.shop.urlSuccess
        : cancelledByBuyer
          ? (checkout.shop.urlCancel as string)
          : checkout.shop.urlFailure;
    location = redirectTo(target, body);
  }
  if (action.state !== "inFlight") await rememberLocation(deps, payment, location);
  return location;
}

/** The charge a completion created, read for its state; none yet: the outcome is unknown. */
async function outcomeOfCompletion(link: AmazonLink, chargeId: string | null): Promise<AmazonOutcome> {
  if (chargeId === null) return { kind: "unknown" };
  return outcomeOfCharge((await link.client.getCharge(chargeId)).body);
}

/** A session Amazon cancelled before completion: buyer abort, decline, expiry. */
function canceledOutcome(session: CheckoutSession): AmazonOutcome | undefined {
  const { state, reasonCode } = session.statusDetails;
  if (state !== "Canceled") return undefined;
  if (reasonCode === "Declined") return { kind: "declined", reasonCode: "Declined" };
  return { kind: "canceled", reasonCode: reasonCode ?? "BuyerCanceled" };
}

async function cancelled(
  deps: FlowDeps,
  merchant: PaygateMerchant,
  payId: string,
): Promise<string | undefined> {
  const location = await transact(deps, async (tx) => {
    const current = await deps.store.load(tx, merchant.merchantId, payId, true);
    if (current === undefined) return undefined;
    const context = answerContextOf(merchant, current);
    const { shop } = current.context;
    const result = cancelCheckout(current.payment, deps.newId());
    if (!result.ok) {
      return redirectTo(
        shop.urlFailure,
        outcomeBody(context, current.payment, undefined, "FAILED", paygateCodeOfRefusal(result.refusal)),
      );
    }
    const body = outcomeBody(context, result.payment, result.action, "FAILED", paygateCode("BUYER_CANCELED"));
    const target = redirectTo(shop.urlCancel ?? shop.urlFailure, body);
    await deps.store.save(tx, {
      ...current,
      payment: result.payment,
      context: { ...current.context, completionLocation: target },
    });
    for (const row of completionNotifies(
      context,
      { ...current, payment: result.payment },
      result.events,
      {},
    )) {
      await deps.store.enqueueNotify(tx, row);
    }
    return target;
  });
  if (location !== undefined) deps.notified();
  return location;
}

/** Completion notifies of the events. Pure: it runs inside the outcome's transaction. */
export function completionNotifies(
  context: AnswerContext,
  record: PaymentRecord,
  events: readonly PaymentEvent[],
  details: CheckoutValues,
): NotifyRow[] {
  return events
    .filter((event) => event.type === "completion")
    .map((event) => {
      const action = record.payment.actions.find((candidate) => candidate.xid === event.xid) as PaymentAction;
      const body =
        event.result === "OK"
          ? completionBody(context, record.payment, action, paygateCode("OK"), details)
          : outcomeBody(context, record.payment, action, "FAILED", failureCode(event.reasonCode), {
              codeExt: event.reasonCode?.slice(0, 10),
              errorText: event.reasonCode,
            });
      return notifyRow(record, event, body);
    });
}

export function notifyRow(record: PaymentRecord, event: PaymentEvent, body: string): NotifyRow {
  return {
    merchantId: record.payment.merchantId,
    payId: record.payment.payId,
    event,
    url: record.context.shop.urlNotify,
    body,
  };
}

type PaymentKey = Pick<Payment, "merchantId" | "payId">;

function rememberLocation(deps: FlowDeps, payment: PaymentKey, completionLocation: string): Promise<void> {
  return changeContext(deps, payment, { completionLocation });
}

function keepCompletionDetails(deps: FlowDeps, payment: PaymentKey, completionDetails: CheckoutValues) {
  return changeContext(deps, payment, { completionDetails });
}

async function changeContext(
  deps: FlowDeps,
  payment: PaymentKey,
  change: Partial<PaymentRecord["context"]>,
): Promise<void> {
  await transact(deps, async (tx) => {
    const current = await deps.store.load(tx, payment.merchantId, payment.payId, true);
    if (current !== undefined) {
      await deps.store.save(tx, { ...current, context: { ...current.context, ...change } });
    }
  });
}

/** Simulation codes reach the sandbox and the emulator only (seed: no effect live). */
export function simulation(link: AmazonLink, code: string | undefined): { simulationCode?: string } {
  return code === undefined || link.live ? {} : { simulationCode: code };
}
