/**
 * The worker's side of the URLNotify outbox (`notifications`, written by the flows in the
 * transaction of the state change): claim due rows with a lease and a token
 * (`FOR UPDATE SKIP LOCKED`, so several Kasse processes share the work and none sends a row
 * another holds), then record delivered, the next attempt, or failed — only while the lease is
 * still this claim's. Also the admin's view: list and resend.
 */
import { randomUUID } from "node:crypto";
import type { Database, Queryable } from "../store/database.js";

export interface DueNotification {
  readonly merchantId: string;
  readonly notificationId: number;
  readonly payId: string;
  readonly event: string;
  /** Attempts made so far, all time. */
  readonly attempts: number;
  /** Attempts since the last resend: the index into the retry schedule. */
  readonly retryIndex: number;
  readonly url: string;
  readonly body: string;
  /** This claim's token; an attempt is recorded only while it still holds the lease. */
  readonly leaseToken: string;
}

export async function claimDue(
  db: Database,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<DueNotification[]> {
  const leaseToken = randomUUID();
  return db.transaction(async (tx) => {
    const rows = await tx.query<{
      merchant_id: string;
      notification_id: number | string;
      pay_id: string;
      event: string;
      attempts: number;
      schedule_base: number;
      payload: { url: string; body: string } | string;
    }>(
      `SELECT merchant_id, notification_id, pay_id, event, attempts, schedule_base, payload FROM notifications
       WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
       ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    for (const row of rows) {
      await tx.query(
        `UPDATE notifications SET lease_until = $3, lease_token = $4, updated_at = $5
         WHERE merchant_id = $1 AND notification_id = $2`,
        [row.merchant_id, row.notification_id, now + leaseMs, leaseToken, now],
      );
    }
    return rows.map((row) => {
      const payload = typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload;
      return {
        merchantId: row.merchant_id,
        notificationId: Number(row.notification_id),
        payId: row.pay_id,
        event: row.event,
        attempts: row.attempts,
        retryIndex: row.attempts - row.schedule_base,
        url: payload.url,
        body: payload.body,
        leaseToken,
      };
    });
  });
}

/**
 * Records one attempt: delivered, retried at `nextAttemptAt`, or given up (`undefined`).
 * `false` when the lease was lost meanwhile (another claimant owns the row now).
 */
export async function recordAttempt(
  db: Queryable,
  notification: DueNotification,
  result: {
    readonly delivered: boolean;
    /** The shop's HTTP status, when it answered at all. */
    readonly httpStatus?: number;
    readonly error?: string;
    readonly nextAttemptAt?: number | undefined;
  },
  now: number,
): Promise<boolean> {
  const status = result.delivered ? "delivered" : result.nextAttemptAt === undefined ? "failed" : "pending";
  // The attempt with the shop's answer goes into notification_attempts (the payment timeline of
  // the JSON API) in the same statement: one round trip, and no attempt without its settlement.
  const rows = await db.query<{ attempts: number }>(
    `WITH settled AS (
       UPDATE notifications SET status = $3, attempts = attempts + 1, next_attempt_at = $4, lease_until = NULL,
         lease_token = NULL, last_error = $5, updated_at = $6
       WHERE merchant_id = $1 AND notification_id = $2 AND lease_token = $7 AND status = 'pending'
       RETURNING merchant_id, notification_id, attempts
     ), attempt AS (
       INSERT INTO notification_attempts (merchant_id, notification_id, attempt, delivered, http_status, error, attempted_at)
       SELECT merchant_id, notification_id, attempts, $8::boolean, $9::integer, $5, $6 FROM settled
       ON CONFLICT DO NOTHING
     )
     SELECT attempts FROM settled`,
    [
      notification.merchantId,
      notification.notificationId,
      status,
      result.nextAttemptAt ?? now,
      result.error ?? null,
      now,
      notification.leaseToken,
      result.delivered,
      result.httpStatus ?? null,
    ],
  );
  return rows[0] !== undefined;
}

/** A notification as the admin API shows it (no body: it is encrypted for the shop anyway). */
export interface NotificationView {
  readonly notificationId: number;
  readonly payId: string;
  readonly xid: string;
  readonly event: string;
  readonly url: string;
  readonly status: "pending" | "delivered" | "failed";
  readonly attempts: number;
  readonly lastError: string | null;
  /** ISO time of the next attempt; `null` once delivered or given up. */
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface ViewRow {
  notification_id: number | string;
  pay_id: string;
  xid: string;
  event: string;
  payload: { url: string } | string;
  status: NotificationView["status"];
  attempts: number;
  last_error: string | null;
  next_attempt_at: number | string;
  created_at: number | string;
  updated_at: number | string;
}

const VIEW_COLUMNS =
  "notification_id, pay_id, xid, event, payload, status, attempts, last_error, next_attempt_at, created_at, updated_at";

function viewOf(row: ViewRow): NotificationView {
  const payload = typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload;
  const iso = (value: number | string) => new Date(Number(value)).toISOString();
  return {
    notificationId: Number(row.notification_id),
    payId: row.pay_id,
    xid: row.xid,
    event: row.event,
    url: payload.url,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export interface NotificationFilter {
  readonly status?: NotificationView["status"];
  readonly payId?: string;
  /** Only notifications with a smaller id (paging newest first). */
  readonly before?: number;
  readonly limit: number;
}

/** A merchant's notifications, newest first. */
export async function listNotifications(
  db: Queryable,
  merchantId: string,
  filter: NotificationFilter,
): Promise<NotificationView[]> {
  const rows = await db.query<ViewRow>(
    `SELECT ${VIEW_COLUMNS} FROM notifications
     WHERE merchant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR pay_id = $3)
       AND ($4::bigint IS NULL OR notification_id < $4)
     ORDER BY notification_id DESC LIMIT $5`,
    [merchantId, filter.status ?? null, filter.payId ?? null, filter.before ?? null, filter.limit],
  );
  return rows.map(viewOf);
}

/**
 * Makes a notification due now with a fresh retry schedule, whatever its status (an operator's
 * explicit resend, e.g. after the shop fixed its endpoint). `undefined` for an unknown id.
 * A row leased by a worker right now keeps its lease: that worker's record wins, and the resend
 * is then due again.
 */
export async function resendNotification(
  db: Queryable,
  merchantId: string,
  notificationId: number,
  now: number,
): Promise<NotificationView | undefined> {
  const rows = await db.query<ViewRow>(
    `UPDATE notifications SET status = 'pending', next_attempt_at = $3, schedule_base = attempts,
       updated_at = $3
     WHERE merchant_id = $1 AND notification_id = $2
     RETURNING ${VIEW_COLUMNS}`,
    [merchantId, notificationId, now],
  );
  const row = rows[0];
  return row ? viewOf(row) : undefined;
}
