/**
 * What the steps share: loading the merchant's payment, the two-transaction pattern around every
 * money-moving Amazon call (record the in-flight action and its idempotency key, call Amazon,
 * apply the outcome and queue the notifies in one transaction), and how an action's state reads
 * to the shop (Status, Code, CodeExt, ErrorText).
 */
import { DECLINE_REASON_CODES } from "../../amazon/errors.js";
import { type IdempotentAction, idempotencyKey } from "../../core/idempotency.js";
import {
  type AmazonOutcome,
  findAction,
  type Payment,
  type PaymentAction,
  type PaymentEvent,
  type PaymentResult,
  recordOutcome,
} from "../../core/payment.js";
import { type CodeName, type PaygateCode, paygateCode } from "../../paygate/codes.js";
import type { AnswerContext, PaygateMerchant } from "../../paygate/pages/receive.js";
import type { Queryable } from "../../store/database.js";
import { paygateCodeOfRefusal } from "../refusal-codes.js";
import { ConcurrentUpdateError } from "../store/payments.js";
import { outcomeOfError } from "./amazon-outcome.js";
import type { AmazonLink, FlowDeps, NotifyRow, PaymentRecord } from "./ports.js";
import type { ActionResult, FlowResult, Refused } from "./types.js";

const CONFLICT_ATTEMPTS = 5;

/**
 * A transaction over a payment, run again when another process saved the payment first
 * (`ConcurrentUpdateError`, the store's optimistic lock): the work reloads and decides afresh.
 */
export async function transact<T>(deps: FlowDeps, work: (tx: Queryable) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction(work);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}

export function refused(name: CodeName, payment?: Payment): Refused {
  return { ok: false, code: paygateCode(name), payment };
}

export function answerContextOf(merchant: PaygateMerchant, record: PaymentRecord): AnswerContext {
  const { shop } = record.context;
  return { merchant, scheme: shop.scheme, custom: shop.custom, userData: shop.userData };
}

/** The key of the Amazon call an action makes (core/idempotency.ts), stored with the action. */
export function keyOf(payment: Payment, action: PaymentAction, call: IdempotentAction): string {
  return idempotencyKey({
    merchantId: payment.merchantId,
    payId: payment.payId,
    action: call,
    sequence: action.sequence,
  });
}

const PENDING_CODES: Readonly<Record<string, CodeName>> = {
  complete: "AUTHORIZATION_PENDING",
  capture: "CAPTURE_PENDING",
  credit: "CREDIT_PENDING",
};

/** How an action's current state reads to the shop; also what a ReqId replay answers. */
export function resultOf(
  record: PaymentRecord,
  action: PaymentAction,
  errorText?: string | undefined,
): ActionResult {
  const base = { payment: record.payment, action, refnr: undefined };
  switch (action.state) {
    case "succeeded":
      return { ...base, status: "OK", code: paygateCode("OK") };
    case "pending":
      return {
        ...base,
        status: "PENDING",
        code: paygateCode(PENDING_CODES[action.kind] ?? "OUTCOME_UNKNOWN"),
      };
    case "inFlight":
      return { ...base, status: "PENDING", code: paygateCode("OUTCOME_UNKNOWN") };
    case "failed":
      return {
        ...base,
        status: "FAILED",
        code: failureCode(action.reasonCode),
        codeExt: action.reasonCode?.slice(0, 10),
        errorText: errorText ?? action.reasonCode,
      };
  }
}

/** A failed action's code: Amazon's declines apart from its other refusals (CodeExt says which). */
export function failureCode(reasonCode: string | undefined): PaygateCode {
  if (reasonCode === "SoftDeclined") return paygateCode("AMAZON_SOFT_DECLINED");
  if (reasonCode === "BuyerCanceled") return paygateCode("BUYER_CANCELED");
  if (reasonCode === "MFANotCompleted") return paygateCode("AMAZON_AUTHENTICATION_FAILED");
  if (reasonCode === "Expired") return paygateCode("CHECKOUT_EXPIRED");
  if (reasonCode !== undefined && (DECLINE_REASON_CODES.has(reasonCode) || reasonCode === "Declined")) {
    return paygateCode("AMAZON_DECLINED");
  }
  return paygateCode("AMAZON_REQUEST_REFUSED");
}

