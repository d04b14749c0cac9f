/**
 * Settling what Amazon finishes later (reference amazon-pay-v2.md §5.3–§5.4, paygate-protocol.md
 * §5.5–§5.7, §5.11): a pending authorisation (`AuthorizationInitiated`), a capture
 * (`CaptureInitiated`, also the capture of `AuthorizeWithCapture`) and a refund
 * (`RefundInitiated`). Amazon is asked for the object's current state — an IPN only says that
 * something changed, never what (§10) — and the answer goes through the aggregate's
 * `recordOutcome`, which ignores outcomes for actions already settled. So IPNs, duplicated or out
 * of order, the reconciliation job and `inquire.aspx` can all call this at any time: each final
 * state is recorded once and its notify (completion, CaptureNotification, CreditNotification)
 * queued once, in the same transaction.
 */
import type { Charge } from "../../amazon/wire.js";
import {
  type AmazonOutcome,
  type PaymentAction,
  type PaymentEvent,
  recordChargeCanceled,
} from "../../core/payment.js";
import type { CheckoutValues } from "../../paygate/pages/checkout-answer.js";
import type { PaygateMerchant } from "../../paygate/pages/receive.js";
import { actionNotifies, resumeIfCut } from "./actions.js";
import { outcomeOfCharge, outcomeOfRefund } from "./amazon-outcome.js";
import { completionNotifies } from "./buyer-return.js";
import type { FlowDeps, NotifyRow, PaymentRecord } from "./ports.js";
import { recurringNotifies, resumeRecurringCharge } from "./recurring-charge.js";
import { answerContextOf, applyOutcome, transact } from "./support.js";

/** What a settlement run did: state changes recorded, and whether Amazon still has work open. */
export interface Settlement {
  readonly applied: number;
  readonly stillPending: boolean;
}

const NOTHING: Settlement = { applied: 0, stillPending: false };

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
export async function settlePendingActions(
  deps: FlowDeps,
  merchantId: string,
  payId: string,
  options: { readonly chargeChanged?: boolean } = {},
): Promise<Settlement> {
  const record = await deps.store.load(deps.db, merchantId, payId);
  if (record === undefined) return NOTHING;
  const chargeId = record.payment.amazon.chargeId;
  const pending = record.payment.actions.filter(
    (a) => a.state === "pending" && (a.kind !== "credit" || a.amazonId !== undefined),
  );
  if (pending.length === 0 && !(options.chargeChanged && record.payment.status === "Authorized")) {
    return NOTHING;
  }
  const [link, merchant] = await Promise.all([deps.amazonFor(merchantId), deps.findMerchant(merchantId)]);
  if (link === undefined || merchant === undefined || chargeId === undefined) return NOTHING;

  let charge: Charge | undefined;
  const readCharge = async () => {
    charge ??= (await link.client.getCharge(chargeId)).body;
    return charge;
  };
  let applied = 0;
  let stillPending = false;
  for (const action of pending) {
    const outcome =
      action.kind === "credit"
        ? outcomeOfRefund((await link.client.getRefund(action.amazonId as string)).body)
        : outcomeOfCharge(await readCharge());
    if (stillOpen(action, record, outcome)) {
      stillPending = true;
      continue;
    }
    // An RTF=R charge has no buyer data; its notify is the RecurringNotification.
    const details =
      action.kind === "complete" && record.payment.checkoutMode !== "MerchantInitiated"
        ? checkoutDetails(record)
        : {};
    const done = await applyOutcome(deps, merchantId, payId, action.xid, outcome, (current, events) =>
      paymentNotifies(merchant, current, events, details),
    );
    if (done.ok) applied += 1;
    if (done.ok && done.action.state === "pending") stillPending = true;
  }
  if (pending.length === 0 && (await readCharge()).statusDetails.state === "Canceled") {
    applied += await recordAmazonCancel(
      deps,
      merchant,
      record,
      (await readCharge()).statusDetails.reasonCode,
    );
  }
  return { applied, stillPending };
}

/** The Amazon calls the reconciliation job resumes when their outcome stays unknown. */
export const RESUMABLE_OPERATIONS: readonly string[] = [
  "captureCharge",
  "createRefund",
  "cancelCharge",
  "createCharge",
];

/**
 * Resumes the action `xid` if its Amazon call is cut (same stored request, same key): capture,
 * credit, reverse and RTF=R charges. A buyer's completion is resumed by the buyer's reload only
 * (docs/async.md). Hands back the action's state afterwards; undefined when there is none.
 */
export async function resumeCutAction(
  deps: FlowDeps,
  merchantId: string,
  payId: string,
  xid: string,
): Promise<PaymentAction | undefined> {
  const [merchant, record] = await Promise.all([
    deps.findMerchant(merchantId),
    deps.store.load(deps.db, merchantId, payId),
  ]);
  const action = record?.payment.actions.find((candidate) => candidate.xid === xid);
  if (merchant === undefined || record === undefined || action === undefined) return undefined;
  const done =
    action.kind === "complete"
      ? record.payment.checkoutMode === "MerchantInitiated"
        ? await resumeRecurringCharge(deps, merchant, record, action)
        : undefined
      : await resumeIfCut(deps, merchant, record, action);
  return done?.ok ? done.action : action;
}

/**
 * The buyer's data for a completion notify, kept when the completion went pending (Amazon's
 * session no longer shows the redirect URL after completion). Not kept yet: the completing
 * request is still recording it — this settlement is retried (IPN redelivery, reconciliation).
 */
function checkoutDetails(record: PaymentRecord): CheckoutValues {
  const details = record.context.completionDetails;
  if (details === undefined) {
    throw new Error(`payment ${record.payment.payId}: completion data not recorded yet`);
  }
  return details;
}

/** Amazon cancelled an unused authorisation (30 days, AmazonCanceled; §5.3). */
async function recordAmazonCancel(
  deps: FlowDeps,
  merchant: PaygateMerchant,
  record: PaymentRecord,
  reasonCode: string | null,
): Promise<number> {
  const changed = await transact(deps, async (tx) => {
    const current = await deps.store.load(tx, record.payment.merchantId, record.payment.payId, true);
    if (current === undefined) return false;
    const result = recordChargeCanceled(current.payment, deps.newId(), reasonCode ?? "AmazonCanceled");
    if (!result.ok) return false;
    const next = { ...current, payment: result.payment };
    await deps.store.save(tx, next);
    for (const row of paymentNotifies(merchant, next, result.events)) await deps.store.enqueueNotify(tx, row);
    return true;
  });
  if (changed) deps.notified();
  return changed ? 1 : 0;
}

/**
 * Completion, capture and credit notifies of the events (recurring notifies for an RTF=R
 * payment). Pure: it runs inside the transaction. `details` default to the buyer data kept with
 * the payment (a completion ended by a reverse or Amazon's cancel).
 */
export function paymentNotifies(
  merchant: PaygateMerchant,
  record: PaymentRecord,
  events: readonly PaymentEvent[],
  details: CheckoutValues = record.context.completionDetails ?? {},
): NotifyRow[] {
  if (record.payment.checkoutMode === "MerchantInitiated") return recurringNotifies(merchant, record, events);
  return [
    ...completionNotifies(answerContextOf(merchant, record), record, events, details),
    ...actionNotifies(merchant, record, events),
  ];
}
