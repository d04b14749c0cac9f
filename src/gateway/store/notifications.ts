/**
 * The URLNotify outbox (DESIGN principle 4): a notification is written in the same transaction
 * as the state change that causes it, and delivered later by a worker. One row per
 * (payment, XID, event): a duplicated Amazon IPN cannot notify the shop twice.
 */
import type { PaymentEvent } from "../../core/payment.js";
import type { Queryable } from "../../store/database.js";

export interface NotificationRecord {
  readonly merchantId: string;
  readonly notificationId: number;
  readonly payId: string;
  readonly xid: string;
  readonly event: PaymentEvent["type"];
  /** What the notify is built from (the answer fields at the time of the event). */
  readonly payload: Record<string, unknown>;
  readonly status: "pending" | "delivered" | "failed";
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

export interface NotificationToEnqueue {
  readonly merchantId: string;
  readonly payId: string;
  /** A payment's event, or a subscription's `dunning` (src/gateway/subscriptions/). */
  readonly event: Pick<PaymentEvent, "xid"> & { readonly type: PaymentEvent["type"] | "dunning" };
  readonly payload: Record<string, unknown>;
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

/** A payment's notifications in the order they were written. */
export async function notificationsOfPayment(
  db: Queryable,
  merchantId: string,
  payId: string,
): Promise<NotificationRecord[]> {
  const rows = await db.query<{
    merchant_id: string;
    notification_id: number | string;
    pay_id: string;
    xid: string;
    event: PaymentEvent["type"];
    payload: Record<string, unknown> | string;
    status: NotificationRecord["status"];
    attempts: number;
    next_attempt_at: number | string;
  }>(
    `SELECT merchant_id, notification_id, pay_id, xid, event, payload, status, attempts, next_attempt_at
     FROM notifications WHERE merchant_id = $1 AND pay_id = $2 ORDER BY notification_id`,
    [merchantId, payId],
  );
  return rows.map((row) => ({
    merchantId: row.merchant_id,
    notificationId: Number(row.notification_id),
    payId: row.pay_id,
    xid: row.xid,
    event: row.event,
    payload: typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
  }));
}
