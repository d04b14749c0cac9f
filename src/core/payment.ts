/**
 * The payment aggregate: a one-time Amazon Pay payment as the Paygate pages see it (reference
 * paygate-protocol.md §5), its amounts in minor units, which operation is allowed in which state,
 * and what each produces. Plain data and pure functions: no I/O, no clock, no randomness (XIDs
 * are passed in).
 *
 * Every operation that calls Amazon has two steps, so that nothing moves money twice:
 * 1. `begin…` checks the operation and records it as the payment's one in-flight action, with a
 *    fresh `sequence`; the caller stores this (and the idempotency key derived from it) before
 *    calling Amazon. While an action is in flight no other Amazon action may start; asking for
 *    the same action again resumes it (same sequence, same idempotency key).
 * 2. `recordOutcome` applies what Amazon answered: final, pending (settled later by
 *    `recordOutcome` again, from an IPN or a poll), refused (nothing happened), or unknown (the
 *    action stays in flight until it is retried with the same key or Amazon is asked).
 */
import { isSupportedCurrency } from "./money.js";
import { refundCeiling } from "./refund-cap.js";

export type TxType = "Authorize" | "AuthorizeWithCapture";

/**
 * `Standard`: review page at the shop; `ProcessOrder`: Additional Payment Button (§5.0 B);
 * `MerchantInitiated`: an RTF=R charge on a recurring permission (§5.9), no buyer involved — its
 * completion is Amazon's Create Charge, straight from `Initialized`.
 */
export type CheckoutMode = "Standard" | "ProcessOrder" | "MerchantInitiated";

export type PaymentStatus =
  /** Button payload handed out; the buyer has not come back from Amazon. */
  | "Initialized"
  /** The buyer is back with a checkout session: the shop's review page (Status=PENDING, §5.3). */
  | "BuyerReturned"
  /** Amazon authorises asynchronously (Charge `AuthorizationInitiated`). */
  | "AuthorizationPending"
  | "Authorized"
  /** Capture accepted, Amazon settles it later (Charge `CaptureInitiated`). */
  | "CapturePending"
  /** Captured; refunds may follow (pending ones are counted in `creditPending`). */
  | "Captured"
  /** Reversed by the merchant, or the authorisation was cancelled or expired at Amazon. */
  | "Canceled"
  /** Declined, cancelled by the buyer, or the checkout expired. */
  | "Failed";

export type ActionKind = "init" | "update" | "complete" | "capture" | "credit" | "reverse" | NoticeKind;

/**
 * What Amazon tells of a payment without Kasse moving money (docs/async.md "Amazon's notices"):
 * a chargeback (IPN `CHARGEBACK`), the buyer or Amazon closing a recurring charge permission,
 * the permission expiring within 30 days. Recorded as a succeeded action of its own, once per
 * Amazon id; it changes neither the status nor the amounts.
 */
export type NoticeKind = "chargeback" | "permissionClosed" | "permissionExpiring";

export const NOTICE_KINDS: ReadonlySet<ActionKind> = new Set<NoticeKind>([
  "chargeback",
  "permissionClosed",
  "permissionExpiring",
]);

/** `inFlight`: Amazon call planned or sent, answer not applied; `pending`: Amazon settles it later. */
export type ActionState = "inFlight" | "pending" | "succeeded" | "failed";

/** One action within a payment: what a Paygate `XID` names. */
export interface PaymentAction {
  readonly xid: string;
  readonly kind: ActionKind;
  /** 1, 2, 3… within the payment; the idempotency key is derived from it. */
  readonly sequence: number;
  readonly transId: string;
  /** Minor units the action is about (order amount, capture, refund); 0 for reverse. */
  readonly amount: number;
  readonly state: ActionState;
  /** Amazon's id for what the action created (the refund id of a credit). */
  readonly amazonId?: string;
  /** Amazon's reason code when the action failed (goes to `CodeExt`), or a notice's reason. */
  readonly reasonCode?: string;
  /** A `permissionExpiring` notice: when the permission expires (ISO 8601). */
  readonly expiresAt?: string;
}

export interface AmazonReferences {
  readonly checkoutSessionId?: string;
  readonly chargePermissionId?: string;
  readonly chargeId?: string;
}

