/**
 * Settling what Amazon finishes later (reference amazon-pay-v2.md §5.3–§5.4, paygate-protocol.md
 * §5.5–§5.7, §5.11): a pending authorisation (`AuthorizationInitiated`), a capture
 * (`CaptureInitiated`, also the capture of `AuthorizeWithCapture`) and a refund
 * (`RefundInitiated`). Amazon is asked for the object's current state — an IPN only says that
 * something changed, never what (§10) — and the answer goes through the aggregate's
 * `recordOutcome`, which ignores outcomes for actions already settled. So IPNs, duplicated or out
 * of order, the reconciliation job and inquire can all call this at any time: each final state
 * is recorded once and its notification committed once, with it.
 */
import type { Charge } from "../amazon/wire.js";
import { type AmazonOutcome, type PaymentAction, recordChargeCanceled } from "../core/payment.js";
import { applyOutcome } from "./amazon-action.js";
import { outcomeOfCharge, outcomeOfRefund } from "./amazon-outcome.js";
import { changePayment, notificationsOf } from "./commit.js";
import type { PaymentDeps, PaymentRecord } from "./ports.js";
import { resumeIfCut } from "./resume.js";

/** What a settlement run did: state changes recorded, and whether Amazon still has work open. */
export interface Settlement {
  readonly applied: number;
  readonly stillPending: boolean;
}

const NOTHING: Settlement = { applied: 0, stillPending: false };

/**
 * A pending completion's buyer details are not kept yet: the completing request is still
 * recording them. The settlement is tried again (IPN redelivery, reconciliation).
 */
export class BuyerDetailsNotKeptError extends Error {
  override name = "BuyerDetailsNotKeptError";
  constructor(readonly payId: string) {
    super(`payment ${payId}: completion data not recorded yet`);
  }
}

/** Outcomes that leave a pending action where it is (Amazon has not decided yet). */
function stillOpen(action: PaymentAction, record: PaymentRecord, outcome: AmazonOutcome): boolean {
  switch (outcome.kind) {
    case "authorizationPending":
    case "refundPending":
      return true;
    case "capturePending":
      // A pending authorisation of AuthorizeWithCapture that became CaptureInitiated has moved on.
      return action.kind === "capture" || record.payment.status === "CapturePending";
    default:
      return false;
  }
}

/**
 * Asks Amazon about the payment's pending actions and records those it has decided. Also notices
 * an authorisation Amazon cancelled on its own (30 days unused, AmazonCanceled) when
 * `chargeChanged` says Amazon reported a change of the charge.
 */
export async function settlePending(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
  options: {
    readonly chargeChanged?: boolean;
    /** The payment as the caller just read it (the IPN intake's lookup); else it is loaded here. */
    readonly loaded?: PaymentRecord;
  } = {},
): Promise<Settlement> {
  const pendingOf = (record: PaymentRecord) =>
    record.payment.actions.filter(
      (a) => a.state === "pending" && (a.kind !== "credit" || a.amazonId !== undefined),
    );
  const asksAmazon = (record: PaymentRecord) =>
    pendingOf(record).length > 0 ||
    (options.chargeChanged === true && record.payment.status === "Authorized");
  let record = options.loaded ?? (await deps.store.load(merchantId, payId));
  if (record === undefined || !asksAmazon(record)) return NOTHING;
  // Before asking Amazon, a payment the caller read earlier is read again: the flow whose change
  // caused the IPN has usually recorded Amazon's answer itself meanwhile (on PostgreSQL, without
  // this read, 0.45 more Get Charge calls per payment asked about answers already kept).
  if (options.loaded !== undefined) {
    record = await deps.store.load(merchantId, payId);
    if (record === undefined || !asksAmazon(record)) return NOTHING;
  }
  const chargeId = record.payment.amazon.chargeId;
  const pending = pendingOf(record);
  const link = await deps.amazonFor(merchantId);
  if (link === undefined || chargeId === undefined) return NOTHING;

  let charge: Charge | undefined;
  const readCharge = async () => {
    charge ??= (await link.client.getCharge(chargeId)).body;
    return charge;
  };
  let applied = 0;
  let stillPending = false;
  for (const action of pending) {
    const outcome =
      action.kind === "credit" && action.amazonId !== undefined
        ? outcomeOfRefund((await link.client.getRefund(action.amazonId)).body)
        : outcomeOfCharge(await readCharge());
    if (stillOpen(action, record, outcome)) {
      stillPending = true;
      continue;
    }
    // A checkout's completion notification carries the buyer's details (an RTF=R charge has none).
    const needsBuyer = action.kind === "complete" && record.payment.checkoutMode !== "MerchantInitiated";
    if (needsBuyer && record.context.buyer === undefined) throw new BuyerDetailsNotKeptError(payId);
    const done = await applyOutcome(deps, merchantId, payId, action.xid, outcome);
    if (done.ok) applied += 1;
    if (done.ok && done.action.state === "pending") stillPending = true;
  }
  if (pending.length === 0 && (await readCharge()).statusDetails.state === "Canceled") {
    applied += await recordAmazonCancel(deps, record, (await readCharge()).statusDetails.reasonCode);
  }
  return { applied, stillPending };
}

/** Amazon cancelled an unused authorisation (30 days, AmazonCanceled; §5.3). */
async function recordAmazonCancel(
  deps: PaymentDeps,
  record: PaymentRecord,
  reasonCode: string | null,
): Promise<number> {
  const { result } = await changePayment(deps, record.payment.merchantId, record.payment.payId, (current) => {
    if (current === undefined) return { result: 0 };
    const canceled = recordChargeCanceled(current.payment, deps.newId(), reasonCode ?? "AmazonCanceled");
    if (!canceled.ok) return { result: 0 };
    const next = { ...current, payment: canceled.payment };
    return { result: 1, change: { record: next, notifications: notificationsOf(next, canceled.events) } };
  });
  return result;
}

/**
 * Resumes the action `xid` if its Amazon call is cut (same stored request, same key). Hands back
 * the action's state afterwards; `undefined` when there is none.
 */
export async function resumeCutAction(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
  xid: string,
): Promise<PaymentAction | undefined> {
  const record = await deps.store.load(merchantId, payId);
  const action = record?.payment.actions.find((candidate) => candidate.xid === xid);
  if (record === undefined || action === undefined) return undefined;
  const done = await resumeIfCut(deps, record, action);
  return done.ok ? done.action : action;
}
