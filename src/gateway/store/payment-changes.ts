/**
 * One state change of a payment, written at once: the payment (new, or over the version it was
 * read at), the Amazon call it plans, the ReqId it claims and the notifications its events
 * cause — all in the caller's transaction, so none of them exists without the others. The one
 * storage path of the payment steps (payment-store.ts `commit`).
 */
import type { Payment } from "../../core/payment.js";
import { enqueueWebhook, type WebhookToEnqueue } from "../../notify/webhook-outbox.js";
import { ReqIdReplayError } from "../../payments/ports.js";
import type { Queryable } from "../../store/database.js";
import { enqueueNotification, type NotificationToEnqueue } from "./notifications.js";
import { finishOperation, type OperationRecord, type PlannedOperation, planOperation } from "./operations.js";
import { insertPayment, type StoredPayment, savePayment } from "./payments.js";
import { claimReqId, type ReqIdClaim } from "./req-ids.js";

export interface PaymentChange {
  /** The payment as it was loaded; omitted for a new payment. */
  readonly stored?: Pick<StoredPayment, "version">;
  /** The changed payment; omitted when only the call, the claim or notifications are new. */
  readonly payment?: Payment;
  /** Replaces the stored context; omitted keeps it (a new payment starts with `{}`). */
  readonly context?: Record<string, unknown>;
  readonly operation?: PlannedOperation;
  readonly reqId?: ReqIdClaim;
  readonly notifications?: readonly NotificationToEnqueue[];
  /** The JSON API door's webhook deliveries of the same events (one per endpoint). */
  readonly webhooks?: readonly WebhookToEnqueue[];
  /** How an earlier planned call ended (the outcome this change records came from it). */
  readonly finished?: {
    readonly merchantId: string;
    readonly idempotencyKey: string;
    readonly state: "succeeded" | "failed" | "unknown";
    readonly reasonCode?: string | undefined;
  };
}

export interface CommittedChange {
  readonly version: number;
  /** The planned Amazon call (for a resumed action: the row planned the first time). */
  readonly operation?: OperationRecord;
}

/** The ReqId was used before: answer from `record`; everything this change wrote rolls back. */
export { ReqIdReplayError };

/**
 * Writes the change; call inside `db.transaction`. Throws `ConcurrentUpdateError` when another
 * process saved the payment first and {@link ReqIdReplayError} when the ReqId is taken; either
 * way the transaction must roll back (it does when the error leaves `transaction`'s callback).
 */
export async function commitPaymentChange(
  tx: Queryable,
  change: PaymentChange,
  now: number,
): Promise<CommittedChange> {
  // The ReqId first: a replay must not write anything else.
  if (change.reqId) {
    const earlier = await claimReqId(tx, change.reqId, now);
    if (earlier) throw new ReqIdReplayError(earlier);
  }
  const version =
    change.payment === undefined
      ? (change.stored?.version ?? 0)
      : change.stored
        ? await savePayment(tx, change.payment, change.stored.version, now, change.context)
        : (await insertPayment(tx, change.payment, change.context ?? {}, now)).version;
  const operation = change.operation ? await planOperation(tx, change.operation, now) : undefined;
  for (const notification of change.notifications ?? []) await enqueueNotification(tx, notification, now);
  for (const webhook of change.webhooks ?? []) await enqueueWebhook(tx, webhook, now);
  const { finished } = change;
  if (finished !== undefined) {
    await finishOperation(
      tx,
      finished.merchantId,
      finished.idempotencyKey,
      {
        state: finished.state,
        ...(finished.reasonCode === undefined ? {} : { reasonCode: finished.reasonCode }),
      },
      now,
    );
  }
  return { version, ...(operation ? { operation } : {}) };
}