export interface Payment {
  /** 32 lower-case hex characters (reference §4). */
  readonly payId: string;
  readonly merchantId: string;
  /** The TransID of the init request; later actions keep their own. */
  readonly transId: string;
  readonly refNr?: string;
  readonly currency: string;
  readonly txType: TxType;
  readonly checkoutMode: CheckoutMode;
  readonly status: PaymentStatus;
  /** The order amount (Amazon's chargeAmount), changeable until completion. */
  readonly amount: number;
  readonly authorized: number;
  readonly captured: number;
  /** Refunds Amazon has settled. */
  readonly credited: number;
  /** Refunds Amazon accepted and has not settled yet; they count against the refund ceiling. */
  readonly creditPending: number;
  readonly amazon: AmazonReferences;
  readonly actions: readonly PaymentAction[];
}

/** What Amazon answered for an action, already read from the wire (see the gateway's mapping). */
export type AmazonOutcome =
  | { readonly kind: "authorized"; readonly chargePermissionId: string; readonly chargeId: string }
  | { readonly kind: "authorizationPending"; readonly chargePermissionId: string; readonly chargeId: string }
  | { readonly kind: "captured"; readonly chargePermissionId?: string; readonly chargeId?: string }
  | { readonly kind: "capturePending"; readonly chargePermissionId?: string; readonly chargeId?: string }
  | { readonly kind: "refunded"; readonly refundId: string }
  | { readonly kind: "refundPending"; readonly refundId: string }
  /** Reverse succeeded; for a completion: the buyer cancelled or the session expired. */
  | { readonly kind: "canceled"; readonly reasonCode?: string }
  /** Final refusal of the payment method; nothing moved. */
  | { readonly kind: "declined"; readonly reasonCode: string }
  /** Amazon refused the request (4xx, not a decline): nothing happened, the state is unchanged. */
  | { readonly kind: "refused"; readonly reasonCode: string }
  /** No answer: the action stays in flight. */
  | { readonly kind: "unknown" };

export type OutcomeKind = AmazonOutcome["kind"];

/** What becomes a URLNotify notification (§5.11): completion, capture and credit results, notices. */
export interface PaymentEvent {
  readonly type: "completion" | "capture" | "credit" | NoticeKind;
  readonly result: "OK" | "FAILED";
  readonly xid: string;
  readonly transId: string;
  readonly amount: number;
  readonly reasonCode?: string;
}

export type Operation =
  | "init"
  | "buyerReturn"
  | "updateAmount"
  | "cancelCheckout"
  | "complete"
  | "capture"
  | "credit"
  | "reverse"
  | "recordOutcome"
  | "chargeCanceled"
  | "notice";

export type RefusalReason =
  | "amountInvalid"
  | "currencyUnsupported"
  | "currencyMismatch"
  | "notAllowedInState"
  | "alreadyCaptured"
  | "amountExceedsAuthorized"
  | "amountExceedsRefundable"
  | "operationInProgress"
  | "actionUnknown"
  | "outcomeNotApplicable";

export interface PaymentRefusal {
  readonly operation: Operation;
  readonly reason: RefusalReason;
  readonly status: PaymentStatus;
}

export type PaymentResult =
  | {
      readonly ok: true;
      readonly payment: Payment;
      /** The action this operation created, resumed or settled. */
      readonly action: PaymentAction;
      readonly events: readonly PaymentEvent[];
      /** True when `begin…` found the same action already in flight and handed it back. */
      readonly resumed?: boolean;
    }
  | { readonly ok: false; readonly refusal: PaymentRefusal };

/** Amount is n..10 in minor units (reference §4). */
export const MAX_AMOUNT = 9_999_999_999;

/**
 * Which operation may run in which status (reference §5). Begin-operations additionally need no
 * other action in flight. `recordOutcome` is checked per action instead.
 */
export const ALLOWED_STATUSES: Readonly<
  Record<Exclude<Operation, "init" | "recordOutcome" | "notice">, readonly PaymentStatus[]>