/** The payment and action a ReqId named before, if it was seen. */
export async function replayOf(
  deps: FlowDeps,
  merchantId: string,
  reqId: string | undefined,
): Promise<FlowResult<{ record: PaymentRecord; action: PaymentAction }> | undefined> {
  if (reqId === undefined) return undefined;
  const seen = await deps.store.findReplay(deps.db, merchantId, reqId);
  if (seen === undefined) return undefined;
  const record = await deps.store.load(deps.db, merchantId, seen.payId);
  const action = record && findAction(record.payment, seen.xid);
  if (record === undefined || action === undefined) return refused("INTERNAL_ERROR");
  return { ok: true, record, action };
}

/**
 * A `begin` that hands back the action `xid` as it stands: an action still in flight is resumed
 * (same sequence, same idempotency key, the request planned first); a settled one is answered.
 */
export function resumeAction(xid: string): (payment: Payment) => PaymentResult {
  return (payment) => {
    const action = findAction(payment, xid);
    if (action === undefined) {
      return {
        ok: false,
        refusal: { operation: "recordOutcome", reason: "actionUnknown", status: payment.status },
      };
    }
    return { ok: true, payment, action, events: [], resumed: true };
  };
}

/** How a cut action's call is made again: its plan, the call with the stored request, its notifies. */
export type ResumeSpec = Pick<AmazonActionSpec, "plan" | "call" | "notifies">;

/**
 * An action whose Amazon call has an unknown outcome (planned or sent, no answer recorded) is
 * resumed: the request planned first is sent again with the same idempotency key, so Amazon
 * answers what it did the first time — or does it now, once. Anything else is handed back as is.
 * Shared by every page that resumes (ReqId replays, inquire, the reconciliation job).
 */
export async function resumeCut(
  deps: FlowDeps,
  record: PaymentRecord,
  action: PaymentAction,
  spec: ResumeSpec,
): Promise<FlowResult<AmazonActionDone>> {
  if (action.state !== "inFlight") return { ok: true, record, action, message: undefined };
  return runAmazonAction(deps, {
    merchantId: record.payment.merchantId,
    payId: record.payment.payId,
    begin: resumeAction(action.xid),
    ...spec,
  });
}

export interface AmazonActionSpec {
  readonly merchantId: string;
  readonly payId: string;
  readonly reqId?: string | undefined;
  /**
   * `begin…` of the core with a fresh XID, or `resumeAction`. An action it hands back that is no
   * longer in flight is answered as it stands, without calling Amazon.
   */
  readonly begin: (payment: Payment, xid: string) => PaymentResult;
  /** The money-moving call, recorded with its idempotency key before it is made. */
  readonly plan: {
    readonly call: IdempotentAction;
    readonly amazonOperation: string;
    readonly request: (record: PaymentRecord, action: PaymentAction) => unknown;
  };
  /**
   * The Amazon call(s) with that key; errors are read by outcomeOfError. `planned` is the stored
   * request: the first one planned for this action, which a resumed call must send unchanged
   * (Amazon replays its first answer only for the same key and the same body).
   */
  readonly call: (
    record: PaymentRecord,
    action: PaymentAction,
    link: AmazonLink,
    idempotencyKey: string,
    planned: unknown,
  ) => Promise<AmazonOutcome>;
  /**
   * The URLNotify rows for the events the outcome produced. Synchronous on purpose: it runs inside
   * the outcome's transaction, where any other database access would wait on that transaction
   * (PGlite has one connection).
   */
  readonly notifies: (record: PaymentRecord, events: readonly PaymentEvent[]) => readonly NotifyRow[];
}

export interface AmazonActionDone {
  readonly record: PaymentRecord;
  readonly action: PaymentAction;
  /** Amazon's answer; absent when the action was already settled (nothing was sent). */
  readonly outcome?: AmazonOutcome;
  /** Amazon's message when it refused or declined (ErrorText). */
  readonly message: string | undefined;
}

/**
 * Begin (stored, with the replay record, before Amazon is called) → Amazon → outcome, events and
 * notifies (one transaction). A begin that finds the same action in flight resumes it with the
 * same sequence, hence the same idempotency key.
 */
