/**
 * Subscriptions in the store (`subscriptions`, migration 004). Every function takes the merchant
 * id, except the worker's claim of due rows, which crosses merchants on purpose (like the
 * notification claim) and takes them with `FOR UPDATE SKIP LOCKED` so several Kasse processes
 * share the work and none charges a row another one holds.
 */
import type { FrequencyUnit, NextStep } from "../../core/recurring.js";
import type { Database, Queryable } from "../../store/database.js";

export type SubscriptionStatus = "active" | "paused" | "canceled";

export interface Subscription {
  readonly merchantId: string;
  readonly subscriptionId: string;
  readonly chargePermissionId: string;
  readonly amount: number;
  readonly currency: string;
  readonly countryCode: string;
  readonly txType: "Authorize" | "AuthorizeWithCapture";
  readonly interval: { readonly unit: Exclude<FrequencyUnit, "Variable">; readonly value: number };
  readonly firstDueAt: number;
  readonly retryDelaysMs: readonly number[];
  readonly notifyUrl: string;
  /** Sandbox/emulator only: Amazon's simulation code for every due charge (to try dunning). */
  readonly simulationCode?: string | undefined;
  readonly status: SubscriptionStatus;
  readonly cycle: number;
  readonly attempt: number;
  /** `attempt` at the last resume (core/recurring.ts `SubscriptionCursor`). */
  readonly attemptBase: number;
  readonly nextAttemptAt: number;
  readonly pausedReason?: string | undefined;
  readonly lastPayId?: string | undefined;
  readonly lastResult?: string | undefined;
  readonly lastReasonCode?: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface Row {
  merchant_id: string;
  subscription_id: string;
  charge_permission_id: string;
  amount: number | string;
  currency: string;
  country_code: string;
  tx_type: Subscription["txType"];
  interval_unit: Subscription["interval"]["unit"];
  interval_value: number;
  first_due_at: number | string;
  retry_delays_ms: number[] | string;
  notify_url: string;
  simulation_code: string | null;
  status: SubscriptionStatus;
  cycle: number;
  attempt: number;
  attempt_base: number;
  next_attempt_at: number | string;
  paused_reason: string | null;
  last_pay_id: string | null;
  last_result: string | null;
  last_reason_code: string | null;
  created_at: number | string;
  updated_at: number | string;
}

const COLUMNS = `merchant_id, subscription_id, charge_permission_id, amount, currency, country_code, tx_type,
  interval_unit, interval_value, first_due_at, retry_delays_ms, notify_url, simulation_code, status, cycle, attempt,
  attempt_base, next_attempt_at, paused_reason, last_pay_id, last_result, last_reason_code, created_at, updated_at`;

function subscriptionOf(row: Row): Subscription {
  const optional = (value: string | null) => value ?? undefined;
  return {
    merchantId: row.merchant_id,
    subscriptionId: row.subscription_id,
    chargePermissionId: row.charge_permission_id,
    amount: Number(row.amount),
    currency: row.currency,
    countryCode: row.country_code,
    txType: row.tx_type,
    interval: { unit: row.interval_unit, value: row.interval_value },
    firstDueAt: Number(row.first_due_at),
    retryDelaysMs:
      typeof row.retry_delays_ms === "string" ? JSON.parse(row.retry_delays_ms) : row.retry_delays_ms,
    notifyUrl: row.notify_url,
    simulationCode: optional(row.simulation_code),
    status: row.status,
    cycle: row.cycle,
    attempt: row.attempt,
    attemptBase: row.attempt_base,
    nextAttemptAt: Number(row.next_attempt_at),
    pausedReason: optional(row.paused_reason),
    lastPayId: optional(row.last_pay_id),
    lastResult: optional(row.last_result),
    lastReasonCode: optional(row.last_reason_code),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export type NewSubscription = Omit<
  Subscription,
  "status" | "cycle" | "attempt" | "attemptBase" | "nextAttemptAt" | "createdAt" | "updatedAt"
>;

export async function insertSubscription(
  q: Queryable,
  subscription: NewSubscription,
  now: number,
): Promise<Subscription> {
  const rows = await q.query<Row>(
    `INSERT INTO subscriptions (merchant_id, subscription_id, charge_permission_id, amount, currency, country_code,
       tx_type, interval_unit, interval_value, first_due_at, retry_delays_ms, notify_url, simulation_code, status,
       next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, 'active', $10, $13, $13)
     RETURNING ${COLUMNS}`,
    [
      subscription.merchantId,
      subscription.subscriptionId,
      subscription.chargePermissionId,
      subscription.amount,
      subscription.currency,
      subscription.countryCode,
      subscription.txType,
      subscription.interval.unit,
      subscription.interval.value,
      subscription.firstDueAt,
      JSON.stringify(subscription.retryDelaysMs),
      subscription.notifyUrl,
      now,
      subscription.simulationCode ?? null,
    ],
  );
  return subscriptionOf(rows[0] as Row);
}

export async function findSubscription(
  q: Queryable,
  merchantId: string,
  subscriptionId: string,
): Promise<Subscription | undefined> {
  const rows = await q.query<Row>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE merchant_id = $1 AND subscription_id = $2`,
    [merchantId, subscriptionId],
  );
  return rows[0] === undefined ? undefined : subscriptionOf(rows[0]);
}

export async function listSubscriptions(q: Queryable, merchantId: string): Promise<Subscription[]> {
  const rows = await q.query<Row>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE merchant_id = $1 ORDER BY created_at, subscription_id`,
    [merchantId],
  );
  return rows.map(subscriptionOf);
}

/**
 * Cancels (`canceled`, final) or resumes (`active` again, due at `now`, the failed cycle charged
 * afresh with the whole retry policy) a subscription; `undefined` when there is none or it is
 * canceled already.
 */
export async function setSubscriptionStatus(
  q: Queryable,
  merchantId: string,
  subscriptionId: string,
  status: "active" | "canceled",
  now: number,
): Promise<Subscription | undefined> {
  const rows = await q.query<Row>(
    `UPDATE subscriptions SET status = $3, updated_at = $4, lease_until = NULL,
       paused_reason = CASE WHEN $3 = 'active' THEN NULL ELSE paused_reason END,
       attempt_base = CASE WHEN $3 = 'active' AND status = 'paused' THEN attempt ELSE attempt_base END,
       next_attempt_at = CASE WHEN $3 = 'active' AND status = 'paused' THEN $4 ELSE next_attempt_at END
     WHERE merchant_id = $1 AND subscription_id = $2 AND status <> 'canceled'
     RETURNING ${COLUMNS}`,
    [merchantId, subscriptionId, status, now],
  );
  return rows[0] === undefined ? undefined : subscriptionOf(rows[0]);
}

/** The merchant closed the permission: its subscriptions end with it. */
export async function cancelSubscriptionsOfPermission(
  q: Queryable,
  merchantId: string,
  chargePermissionId: string,
  now: number,
): Promise<number> {
  const rows = await q.query(
    `UPDATE subscriptions SET status = 'canceled', updated_at = $3, lease_until = NULL
     WHERE merchant_id = $1 AND charge_permission_id = $2 AND status <> 'canceled' RETURNING subscription_id`,
    [merchantId, chargePermissionId, now],
  );
  return rows.length;
}

/** Active subscriptions due at `now` and not held by another worker, leased for `leaseMs`. */
export async function claimDueSubscriptions(
  q: Database,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<Subscription[]> {
  return q.transaction(async (tx) => {
    const rows = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM subscriptions
       WHERE status = 'active' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
       ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    for (const row of rows) {
      await tx.query(
        "UPDATE subscriptions SET lease_until = $3 WHERE merchant_id = $1 AND subscription_id = $2",
        [row.merchant_id, row.subscription_id, now + leaseMs],
      );
    }
    return rows.map(subscriptionOf);
  });
}

/**
 * Records an attempt's result and the next step, only if the subscription is still at the cycle
 * and attempt that was charged (a cancel or a faster worker meanwhile wins); `false` otherwise.
 */
export async function recordAttempt(
  tx: Queryable,
  subscription: Subscription,
  step: NextStep,
  last: {
    readonly payId: string | undefined;
    readonly result: string;
    readonly reasonCode: string | undefined;
  },
  now: number,
): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE subscriptions SET status = $5, cycle = $6, attempt = $7, next_attempt_at = $8, paused_reason = $9,
       attempt_base = CASE WHEN cycle = $6 THEN attempt_base ELSE 0 END,
       last_pay_id = COALESCE($10, last_pay_id), last_result = $11, last_reason_code = $12, lease_until = NULL,
       updated_at = $13
     WHERE merchant_id = $1 AND subscription_id = $2 AND cycle = $3 AND attempt = $4 AND status = 'active'
     RETURNING subscription_id`,
    [
      subscription.merchantId,
      subscription.subscriptionId,
      subscription.cycle,
      subscription.attempt,
      step.status,
      step.cycle,
      step.attempt,
      step.status === "active" ? step.nextAttemptAt : subscription.nextAttemptAt,
      step.status === "paused" ? step.reason : null,
      last.payId ?? null,
      last.result,
      last.reasonCode ?? null,
      now,
    ],
  );
  return rows.length > 0;
}

/** The merchant's subscriptions on a permission that are not canceled. */
export async function subscriptionsOfPermission(
  q: Queryable,
  merchantId: string,
  chargePermissionId: string,
): Promise<Subscription[]> {
  const rows = await q.query<Row>(
    `SELECT ${COLUMNS} FROM subscriptions
     WHERE merchant_id = $1 AND charge_permission_id = $2 AND status <> 'canceled' ORDER BY created_at`,
    [merchantId, chargePermissionId],
  );
  return rows.map(subscriptionOf);
}

/** Pauses an active subscription outside a charge (its permission closed); `false` if it was not active. */
export async function pauseSubscription(
  tx: Queryable,
  subscription: Subscription,
  reason: string,
  now: number,
): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE subscriptions SET status = 'paused', paused_reason = $3, lease_until = NULL, updated_at = $4
     WHERE merchant_id = $1 AND subscription_id = $2 AND status = 'active' RETURNING subscription_id`,
    [subscription.merchantId, subscription.subscriptionId, reason, now],
  );
  return rows.length > 0;
}