> = {
  buyerReturn: ["Initialized", "BuyerReturned"],
  updateAmount: ["Initialized", "BuyerReturned"],
  cancelCheckout: ["Initialized", "BuyerReturned"],
  // ProcessOrder payments skip the review page and complete straight from Initialized.
  complete: ["Initialized", "BuyerReturned"],
  capture: ["Authorized"],
  credit: ["Captured"],
  // Reverse cancels an uncaptured authorisation (Amazon: cancel charge).
  reverse: ["Authorized", "AuthorizationPending"],
  chargeCanceled: ["Authorized", "AuthorizationPending"],
};

/** Outcomes each action kind can have while in flight; the pending ones settle with the rest. */
const IN_FLIGHT_OUTCOMES: Readonly<
  Record<"complete" | "capture" | "credit" | "reverse", readonly OutcomeKind[]>
> = {
  complete: [
    "authorized",
    "authorizationPending",
    "captured",
    "capturePending",
    "canceled",
    "declined",
    "refused",
    "unknown",
  ],
  capture: ["captured", "capturePending", "declined", "refused", "unknown"],
  credit: ["refunded", "refundPending", "declined", "refused", "unknown"],
  reverse: ["canceled", "refused", "unknown"],
};

const SETTLING_OUTCOMES: Readonly<Record<"complete" | "capture" | "credit", readonly OutcomeKind[]>> = {
  complete: ["authorized", "captured", "capturePending", "canceled", "declined"],
  capture: ["captured", "declined"],
  credit: ["refunded", "declined"],
};

export interface InitInput {
  readonly payId: string;
  readonly xid: string;
  readonly merchantId: string;
  readonly transId: string;
  readonly refNr?: string;
  readonly amount: number;
  readonly currency: string;
  readonly txType: TxType;
  readonly checkoutMode: CheckoutMode;
}

/** Creates a payment for `amazonAPA.aspx` init (§5.1). */
export function initPayment(input: InitInput): PaymentResult {
  const refuse = (reason: RefusalReason) => refusal("init", reason, "Initialized");
  if (!isValidAmount(input.amount)) return refuse("amountInvalid");
  if (!isSupportedCurrency(input.currency)) return refuse("currencyUnsupported");
  const action: PaymentAction = {
    xid: input.xid,
    kind: "init",
    sequence: 1,
    transId: input.transId,
    amount: input.amount,
    state: "succeeded",
  };
  const payment: Payment = {
    payId: input.payId,
    merchantId: input.merchantId,
    transId: input.transId,
    ...(input.refNr === undefined ? {} : { refNr: input.refNr }),
    currency: input.currency,
    txType: input.txType,
    checkoutMode: input.checkoutMode,
    status: "Initialized",
    amount: input.amount,
    authorized: 0,
    captured: 0,
    credited: 0,
    creditPending: 0,
    amazon: {},
    actions: [action],
  };
  return { ok: true, payment, action, events: [] };
}

/** The buyer came back from Amazon to the review page with a checkout session (§5.3); repeatable. */
export function recordBuyerReturn(payment: Payment, checkoutSessionId: string, xid: string): PaymentResult {
  const refused = check(payment, "buyerReturn");
  if (refused) return refused;
  return addAction(
    { ...payment, status: "BuyerReturned", amazon: { ...payment.amazon, checkoutSessionId } },
    { xid, kind: "update", transId: payment.transId, amount: payment.amount, state: "succeeded" },
  );
}

/** `EventToken=UpdateAuthorizeAmount` (§5.4): a new order amount before completion. */
export function updateAmount(payment: Payment, amount: number, currency: string, xid: string): PaymentResult {
  const refused = check(payment, "updateAmount", { amount, currency });
  if (refused) return refused;
  return addAction(
    { ...payment, amount },
    { xid, kind: "update", transId: payment.transId, amount, state: "succeeded" },
  );
}

/** The buyer aborted at Amazon (URLCancel) or the checkout expired before completion. */
export function cancelCheckout(payment: Payment, xid: string, reasonCode = "BuyerCanceled"): PaymentResult {
  const refused = check(payment, "cancelCheckout");
  if (refused) return refused;
  const action = {
    xid,
    kind: "complete",
    transId: payment.transId,
    amount: payment.amount,
    state: "failed",
    reasonCode,
  } as const;
  const result = addAction({ ...payment, status: "Failed" }, action);
  // The notify names the reason as the redirect does (BuyerCanceled, Expired), so they agree.
  return result.ok
    ? { ...result, events: [eventOf(result.action, "completion", "FAILED", reasonCode)] }
    : result;
}

