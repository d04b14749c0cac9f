/**
 * The worker's side of the URLNotify outbox (`notifications`, written by the flows in the
 * transaction of the state change): claim due rows with a lease (`FOR UPDATE SKIP LOCKED`, so
 * several Kasse instances share the work), then record delivered, or the next attempt, or failed.
 */
import type { Database } from "../store/database.js";

export interface DueNotification {
  readonly merchantId: string;
  readonly notificationId: number;
  readonly payId: string;
  readonly attempts: number;
  readonly url: string;
  readonly body: string;
}

export async function claimDue(
  db: Database,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<DueNotification[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{
      merchant_id: string;
      notification_id: number | string;
      pay_id: string;
      attempts: number;
      payload: { url: string; body: string } | string;
    }>(
      `SELECT merchant_id, notification_id, pay_id, attempts, payload FROM notifications
       WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
       ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    for (const row of rows) {
      await tx.query(
        "UPDATE notifications SET lease_until = $3, updated_at = $4 WHERE merchant_id = $1 AND notification_id = $2",
        [row.merchant_id, row.notification_id, now + leaseMs, now],
      );
    }
    return rows.map((row) => {
      const payload = typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload;
      return {
        merchantId: row.merchant_id,
        notificationId: Number(row.notification_id),
        payId: row.pay_id,
        attempts: row.attempts,
        url: payload.url,
        body: payload.body,
      };
    });
  });
}

/** Records one attempt: delivered, retried at `nextAttemptAt`, or given up (`undefined`). */
export async function recordAttempt(
  db: Database,
  notification: DueNotification,
  result: {
    readonly delivered: boolean;
    readonly error?: string;
    readonly nextAttemptAt?: number | undefined;
  },
  now: number,
): Promise<void> {
  const status = result.delivered ? "delivered" : result.nextAttemptAt === undefined ? "failed" : "pending";
  await db.query(
    `UPDATE notifications SET status = $3, attempts = attempts + 1, next_attempt_at = $4, lease_until = NULL,
       last_error = $5, updated_at = $6
     WHERE merchant_id = $1 AND notification_id = $2`,
    [
      notification.merchantId,
      notification.notificationId,
      status,
      result.nextAttemptAt ?? now,
      result.error ?? null,
      now,
    ],
  );
}
