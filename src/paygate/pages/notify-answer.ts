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
import { failureCode, noticeReadingOf, readingOf, recurringReadingOf } from "../outcome-codes.js";
import {
  captureNotify,
  chargebackNotify,
  creditNotify,
  type ParameterTable,
  recurringEndNotify,
  recurringExpiryNotify,
  refusalAnswer,
} from "../tables.js";
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
    async rendererFor(merchantId) {
      const merchant = await findMerchant(merchantId);
      if (merchant === undefined) return undefined;
      return (door, notification) => {
        const shop = shopOf(door);
        const body = notifyBody(answerContextOf(merchant, shop), notification);
        return [{ channel: "urlnotify", url: shop.urlNotify, body }];
      };
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
    case "chargeback":
      return chargebackNotifyBody(context, payment, action);
    case "permissionClosed":
      return recurringEndNotifyBody(context, payment, action);
    case "permissionExpiring":
      return recurringExpiryNotifyBody(context, payment, action);
  }
}

/** What every notify of one of Amazon's notices starts with: whose, which action, its reading. */
function noticeHead(
  context: AnswerContext,
  payment: Payment,
  action: PaymentAction,
  reading: ReturnType<typeof noticeReadingOf>,
) {
  return {
    mid: context.merchant.merchantId,
    PayID: payment.payId,
    XID: action.xid,
    TransID: action.transId,
    Status: reading.status,
    Description: reading.code.description,
    Code: reading.code.code,
  };
}

/** The `ChargebackNotification` (docs/async.md): the chargeback's id, the payment's totals. */
export function chargebackNotifyBody(
  context: AnswerContext,
  payment: Payment,
  action: PaymentAction,
): string {
  const values = {
    ...noticeHead(context, payment, action, noticeReadingOf("chargeback")),
    ChargebackID: action.amazonId,
    chargeid: payment.amazon.chargeId,
    chargepermissionid: payment.amazon.chargePermissionId,
    Currency: payment.currency,
    ...totalValues(payment),
    NotificationType: "ChargebackNotification",
  };
  return answerBody(context, chargebackNotify, values as AnswerValues<ParameterTable>, { mac: true });
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

/** The `RecurringEndNotification` (docs/recurring.md): the permission is Closed, Amazon's reason. */
export function recurringEndNotifyBody(
  context: AnswerContext,
  payment: Payment,
  action: PaymentAction,
): string {
  const reading = noticeReadingOf("permissionClosed", action.reasonCode);
  const values = {
    ...noticeHead(context, payment, action, reading),
    CodeExt: reading.codeExt,
    ErrorText: reading.errorText,
    chargepermissionid: action.amazonId,
    AmazonStatus: "Closed",
    NotificationType: "RecurringEndNotification",
  };
  return answerBody(context, recurringEndNotify, values as AnswerValues<ParameterTable>, { mac: true });
}

/** The `ExpiryNotification` (docs/recurring.md): the permission's expiry, whole seconds, UTC. */
export function recurringExpiryNotifyBody(
  context: AnswerContext,
  payment: Payment,
  action: PaymentAction,
): string {
  const values = {
    ...noticeHead(context, payment, action, noticeReadingOf("permissionExpiring")),
    chargepermissionid: action.amazonId,
    ExpiresAt: action.expiresAt === undefined ? undefined : `${action.expiresAt.slice(0, 19)}Z`,
    NotificationType: "ExpiryNotification",
  };
  return answerBody(context, recurringExpiryNotify, values as AnswerValues<ParameterTable>, { mac: true });
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