/** Starts completion (Amazon: complete checkout session) on the buyer's return from Amazon (§5.5). */
export function beginCompletion(payment: Payment, xid: string): PaymentResult {
  return begin(payment, "complete", {
    xid,
    kind: "complete",
    transId: payment.transId,
    amount: payment.amount,
  });
}

/** Starts `capture.aspx` (§5.6): one capture per payment, at most the authorised amount. */
export function beginCapture(
  payment: Payment,
  request: {
    readonly xid: string;
    readonly transId: string;
    readonly amount: number;
    readonly currency: string;
  },
): PaymentResult {
  return begin(payment, "capture", { ...request, kind: "capture" }, request.currency);
}

/** Starts `credit.aspx` (§5.7): partial and repeated refunds up to Amazon's ceiling. */
export function beginCredit(
  payment: Payment,
  request: {
    readonly xid: string;
    readonly transId: string;
    readonly amount: number;
    readonly currency: string;
  },
): PaymentResult {
  return begin(payment, "credit", { ...request, kind: "credit" }, request.currency);
}

/** Starts `reverse.aspx` (§5.8): cancels an authorisation that was not captured. */
export function beginReverse(
  payment: Payment,
  request: { readonly xid: string; readonly transId?: string },
): PaymentResult {
  return begin(payment, "reverse", {
    xid: request.xid,
    kind: "reverse",
    transId: request.transId ?? payment.transId,
    amount: 0,
  });
}

/**
 * Applies Amazon's answer to the action `xid`: the in-flight one, or a pending one that Amazon
 * settled. An outcome for an action that is already final changes nothing (a duplicate IPN).
 */
export function recordOutcome(payment: Payment, xid: string, outcome: AmazonOutcome): PaymentResult {
  const action = payment.actions.find((candidate) => candidate.xid === xid);
  if (!action) return refusal("recordOutcome", "actionUnknown", payment.status);
  if (action.state === "succeeded" || action.state === "failed") {
    return { ok: true, payment, action, events: [] };
  }
  const kind = action.kind;
  if (kind === "init" || kind === "update" || NOTICE_KINDS.has(kind))
    return refusal("recordOutcome", "outcomeNotApplicable", payment.status);
  const allowed =
    action.state === "inFlight"
      ? IN_FLIGHT_OUTCOMES[kind as "complete" | "capture" | "credit" | "reverse"]
      : SETTLING_OUTCOMES[kind as "complete" | "capture" | "credit"];
  if (!allowed?.includes(outcome.kind))
    return refusal("recordOutcome", "outcomeNotApplicable", payment.status);
  if (outcome.kind === "unknown") return { ok: true, payment, action, events: [] };
  if (outcome.kind === "refused") {
    return settle(payment, action, { state: "failed", reasonCode: outcome.reasonCode }, {});
  }
  switch (kind) {
    case "complete":
      return settleCompletion(payment, action, outcome);
    case "capture":
      return settleCapture(payment, action, outcome);
    case "credit":
      return settleCredit(payment, action, outcome);
    case "reverse": {
      const settled = settle(payment, action, { state: "succeeded" }, { status: "Canceled" });
      return settled.ok ? closePendingCompletion(settled, "MerchantCanceled") : settled;
    }
    default:
      return refusal("recordOutcome", "outcomeNotApplicable", payment.status);
  }
}

/** A notice as Amazon gave it: which kind, the id it is about, why, and (expiry) when. */
export interface Notice {
  readonly kind: NoticeKind;
  /** The chargeback id (IPN `ObjectId`), or the charge permission id. */
  readonly amazonId: string;
  readonly reasonCode?: string | undefined;
  readonly expiresAt?: string | undefined;
}

/**
 * Records a notice of Amazon's as an action of the payment, with its event for the shop. The same
 * notice again (same kind, id and expiry: a repeated IPN, a second charge that finds the same
 * expiry) changes nothing and has no event.
 */
