/**
 * URLNotify bodies (seed 004's URLNotify tables, reference §5.11): what a state change tells the
 * shop, encoded at the moment of the change so the outbox row holds exactly what is sent. Every
 * notify carries the response MAC (§2.2), the request's `UserData` and its `Custom` pairs.
 */
import type { ShopNotification } from "../../core/outcome.js";
import type { Payment, PaymentAction } from "../../core/payment.js";
import type { DoorNotifier } from "../../payments/ports.js";
import type { AnswerValues } from "../answer.js";
import { type PaygateCode, paygateCode } from "../codes.js";
import { failureCode, readingOf, recurringReadingOf } from "../outcome-codes.js";
import { captureNotify, creditNotify, type ParameterTable, refusalAnswer } from "../tables.js";
import { type ActionResult, actionValues, totalValues } from "./action-answer.js";
import { buyerValues, type CheckoutValues, completionAnswerTable } from "./checkout-answer.js";
import { type AnswerContext, answerBody, type FindMerchant } from "./receive.js";
import { recurringNotifyBody } from "./recurring-charge.js";
import { answerContextOf, shopOf } from "./shop.js";

/**
 * The Paygate door's side of the payment steps' notifier port: a shop notification becomes the
 * URLNotify POST to the shop's URLNotify, with the merchant's keys.
 */
export function paygateNotifier(findMerchant: FindMerchant): DoorNotifier {
  return {
    async messagesOf(merchantId, door, notification) {
      const merchant = await findMerchant(merchantId);
      if (merchant === undefined) return [];
      const shop = shopOf(door);
      const body = notifyBody(answerContextOf(merchant, shop), notification);
      return [{ channel: "urlnotify", url: shop.urlNotify, body }];
    },
  };
}

/** The URLNotify body of a notification (seed 004's notify tables). */
export function notifyBody(context: AnswerContext, notification: ShopNotification): string {
  const { payment, action, event } = notification;
  // The reason code is what the notify can tell of Amazon's refusal (its message is gone by then).
  const reasonCode = event.reasonCode;
  switch (notification.kind) {
    case "completion":
      return event.result === "OK"
        ? completionBody(
            context,
            payment,
            action,
            paygateCode("OK"),
            notification.buyer === undefined ? {} : buyerValues(notification.buyer),
          )
        : outcomeBody(context, payment, action, "FAILED", failureCode(reasonCode), {
            codeExt: reasonCode?.slice(0, 10),
            errorText: reasonCode,
          });
    case "capture":
    case "credit":
      return actionNotifyBody(context, {
        payment,
        action,
        refnr: undefined,
        ...readingOf(action, reasonCode),
      });
    case "recurringCharge":
      return recurringNotifyBody(context, {
        payment,
        action,
        refnr: undefined,
        ...recurringReadingOf(action, reasonCode),
      });
  }
}

/** Capture and credit notifies: the action's answer plus `NotificationType`. */
export function actionNotifyBody(context: AnswerContext, result: ActionResult): string {
  const credit = result.action.kind === "credit";
  const values = {
    ...actionValues(context.merchant.merchantId, result),
    NotificationType: credit ? "CreditNotification" : "CaptureNotification",
  };
  const table = credit ? creditNotify : captureNotify;
  return answerBody(context, table, values as AnswerValues<ParameterTable>, { mac: true });
}

/** The completion result (Schritt 10), for the redirect to URLSuccess and the notify. */
export function completionBody(
  context: AnswerContext,
  payment: Payment,
  action: PaymentAction,
  code: PaygateCode,
  checkout: CheckoutValues,
): string {
  const values = {
    ...checkout,
    mid: context.merchant.merchantId,
    PayID: payment.payId,
    XID: action.xid,
    TransID: action.transId,
    Status: "OK",
    Code: code.code,
    ...totalValues(payment),
    chargeid: payment.amazon.chargeId,
    chargepermissionid: payment.amazon.chargePermissionId,
    AmazonStatus: "Completed",
  };
  return answerBody(context, completionAnswerTable, values as AnswerValues<ParameterTable>, {
    mac: true,
    extra: [["Description", code.description]],
  });
}

/**
 * A failed or pending outcome of a browser step (declined, cancelled, unknown): the refusal
 * table with the response MAC, Amazon's reason in CodeExt/ErrorText.
 */
export function outcomeBody(
  context: AnswerContext,
  payment: Payment,
  action: PaymentAction | undefined,
  status: "FAILED" | "PENDING",
  code: PaygateCode,
  amazon: { readonly codeExt?: string | undefined; readonly errorText?: string | undefined } = {},
): string {
  return answerBody(
    context,
    refusalAnswer,
    {
      mid: context.merchant.merchantId,
      PayID: payment.payId,
      XID: action?.xid,
      TransID: action?.transId ?? payment.transId,
      Status: status,
      Code: code.code,
      Description: code.description,
      CodeExt: amazon.codeExt,
      ErrorText: amazon.errorText,
    },
    { mac: true, extra: Object.entries(totalValues(payment)) },
  );
}
