/**
 * What the buyer's returns from Amazon share (reference §5.0 A steps 3 and 6, §5.3, §5.5): the
 * payment is looked up within the merchant named by Kasse's own return URL; a return the door
 * answered before (completion, cancel) is answered the same again; the outcome carries the
 * payment and the door's data, so the door can send the buyer on.
 */
import type { DoorData, Refusal } from "../core/outcome.js";
import type { Payment } from "../core/payment.js";
import { changePayment } from "./commit.js";
import type { AmazonLink, PaymentDeps, PaymentRecord } from "./ports.js";

export type BuyerOutcome<T> =
  /** No such payment for the merchant (or the merchant is gone): the door answers 404. */
  | { readonly kind: "paymentUnknown" }
  /** The door's remembered answer to this return (a reload). */
  | { readonly kind: "answered"; readonly answer: string }
  | {
      readonly kind: "refused";
      readonly payment: Payment;
      readonly door: DoorData;
      readonly refusal: Refusal;
    }
  | ({ readonly kind: "done"; readonly payment: Payment; readonly door: DoorData } & T);

/** Amazon's checkout session ids are UUIDs; a little slack for other id styles. */
const SESSION_ID = /^[A-Za-z0-9-]{1,64}$/;

export type Loaded =
  | { readonly kind: "loaded"; readonly record: PaymentRecord; readonly link: AmazonLink }
  | { readonly kind: "paymentUnknown" }
  | { readonly kind: "answered"; readonly answer: string };

/** The payment of a return; a PayID that cannot be Kasse's is not even looked up. */
export async function loadReturn(deps: PaymentDeps, merchantId: string, payId: string): Promise<Loaded> {
  const record = /^[0-9a-f]{32}$/.test(payId) ? await deps.store.load(merchantId, payId) : undefined;
  const link = record && (await deps.amazonFor(record.payment.merchantId));
  if (record === undefined || link === undefined) return { kind: "paymentUnknown" };
  if (record.context.completionLocation !== undefined) {
    return { kind: "answered", answer: record.context.completionLocation };
  }
  return { kind: "loaded", record, link };
}

/**
 * The session id comes from the buyer's browser: it must look like Amazon's, and once the review
 * page has bound a session to the payment, no other session can complete it.
 */
export function sessionRefusal(
  record: PaymentRecord,
  checkoutSessionId: string | undefined,
  completing: boolean,
): Refusal | undefined {
  if (checkoutSessionId === undefined || checkoutSessionId === "") return { kind: "checkoutSessionMissing" };
  const bound = record.payment.amazon.checkoutSessionId;
  if (
    !SESSION_ID.test(checkoutSessionId) ||
    (completing && bound !== undefined && bound !== checkoutSessionId)
  ) {
    return { kind: "checkoutSessionInvalid" };
  }
  return undefined;
}

export function refusedReturn(record: PaymentRecord, refusal: Refusal): BuyerOutcome<never> {
  return { kind: "refused", payment: record.payment, door: record.context.shop, refusal };
}

/**
 * Keeps the door's answer to a completion or cancel, so a reload of the page is answered the same
 * (the door calls this once it has answered).
 */
export async function rememberAnswer(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
  answer: string,
): Promise<void> {
  await changePayment(deps, merchantId, payId, (current) =>
    current === undefined
      ? { result: undefined }
      : {
          result: undefined,
          change: { record: { ...current, context: { ...current.context, completionLocation: answer } } },
        },
  );
}