export function recordNotice(payment: Payment, xid: string, notice: Notice): PaymentResult {
  const seen = payment.actions.find(
    (action) =>
      action.kind === notice.kind &&
      action.amazonId === notice.amazonId &&
      action.expiresAt === notice.expiresAt,
  );
  if (seen) return { ok: true, payment, action: seen, events: [] };
  const added = addAction(payment, {
    xid,
    kind: notice.kind,
    transId: payment.transId,
    amount: 0,
    state: "succeeded",
    amazonId: notice.amazonId,
    ...(notice.reasonCode === undefined ? {} : { reasonCode: notice.reasonCode }),
    ...(notice.expiresAt === undefined ? {} : { expiresAt: notice.expiresAt }),
  });
  if (!added.ok) return added;
  return { ...added, events: [eventOf(added.action, notice.kind, "OK", notice.reasonCode)] };
}

/** Amazon cancelled the authorisation on its own (expired after 30 days, AmazonCanceled; §5.3). */
export function recordChargeCanceled(payment: Payment, xid: string, reasonCode: string): PaymentResult {
  const refused = check(payment, "chargeCanceled");
  if (refused) return refused;
  const added = addAction(
    { ...payment, status: "Canceled" },
    { xid, kind: "reverse", transId: payment.transId, amount: 0, state: "succeeded", reasonCode },
  );
  return added.ok ? closePendingCompletion(added, reasonCode) : added;
}

/** The action whose Amazon call is under way, if any. */
export function inFlightAction(payment: Payment): PaymentAction | undefined {
  return payment.actions.find((action) => action.state === "inFlight");
}

export function findAction(payment: Payment, xid: string): PaymentAction | undefined {
  return payment.actions.find((action) => action.xid === xid);
}

/** Refund headroom left: the ceiling less settled and pending refunds. */
export function refundableAmount(payment: Payment): number {
  return Math.max(
    0,
    refundCeiling(payment.captured, payment.currency) - payment.credited - payment.creditPending,
  );
}

/** The running totals every answer carries (`AmountAuth`, `AmountCap`, `AmountCred`). */
export function totalsOf(payment: Payment): { amountAuth: number; amountCap: number; amountCred: number } {
  return { amountAuth: payment.authorized, amountCap: payment.captured, amountCred: payment.credited };
}

/**
 * `LastStatus` of `inquire.aspx`: the status of the payment's last action. The reference gives
 * no value list (UNCONFIRMED); these follow the seed's Status vocabulary (§3.2) plus the
 * natural names for what has no Status there.
 */
export type LastStatus =
  | "AUTHORIZE_REQUEST"
  | "PENDING"
  | "AUTHORIZED"
  | "CAPTURED"
  | "CREDITED"
  | "REVERSED"
  | "FAILED";

export function lastStatusOf(payment: Payment): LastStatus {
  // Amazon's notices are not steps of the payment: inquire answers the last step.
  const last = [...payment.actions]
    .reverse()
    .find(
      (action) => !NOTICE_KINDS.has(action.kind) && (action.state !== "failed" || action.kind === "complete"),
    );
  if (!last) return "AUTHORIZE_REQUEST";
  if (last.state === "inFlight" || last.state === "pending") return "PENDING";
  if (last.state === "failed") return "FAILED";
  switch (last.kind) {
    case "init":
    case "update":
      return payment.status === "BuyerReturned" ? "PENDING" : "AUTHORIZE_REQUEST";
    case "complete":
      return payment.status === "Captured"
        ? "CAPTURED"
        : payment.status === "Failed"
          ? "FAILED"
          : "AUTHORIZED";
    case "capture":
      return payment.status === "Failed" ? "FAILED" : "CAPTURED";
    case "credit":
      return "CREDITED";
    case "reverse":
      return "REVERSED";
    default:
      return "AUTHORIZE_REQUEST";
  }
}

// ─── internals ───────────────────────────────────────────────────────────────────────────────

type BeginKind = "complete" | "capture" | "credit" | "reverse";