export async function runAmazonAction(
  deps: FlowDeps,
  spec: AmazonActionSpec,
): Promise<FlowResult<AmazonActionDone>> {
  const link = await deps.amazonFor(spec.merchantId);
  if (link === undefined) return refused("MARKET_NOT_CONFIGURED");
  const begun = await transact(
    deps,
    async (tx): Promise<FlowResult<{ record: PaymentRecord; action: PaymentAction; planned?: unknown }>> => {
      const record = await deps.store.load(tx, spec.merchantId, spec.payId, true);
      if (record === undefined) return refused("PAYMENT_UNKNOWN");
      const result = spec.begin(record.payment, deps.newId());
      if (!result.ok)
        return { ok: false, code: paygateCodeOfRefusal(result.refusal), payment: record.payment };
      const next = { ...record, payment: result.payment };
      if (result.action.state !== "inFlight") return { ok: true, record: next, action: result.action };
      if (!result.resumed) await deps.store.save(tx, next);
      if (spec.reqId !== undefined)
        await deps.store.recordReplay(tx, {
          merchantId: spec.merchantId,
          reqId: spec.reqId,
          page: result.action.kind,
          payId: spec.payId,
          xid: result.action.xid,
        });
      const planned = await deps.store.planCall(tx, {
        merchantId: spec.merchantId,
        payId: spec.payId,
        xid: result.action.xid,
        sequence: result.action.sequence,
        action: result.action.kind,
        amazonOperation: spec.plan.amazonOperation,
        idempotencyKey: keyOf(result.payment, result.action, spec.plan.call),
        request: spec.plan.request(next, result.action),
      });
      return { ok: true, record: next, action: result.action, planned };
    },
  );
  if (!begun.ok) return begun;
  if (begun.action.state !== "inFlight") {
    return { ok: true, record: begun.record, action: begun.action, message: undefined };
  }

  const key = keyOf(begun.record.payment, begun.action, spec.plan.call);
  let outcome: AmazonOutcome & { message?: string };
  try {
    outcome = await spec.call(begun.record, begun.action, link, key, begun.planned);
  } catch (error) {
    outcome = outcomeOfError(error);
  }
  await deps.store.finishCall(
    spec.merchantId,
    key,
    outcome.kind === "unknown"
      ? "unknown"
      : outcome.kind === "refused" || outcome.kind === "declined"
        ? "failed"
        : "succeeded",
    "reasonCode" in outcome ? outcome.reasonCode : undefined,
  );
  const done = await applyOutcome(
    deps,
    spec.merchantId,
    spec.payId,
    begun.action.xid,
    outcome,
    spec.notifies,
  );
  if (!done.ok) return done;
  return { ...done, outcome, message: outcome.message };
}

/** Applies an Amazon outcome to an action and queues the notifies its events cause, atomically. */
export async function applyOutcome(
  deps: FlowDeps,
  merchantId: string,
  payId: string,
  xid: string,
  outcome: AmazonOutcome,
  notifies: AmazonActionSpec["notifies"],
): Promise<FlowResult<{ record: PaymentRecord; action: PaymentAction }>> {
  const applied = await transact(
    deps,
    async (
      tx: Queryable,
    ): Promise<FlowResult<{ record: PaymentRecord; action: PaymentAction; queued: number }>> => {
      const record = await deps.store.load(tx, merchantId, payId, true);
      if (record === undefined) return refused("PAYMENT_UNKNOWN");
      const result = recordOutcome(record.payment, xid, outcome);
      if (!result.ok)
        return { ok: false, code: paygateCodeOfRefusal(result.refusal), payment: record.payment };
      // An outcome for an action already settled (a duplicate IPN) or still unknown changes
      // nothing: not even the version, so concurrent duplicates cannot disturb a flow's save.
      if (result.payment === record.payment) return { ok: true, record, action: result.action, queued: 0 };
      const next = { ...record, payment: result.payment };
      await deps.store.save(tx, next);
      const rows = notifies(next, result.events);
      for (const row of rows) await deps.store.enqueueNotify(tx, row);
      return { ok: true, record: next, action: result.action, queued: rows.length };
    },
  );
  if (applied.ok && applied.queued > 0) deps.notified();
  return applied;
}
