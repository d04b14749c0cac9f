/**
 * The vocabulary the payment steps (src/payments) answer in, whatever door asked: why a step did
 * nothing (a typed refusal), what it did (an outcome per step), what the shop is told (a
 * notification, a domain event), and the buyer's details Amazon showed. No protocol lives here —
 * the Paygate door maps these to its codes and bodies in one table (src/paygate/outcome-codes.ts),
 * a JSON API maps them to its own.
 */
import type { NoticeKind, Payment, PaymentAction, PaymentEvent, PaymentRefusal } from "./payment.js";

/** Amazon said no (`amazonRefused`) or could not be reached (`amazonUnavailable`); nothing changed. */
export interface AmazonRefusal {
  readonly kind: "amazonRefused" | "amazonUnavailable";
  /** Amazon's reason code (`InvalidParameterValue`, …). */
  readonly reasonCode: string;
  readonly message: string;
}

/** Why a step did nothing. */
export type Refusal =
  | { readonly kind: "merchantUnknown" }
  | { readonly kind: "paymentUnknown" }
  /** The merchant has no Amazon Pay account for the marketplace asked for. */
  | { readonly kind: "marketNotConfigured" }
  /** A ReqId names an action the store no longer holds, or the payment changed under the step. */
  | { readonly kind: "inconsistent" }
  /** A later request names another marketplace than the payment's. */
  | { readonly kind: "countryMismatch" }
  | { readonly kind: "checkoutSessionMissing" }
  /** A checkout session id that cannot be Amazon's, or not the one bound to the payment. */
  | { readonly kind: "checkoutSessionInvalid" }
  /** Not a charge permission of this merchant's checkouts. */
  | { readonly kind: "chargePermissionUnknown" }
  /** The permission's checkout did not ask for a Recurring permission. */
  | { readonly kind: "chargePermissionNotRecurring" }
  | { readonly kind: "currencyMismatch" }
  /**
   * An RTF=R amount other than the fixed `InstallmentAmount` of its RTF=I series (seed 004
   * "Anfangszahlung": the amount per cycle, 0 when it is not fixed).
   */
  | { readonly kind: "installmentAmountMismatch"; readonly installmentAmount: number }
  /** Capture, credit or reverse before the shop answered the payment's first notify. */
  | { readonly kind: "firstNotifyUnanswered" }
  /** The payment aggregate's own refusal (state, amounts, currency). */
  | { readonly kind: "payment"; readonly refusal: PaymentRefusal }
  | AmazonRefusal;

/** A step's answer: what it did, or why it did nothing (with the payment when there is one). */
export type Outcome<T> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly refusal: Refusal; readonly payment?: Payment | undefined };

export function refused(
  refusal: Refusal,
  payment?: Payment,
): { ok: false; refusal: Refusal; payment?: Payment } {
  return payment === undefined ? { ok: false, refusal } : { ok: false, refusal, payment };
}

/**
 * Data a door keeps with a payment to answer later (Paygate: the shop's URLs, UserData, Custom,
 * the Data scheme). The steps store and hand it back unread.
 */
export type DoorData = { readonly [key: string]: unknown };

/** A postal address as Amazon shows it; empty fields are absent. */
export interface PostalAddress {
  readonly name?: string;
  readonly addressLine1?: string;
  readonly addressLine2?: string;
  readonly addressLine3?: string;
  readonly postalCode?: string;
  readonly city?: string;
  readonly stateOrRegion?: string;
  readonly countryCode?: string;
  readonly phoneNumber?: string;
}

/**
 * The buyer's details of a checkout, read from Amazon's session (review and completion): who,
 * where to bill and ship, and what the buyer chose. Fields the shop's scopes did not ask for are
 * absent.
 */
export interface BuyerDetails {
  readonly buyerId?: string;
  readonly name?: string;
  readonly email?: string;
  readonly phoneNumber?: string;
  readonly billingAddress?: PostalAddress;
  readonly shippingAddress?: PostalAddress;
  readonly amazonMerchantId: string;
  /** `OneTime`, `Recurring`, … as Amazon names the permission the checkout creates. */
  readonly chargePermissionType: string;
  readonly paymentDescriptor?: string;
  readonly checkoutSessionId: string;
  /** Where the buyer confirms at Amazon (review, ProcessOrder). */
  readonly amazonPayRedirectUrl?: string;
}

/** What an action on a payment came to; its `state` and `reasonCode` say how it ended. */
export interface ActionDone {
  readonly payment: Payment;
  readonly action: PaymentAction;
  /** Amazon's message when it refused or declined. */
  readonly amazonMessage?: string | undefined;
}

/**
 * A shop notification (a domain event): what changed, committed with the payment in the same
 * transaction; the notifier port turns it into each door's messages (Paygate: a URLNotify body;
 * the JSON API: a webhook per endpoint).
 * - `completion`: a checkout's completion was decided (OK with the buyer's details, or FAILED);
 * - `capture`, `credit`: Amazon settled a capture or refund;
 * - `recurringCharge`: a merchant-initiated charge was decided (RTF=R);
 * - `chargeback`, `permissionClosed`, `permissionExpiring`: Amazon's notices (payment.ts
 *   `NoticeKind`): a chargeback, a recurring permission closed, or expiring within 30 days.
 */
export interface ShopNotification {
  readonly kind: "completion" | "capture" | "credit" | "recurringCharge" | NoticeKind;
  readonly event: PaymentEvent;
  /** The payment after the change. */
  readonly payment: Payment;
  /** The action the event is about, as it stands after the change. */
  readonly action: PaymentAction;
  /** A completion's buyer details, when Amazon showed them. */
  readonly buyer?: BuyerDetails | undefined;
}