function begin(
  payment: Payment,
  operation: BeginKind,
  request: { xid: string; kind: BeginKind; transId: string; amount: number },
  currency?: string,
): PaymentResult {
  const inFlight = inFlightAction(payment);
  if (inFlight) {
    // Asking again for what is under way resumes it: same sequence, same idempotency key.
    if (inFlight.kind === request.kind && inFlight.amount === request.amount) {
      return { ok: true, payment, action: inFlight, events: [], resumed: true };
    }
    return refusal(operation, "operationInProgress", payment.status);
  }
  const refused = check(
    payment,
    operation,
    currency === undefined ? undefined : { amount: request.amount, currency },
  );
  if (refused) return refused;
  return addAction(payment, { ...request, state: "inFlight" });
}

/** State and amount rules of an operation; `undefined` when it may run. */
function check(
  payment: Payment,
  operation: keyof typeof ALLOWED_STATUSES,
  money?: { amount: number; currency: string },
): PaymentResult | undefined {
  const refuse = (reason: RefusalReason) => refusal(operation, reason, payment.status);
  if (money) {
    if (!isValidAmount(money.amount)) return refuse("amountInvalid");
    if (money.currency !== payment.currency) return refuse("currencyMismatch");
  }
  if (operation === "capture" && payment.actions.some((a) => a.kind === "capture" && a.state !== "failed")) {
    return refuse("alreadyCaptured");
  }
  if (operation === "capture" && (payment.status === "Captured" || payment.status === "CapturePending")) {
    return refuse("alreadyCaptured");
  }
  if (operation === "complete" && payment.status === "Initialized" && payment.checkoutMode === "Standard") {
    return refuse("notAllowedInState");
  }
  if (!ALLOWED_STATUSES[operation].includes(payment.status)) return refuse("notAllowedInState");
  if (operation === "updateAmount" && inFlightAction(payment)) return refuse("operationInProgress");
  if (operation === "capture" && money && money.amount > payment.authorized)
    return refuse("amountExceedsAuthorized");
  if (operation === "credit" && money && money.amount > refundableAmount(payment))
    return refuse("amountExceedsRefundable");
  return undefined;
}

/**
 * A cancellation during `AuthorizationPending` ends the pending completion: it fails, and the
 * shop, told PENDING at completion, gets its final completion notify.
 */
function closePendingCompletion(result: PaymentResult & { ok: true }, reasonCode: string): PaymentResult {
  const pending = result.payment.actions.find((a) => a.kind === "complete" && a.state === "pending");
  if (!pending) return result;
  const closed: PaymentAction = { ...pending, state: "failed", reasonCode };
  return {
    ...result,
    payment: {
      ...result.payment,
      actions: result.payment.actions.map((a) => (a.xid === pending.xid ? closed : a)),
    },
    events: [...result.events, eventOf(closed, "completion", "FAILED", reasonCode)],
  };
}

function isValidAmount(amount: number): boolean {
  return Number.isSafeInteger(amount) && amount > 0 && amount <= MAX_AMOUNT;
}

function refusal(operation: Operation, reason: RefusalReason, status: PaymentStatus): PaymentResult {
  return { ok: false, refusal: { operation, reason, status } };
}

function addAction(payment: Payment, action: Omit<PaymentAction, "sequence">): PaymentResult {
  const added: PaymentAction = { ...action, sequence: payment.actions.length + 1 };
  return {
    ok: true,
    payment: { ...payment, actions: [...payment.actions, added] },
    action: added,
    events: [],
  };
}

function settle(
  payment: Payment,
  action: PaymentAction,
  change: { state: ActionState; reasonCode?: string; amazonId?: string },
  paymentChange: Partial<Omit<Payment, "actions">>,
  event?: PaymentEvent,
): PaymentResult {
  const settled: PaymentAction = { ...action, ...change };
  return {
    ok: true,
    payment: {
      ...payment,
      ...paymentChange,
      actions: payment.actions.map((candidate) => (candidate.xid === action.xid ? settled : candidate)),
    },
    action: settled,
    events: event ? [event] : [],
  };
}

function eventOf(
  action: PaymentAction,
  type: PaymentEvent["type"],
  result: PaymentEvent["result"],
  reasonCode?: string,
): PaymentEvent {
  return {
    type,
    result,
    xid: action.xid,
    transId: action.transId,
    amount: action.amount,
    ...(reasonCode === undefined ? {} : { reasonCode }),
  };
}

