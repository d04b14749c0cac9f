/**
 * The reconciliation schedule of payments with pending Amazon outcomes (`payments.settle_next_at`,
 * `settle_attempts`): which are due, and when Amazon is asked next. These writes never touch the
 * payment's `version`: they are the job's bookkeeping, not a state change, so they cannot make a
 * flow's save fail.
 */
import type { Database, Queryable } from "../../store/database.js";

/** What counts as unsettled: the states Amazon decides later (docs/async.md). */
const UNSETTLED = "(credit_pending > 0 OR status IN ('AuthorizationPending', 'CapturePending'))";

export interface DueSettlement {
  readonly merchantId: string;
  readonly payId: string;
  readonly attempts: number;
}

/**
 * Claims up to `limit` unsettled payments whose next check is due and pushes each one's next
 * check out by `delayOf(attempts)` in the same transaction, so other processes skip them
 * (`FOR UPDATE SKIP LOCKED`) and a restart continues from the stored time. A payment never
 * checked is due `firstDelayMs` after its last change (an IPN usually comes first).
 */
export async function claimDueSettlements(
  db: Database,
  now: number,
  firstDelayMs: number,
  delayOf: (attempts: number) => number,
  limit: number,
): Promise<DueSettlement[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ merchant_id: string; pay_id: string; settle_attempts: number }>(
      `SELECT merchant_id, pay_id, settle_attempts FROM payments
       WHERE ${UNSETTLED} AND COALESCE(settle_next_at, updated_at + $2) <= $1
       ORDER BY COALESCE(settle_next_at, updated_at + $2) LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [now, firstDelayMs, limit],
    );
    for (const row of rows) {
      await tx.query(
        `UPDATE payments SET settle_next_at = $3, settle_attempts = settle_attempts + 1
         WHERE merchant_id = $1 AND pay_id = $2`,
        [row.merchant_id, row.pay_id, now + delayOf(row.settle_attempts + 1)],
      );
    }
    return rows.map((row) => ({
      merchantId: row.merchant_id,
      payId: row.pay_id,
      attempts: row.settle_attempts + 1,
    }));
  });
}

/** Starts the backoff afresh (something settled; what is still pending is newer). */
export async function resetSettlementSchedule(
  db: Queryable,
  merchantId: string,
  payId: string,
): Promise<void> {
  await db.query(
    "UPDATE payments SET settle_next_at = NULL, settle_attempts = 0 WHERE merchant_id = $1 AND pay_id = $2",
    [merchantId, payId],
  );
}
