/**
 * URLNotify bodies (seed 004's URLNotify tables, reference §5.11): what a state change tells the
 * shop, encoded at the moment of the change so the outbox row holds exactly what is sent. Every
 * notify carries the response MAC (§2.2), the request's `UserData` and its `Custom` pairs.
 */
import type { Payment, PaymentAction } from "../../core/payment.js";
import type { ActionResult } from "../../gateway/flows/types.js";
import type { AnswerValues } from "../answer.js";
import type { PaygateCode } from "../codes.js";
import { captureNotify, creditNotify, type ParameterTable, refusalAnswer } from "../tables.js";
import { actionValues, totalValues } from "./action-answer.js";
import { type CheckoutValues, completionAnswerTable } from "./checkout-answer.js";
import { type AnswerContext, answerBody } from "./receive.js";

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