function chargeReferences(
  payment: Payment,
  outcome: { chargePermissionId?: string; chargeId?: string },
): AmazonReferences {
  return {
    ...payment.amazon,
    ...(outcome.chargePermissionId === undefined ? {} : { chargePermissionId: outcome.chargePermissionId }),
    ...(outcome.chargeId === undefined ? {} : { chargeId: outcome.chargeId }),
  };
}

/** Amazon's paymentIntent decides the charge's state after completion (§11.1). */
const CAPTURING_OUTCOMES: readonly OutcomeKind[] = ["captured", "capturePending"];

function settleCompletion(payment: Payment, action: PaymentAction, outcome: AmazonOutcome): PaymentResult {
  const amount = action.amount;
  const capturing = payment.txType === "AuthorizeWithCapture";
  if (
    (outcome.kind === "authorized" && capturing) ||
    (CAPTURING_OUTCOMES.includes(outcome.kind) && !capturing)
  ) {
    return refusal("recordOutcome", "outcomeNotApplicable", payment.status);
  }
  switch (outcome.kind) {
    case "authorized":
      return settle(
        payment,
        action,
        { state: "succeeded" },
        { status: "Authorized", authorized: amount, amazon: chargeReferences(payment, outcome) },
        eventOf(action, "completion", "OK"),
      );
    case "captured":
      return settle(
        payment,
        action,
        { state: "succeeded" },
        {
          status: "Captured",
          authorized: amount,
          captured: amount,
          amazon: chargeReferences(payment, outcome),
        },
        eventOf(action, "completion", "OK"),
      );
    case "authorizationPending":
      return settle(
        payment,
        action,
        { state: "pending" },
        { status: "AuthorizationPending", amazon: chargeReferences(payment, outcome) },
      );
    case "capturePending":
      // Authorised; the capture of AuthorizeWithCapture settles later (Charge CaptureInitiated).
      return settle(
        payment,
        action,
        { state: "pending" },
        { status: "CapturePending", authorized: amount, amazon: chargeReferences(payment, outcome) },
      );
    case "canceled":
    case "declined": {
      const reasonCode = outcome.reasonCode ?? "BuyerCanceled";
      // A pending capture of AuthorizeWithCapture that fails leaves the authorisation spent.
      return settle(
        payment,
        action,
        { state: "failed", reasonCode },
        { status: "Failed" },
        eventOf(action, "completion", "FAILED", reasonCode),
      );
    }
    default:
      return refusal("recordOutcome", "outcomeNotApplicable", payment.status);
  }
}

function settleCapture(payment: Payment, action: PaymentAction, outcome: AmazonOutcome): PaymentResult {
  switch (outcome.kind) {
    case "captured":
      return settle(
        payment,
        action,
        { state: "succeeded" },
        { status: "Captured", captured: action.amount },
        eventOf(action, "capture", "OK"),
      );
    case "capturePending":
      return settle(payment, action, { state: "pending" }, { status: "CapturePending" });
    case "declined":
      return settle(
        payment,
        action,
        { state: "failed", reasonCode: outcome.reasonCode },
        { status: "Failed" },
        eventOf(action, "capture", "FAILED", outcome.reasonCode),
      );
    default:
      return refusal("recordOutcome", "outcomeNotApplicable", payment.status);
  }
}

function settleCredit(payment: Payment, action: PaymentAction, outcome: AmazonOutcome): PaymentResult {
  const wasPending = action.state === "pending";
  const pendingAfter = wasPending ? payment.creditPending - action.amount : payment.creditPending;
  switch (outcome.kind) {
    case "refunded":
      return settle(
        payment,
        action,
        { state: "succeeded", amazonId: outcome.refundId },
        { credited: payment.credited + action.amount, creditPending: pendingAfter },
        eventOf(action, "credit", "OK"),
      );
    case "refundPending":
      return settle(
        payment,
        action,
        { state: "pending", amazonId: outcome.refundId },
        { creditPending: payment.creditPending + action.amount },
      );
    case "declined":
      return settle(
        payment,
        action,
        { state: "failed", reasonCode: outcome.reasonCode },
        { creditPending: pendingAfter },
        eventOf(action, "credit", "FAILED", outcome.reasonCode),
      );
    default:
      return refusal("recordOutcome", "outcomeNotApplicable", payment.status);
  }
}
