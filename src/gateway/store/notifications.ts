/**
 * The URLNotify outbox (DESIGN principle 4): a notification is written in the same transaction
 * as the state change that causes it, and delivered later by a worker. One row per
 * (payment, XID, event): a duplicated Amazon IPN cannot notify the shop twice.
 */
import type { PaymentEvent } from "../../core/payment.js";
import type { Queryable } from "../../store/database.js";

export interface NotificationToEnqueue {
  readonly merchantId: string;
  readonly payId: string;
  /** A payment's event, or a subscription's `dunning` (src/gateway/subscriptions/). */
  readonly event: Pick<PaymentEvent, "xid"> & { readonly type: PaymentEvent["type"] | "dunning" };
  readonly payload: Record<string, unknown>;
}

/**
 * Whether the payment's first notification (the lowest id: its completion, or an RTF=R charge's)
 * is still unanswered — pending or given up. A payment without notifications has nothing to answer.
 */
export async function firstNotifyUnanswered(
  db: Queryable,
  merchantId: string,
  payId: string,
): Promise<boolean> {
  const rows = await db.query<{ status: string }>(
    `SELECT status FROM notifications WHERE merchant_id = $1 AND pay_id = $2
     ORDER BY notification_id LIMIT 1`,
    [merchantId, payId],
  );
  return rows[0] !== undefined && rows[0].status !== "delivered";
}

/** Enqueues a notification, due at once; `false` when that (payment, XID, event) was enqueued before. */
export async function enqueueNotification(
  db: Queryable,
  notification: NotificationToEnqueue,
  now: number,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO notifications (merchant_id, pay_id, xid, event, payload, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
     ON CONFLICT (merchant_id, pay_id, xid, event) DO NOTHING RETURNING notification_id`,
    [
      notification.merchantId,
      notification.payId,
      notification.event.xid,
      notification.event.type,
      JSON.stringify(notification.payload),
      now,
    ],
  );
  return rows.length > 0;
}
