/**
 * The answer fields shared by capture, credit and reverse (seed 004: the same head — mid, PayID,
 * XID, TransID, refnr, Status, Description, Code, CodeExt, ErrorText — then Amazon's ids and the
 * running totals), and their URLNotify variants. One function, so the S2S answer and the later
 * notify of the same action cannot disagree.
 */
import type { ActionDone } from "../../core/outcome.js";
import { type Payment, type PaymentAction, totalsOf } from "../../core/payment.js";
import type { AnswerValues } from "../answer.js";
import { type ActionReading, readingOf } from "../outcome-codes.js";
import type { captureNotify, creditNotify, reverseResponse } from "../tables.js";

/** An action as the shop reads it: the payment, the action, its reading and the request's refnr. */
export interface ActionResult extends ActionReading {
  readonly payment: Payment;
  readonly action: PaymentAction;
  readonly refnr: string | undefined;
}

/** A step's action outcome as the shop reads it. */
export function actionResultOf(
  done: ActionDone,
  refnr: string | undefined,
  read: (action: PaymentAction, message?: string) => ActionReading = readingOf,
): ActionResult {
  return { payment: done.payment, action: done.action, refnr, ...read(done.action, done.amazonMessage) };
}

export type ActionValues = AnswerValues<typeof captureNotify> &
  AnswerValues<typeof creditNotify> &
  AnswerValues<typeof reverseResponse>;

export function actionValues(merchantId: string, result: ActionResult): ActionValues {
  const { payment, action } = result;
  const { chargeId, chargePermissionId } = payment.amazon;
  return {
    mid: merchantId,
    PayID: payment.payId,
    XID: action.xid,
    TransID: action.transId,
    refnr: result.refnr,
    Status: result.status,
    Description: result.code.description,
    Code: result.code.code,
    CodeExt: result.codeExt,
    ErrorText: result.errorText,
    chargeid: chargeId ?? "",
    chargepermissionid: chargePermissionId ?? "",
    refundid: action.kind === "credit" ? (action.amazonId ?? "") : "",
    AmazonStatus: amazonOrderStatus(payment),
    // Seed: OrderID is Amazon's order reference (v1); in v2 the charge permission is the order.
    OrderID: chargePermissionId ?? "",
    AmazonRefID: chargeId ?? "",
    Amount: action.amount || payment.amount,
    Currency: payment.currency,
    ...totalValues(payment),
    NotificationType: "",
  };
}

/**
 * `AmazonStatus` of the action answers: the order status at Amazon as the seed names it (Opened,
 * Completed, Canceled). Completed once the order is captured in full, Canceled when reversed or
 * failed, Opened otherwise.
 */
export function amazonOrderStatus(payment: Payment): "Opened" | "Completed" | "Canceled" {
  if (payment.status === "Canceled" || payment.status === "Failed") return "Canceled";
  if (payment.status === "Captured") return "Completed";
  return "Opened";
}

/** `AmountAuth`, `AmountCap`, `AmountCred`: the running totals every answer carries. */
export function totalValues(payment: Payment): { AmountAuth: number; AmountCap: number; AmountCred: number } {
  const totals = totalsOf(payment);
  return { AmountAuth: totals.amountAuth, AmountCap: totals.amountCap, AmountCred: totals.amountCred };
}
