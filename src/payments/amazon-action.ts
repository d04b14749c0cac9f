/**
 * The pattern around every money-moving Amazon call: begin (the action in flight, its planned
 * call with the idempotency key and the ReqId claim, one commit) → Amazon → the outcome, its
 * events and notifications (one commit). A begin that finds the same action in flight resumes it
 * with the same sequence, hence the same key and the request planned first.
 */
import { type Outcome, refused } from "../core/outcome.js";
import {
  type AmazonOutcome,
  findAction,
  type Payment,
  type PaymentAction,
  type PaymentRefusal,
  type PaymentResult,
  recordOutcome,
} from "../core/payment.js";
import { type AmazonCall, planCall, sendCall } from "./amazon-calls.js";
import { outcomeOfError } from "./amazon-outcome.js";
import { changePayment, type Decision, notificationsOf } from "./commit.js";
import type { AmazonLink, PaymentDeps, PaymentRecord } from "./ports.js";

export interface AmazonActionSpec {
  readonly merchantId: string;
  readonly payId: string;
  readonly reqId?: string | undefined;
  /**
   * `begin…` of the core with a fresh XID, or `resumeAction`. An action it hands back that is no
   * longer in flight is answered as it stands, without calling Amazon.
   */
  readonly begin: (payment: Payment, xid: string) => PaymentResult;
  /** The call a new action plans (a resumed one sends the call stored the first time). */
  readonly call: (record: PaymentRecord, action: PaymentAction) => AmazonCall;
  /**
   * Sends the planned call; default the operation table's sender. Errors are read by
   * `outcomeOfError` (connector errors) or thrown on.
   */
  readonly send?: (
    record: PaymentRecord,
    link: AmazonLink,
    call: AmazonCall,
    idempotencyKey: string,
  ) => Promise<AmazonOutcome & { readonly message?: string }>;
}

export interface AmazonActionDone {
  readonly record: PaymentRecord;
  readonly action: PaymentAction;
  /** Amazon's answer; absent when the action was already settled (nothing was sent). */
  readonly outcome?: AmazonOutcome;
  /** Amazon's message when it refused or declined. */
  readonly message: string | undefined;
}

type Begun = Outcome<{ record: PaymentRecord; action: PaymentAction }>;

export async function runAmazonAction(
  deps: PaymentDeps,
  spec: AmazonActionSpec,
): Promise<Outcome<AmazonActionDone>> {
  const link = await deps.amazonFor(spec.merchantId);
  if (link === undefined) return refused({ kind: "marketNotConfigured" });
  const { result: begun, committed } = await changePayment(
    deps,
    spec.merchantId,
    spec.payId,
    (record): Decision<Begun> => {
      if (record === undefined) return { result: refused({ kind: "paymentUnknown" }) };
      const result = spec.begin(record.payment, deps.newId());
      if (!result.ok) return { result: refusedByPayment(result.refusal, record.payment) };
      const next = { ...record, payment: result.payment };
      const answer: Begun = { ok: true, record: next, action: result.action };
      if (result.action.state !== "inFlight") return { result: answer };
      return {
        result: answer,
        change: {
          ...(result.resumed ? {} : { record: next }),
          ...(spec.reqId === undefined
            ? {}
            : {
                replay: {
                  merchantId: spec.merchantId,
                  reqId: spec.reqId,
                  page: result.action.kind,
                  payId: spec.payId,
                  xid: result.action.xid,
                },
              }),
          call: planCall(result.payment, result.action, spec.call(next, result.action)),
        },
      };
    },
  );
  if (!begun.ok) return begun;
  const planned = committed?.call;
  if (begun.action.state !== "inFlight" || planned === undefined) {
    return { ok: true, record: begun.record, action: begun.action, message: undefined };
  }
  const key = planned.idempotencyKey;
  let outcome: AmazonOutcome & { readonly message?: string };
  try {
    outcome = await (spec.send ?? sendPlanned)(begun.record, link, planned.call, key);
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
  const done = await applyOutcome(deps, spec.merchantId, spec.payId, begun.action.xid, outcome);
  if (!done.ok) return done;
  return { ...done, outcome, message: outcome.message };
}

function sendPlanned(_record: PaymentRecord, link: AmazonLink, call: AmazonCall, key: string) {
  return sendCall(link, call, key);
}

/** The aggregate's refusal as the step's. */
export function refusedByPayment(refusal: PaymentRefusal, payment: Payment) {
  return refused({ kind: "payment", refusal }, payment);
}

/** Applies an Amazon outcome to an action and commits the notifications its events cause. */
export async function applyOutcome(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
  xid: string,
  outcome: AmazonOutcome,
): Promise<Outcome<{ record: PaymentRecord; action: PaymentAction }>> {
  const { result } = await changePayment(
    deps,
    merchantId,
    payId,
    (record): Decision<Outcome<{ record: PaymentRecord; action: PaymentAction }>> => {
      if (record === undefined) return { result: refused({ kind: "paymentUnknown" }) };
      const applied = recordOutcome(record.payment, xid, outcome);
      if (!applied.ok) return { result: refusedByPayment(applied.refusal, record.payment) };
      // An outcome for an action already settled (a duplicate IPN) or still unknown changes
      // nothing: not even the version, so concurrent duplicates cannot disturb a step's commit.
      if (applied.payment === record.payment) return { result: { ok: true, record, action: applied.action } };
      const next = { ...record, payment: applied.payment };
      return {
        result: { ok: true, record: next, action: applied.action },
        change: { record: next, notifications: notificationsOf(next, applied.events) },
      };
    },
  );
  return result;
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

/**
 * An action whose Amazon call has an unknown outcome (planned or sent, no answer recorded) is
 * resumed: the call planned first is sent again with the same idempotency key, so Amazon answers
 * what it did the first time — or does it now, once. Anything else is handed back as is.
 */
export async function resumeCut(
  deps: PaymentDeps,
  record: PaymentRecord,
  action: PaymentAction,
  call: AmazonActionSpec["call"],
  send?: AmazonActionSpec["send"],
): Promise<Outcome<AmazonActionDone>> {
  if (action.state !== "inFlight") return { ok: true, record, action, message: undefined };
  return runAmazonAction(deps, {
    merchantId: record.payment.merchantId,
    payId: record.payment.payId,
    begin: resumeAction(action.xid),
    call,
    ...(send === undefined ? {} : { send }),
  });
}

/** The payment and action a ReqId named before, if it was seen. */
export async function replayOf(
  deps: PaymentDeps,
  merchantId: string,
  reqId: string | undefined,
): Promise<Outcome<{ record: PaymentRecord; action: PaymentAction }> | undefined> {
  if (reqId === undefined) return undefined;
  const seen = await deps.store.findReplay(merchantId, reqId);
  if (seen === undefined) return undefined;
  const record = await deps.store.load(merchantId, seen.payId);
  const action = record && findAction(record.payment, seen.xid);
  if (record === undefined || action === undefined) return refused({ kind: "inconsistent" });
  return { ok: true, record, action };
}
