/**
 * One row per money-moving Amazon call (DESIGN principle 4): planned — with its idempotency key —
 * in the same transaction that puts the action in flight, before the call; then sent, and
 * finally succeeded, failed or unknown. A retry or a restart finds the row and reuses its key.
 */
import type { Database, Queryable } from "../../store/database.js";

export type OperationState = "planned" | "sent" | "succeeded" | "failed" | "unknown";

export interface OperationRecord {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly payId: string;
  readonly xid: string;
  readonly sequence: number;
  /** The aggregate's action kind (`capture`, `credit`, …). */
  readonly action: string;
  /** The client method, e.g. `captureCharge`. */
  readonly amazonOperation: string;
  /** What is sent to Amazon (path ids and body), so a retry after a restart sends the same. */
  readonly request: unknown;
  readonly state: OperationState;
  readonly attempts: number;
  readonly response?: unknown;
  readonly reasonCode?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the reconciliation job tries the call next (unknown outcomes only). */
  readonly nextAttemptAt?: number;
  /** When the job gave up after its last try; an operator resumes it by hand. */
  readonly givenUpAt?: number;
}

export type PlannedOperation = Pick<
  OperationRecord,
  "merchantId" | "idempotencyKey" | "payId" | "xid" | "sequence" | "action" | "amazonOperation" | "request"
>;

interface OperationRow {
  merchant_id: string;
  idempotency_key: string;
  pay_id: string;
  xid: string;
  sequence: number;
  action: string;
  amazon_operation: string;
  request: unknown;
  state: OperationState;
  attempts: number;
  response: unknown;
  reason_code: string | null;
  created_at: number | string;
  updated_at: number | string;
  next_attempt_at: number | string | null;
  given_up_at: number | string | null;
}

const COLUMNS = `merchant_id, idempotency_key, pay_id, xid, sequence, action, amazon_operation, request, state,
  attempts, response, reason_code, created_at, updated_at, next_attempt_at, given_up_at`;

const OPEN = "state IN ('planned', 'sent', 'unknown')";

/**
 * Records the call before it is made. When the key is already recorded (a resumed action), the
 * stored row is returned unchanged: its request is what must be sent again.
 */
export async function planOperation(
  db: Queryable,
  planned: PlannedOperation,
  now: number,
): Promise<OperationRecord> {
  const inserted = await db.query<OperationRow>(
    `INSERT INTO operations (merchant_id, idempotency_key, pay_id, xid, sequence, action, amazon_operation, request,
       state, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'planned', $9, $9)
     ON CONFLICT (merchant_id, idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      planned.merchantId,
      planned.idempotencyKey,
      planned.payId,
      planned.xid,
      planned.sequence,
      planned.action,
      planned.amazonOperation,
      JSON.stringify(planned.request),
      now,
    ],
  );
  const row = inserted[0] ?? (await findOperationRow(db, planned.merchantId, planned.idempotencyKey));
  if (!row) throw new Error(`operation ${planned.idempotencyKey} vanished`);
  return operationOf(row);
}

/** Records how the call ended: Amazon's answer (or error body) and its reason code. */
export async function finishOperation(
  db: Queryable,
  merchantId: string,
  idempotencyKey: string,
  result: {
    readonly state: "succeeded" | "failed" | "unknown";
    readonly response?: unknown;
    readonly reasonCode?: string;
  },
  now: number,
): Promise<void> {
  await db.query(
    `UPDATE operations SET state = $3, response = $4, reason_code = $5, updated_at = $6
     WHERE merchant_id = $1 AND idempotency_key = $2`,
    [
      merchantId,
      idempotencyKey,
      result.state,
      result.response === undefined ? null : JSON.stringify(result.response),
      result.reasonCode ?? null,
      now,
    ],
  );
}

export async function findOperation(
  db: Queryable,
  merchantId: string,
  idempotencyKey: string,
): Promise<OperationRecord | undefined> {
  const row = await findOperationRow(db, merchantId, idempotencyKey);
  return row ? operationOf(row) : undefined;
}

/** A call the reconciliation job resumes: its payment and action, and which try this is. */
export interface CutOperation {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly payId: string;
  readonly xid: string;
  /** The job's tries of this call so far, this one included (1 on the first). */
  readonly attempts: number;
}

/**
 * Claims up to `limit` calls of the given Amazon operations whose outcome is unknown, that the
 * job has not given up, and that are due: first `graceMs` after anybody last touched them (a live
 * request is still at it before that), then at their stored `next_attempt_at`. In the same
 * transaction each one's try is counted and its next try set `delayOf(attempts)` later: that is
 * the lease (`FOR UPDATE SKIP LOCKED`), so two processes never resume one call at once, and a
 * restart continues the stored schedule.
 */
export async function claimCutOperations(
  db: Database,
  amazonOperations: readonly string[],
  now: number,
  graceMs: number,
  delayOf: (attempts: number) => number,
  limit: number,
): Promise<CutOperation[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<
      Pick<OperationRow, "merchant_id" | "idempotency_key" | "pay_id" | "xid" | "attempts">
    >(
      `SELECT merchant_id, idempotency_key, pay_id, xid, attempts FROM operations
       WHERE ${OPEN} AND amazon_operation = ANY($1::text[]) AND given_up_at IS NULL
         AND COALESCE(next_attempt_at, updated_at + $3) <= $2
       ORDER BY COALESCE(next_attempt_at, updated_at + $3) LIMIT $4 FOR UPDATE SKIP LOCKED`,
      [amazonOperations, now, graceMs, limit],
    );
    for (const row of rows) {
      await tx.query(
        `UPDATE operations SET attempts = attempts + 1, next_attempt_at = $3
         WHERE merchant_id = $1 AND idempotency_key = $2`,
        [row.merchant_id, row.idempotency_key, now + delayOf(row.attempts + 1)],
      );
    }
    return rows.map((row) => ({
      merchantId: row.merchant_id,
      idempotencyKey: row.idempotency_key,
      payId: row.pay_id,
      xid: row.xid,
      attempts: row.attempts + 1,
    }));
  });
}

/** The job stops trying a call whose outcome is still unknown after its last try. */
export async function giveUpOperation(
  db: Queryable,
  merchantId: string,
  idempotencyKey: string,
  now: number,
): Promise<void> {
  await db.query(
    `UPDATE operations SET given_up_at = $3, next_attempt_at = NULL
     WHERE merchant_id = $1 AND idempotency_key = $2 AND ${OPEN}`,
    [merchantId, idempotencyKey, now],
  );
}

/**
 * An operator's "try again": the job resumes the open call at its next cycle, with a fresh
 * schedule. `undefined` when the merchant has no such call open.
 */
export async function restartOperation(
  db: Queryable,
  merchantId: string,
  idempotencyKey: string,
  now: number,
): Promise<OperationRecord | undefined> {
  const rows = await db.query<OperationRow>(
    `UPDATE operations SET given_up_at = NULL, attempts = 0, next_attempt_at = $3
     WHERE merchant_id = $1 AND idempotency_key = $2 AND ${OPEN}
     RETURNING ${COLUMNS}`,
    [merchantId, idempotencyKey, now],
  );
  return rows[0] === undefined ? undefined : operationOf(rows[0]);
}

/** Calls the job gave up, oldest first, of one merchant or of all. */
export async function listGivenUpOperations(
  db: Queryable,
  merchantId: string | undefined,
  limit: number,
): Promise<OperationRecord[]> {
  const rows = await db.query<OperationRow>(
    `SELECT ${COLUMNS} FROM operations
     WHERE given_up_at IS NOT NULL AND ${OPEN} AND ($1::text IS NULL OR merchant_id = $1)
     ORDER BY given_up_at LIMIT $2`,
    [merchantId ?? null, limit],
  );
  return rows.map(operationOf);
}

async function findOperationRow(db: Queryable, merchantId: string, idempotencyKey: string) {
  const rows = await db.query<OperationRow>(
    `SELECT ${COLUMNS} FROM operations WHERE merchant_id = $1 AND idempotency_key = $2`,
    [merchantId, idempotencyKey],
  );
  return rows[0];
}

function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

function operationOf(row: OperationRow): OperationRecord {
  return {
    merchantId: row.merchant_id,
    idempotencyKey: row.idempotency_key,
    payId: row.pay_id,
    xid: row.xid,
    sequence: row.sequence,
    action: row.action,
    amazonOperation: row.amazon_operation,
    request: json(row.request),
    state: row.state,
    attempts: row.attempts,
    ...(row.response === null ? {} : { response: json(row.response) }),
    ...(row.reason_code === null ? {} : { reasonCode: row.reason_code }),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.next_attempt_at === null ? {} : { nextAttemptAt: Number(row.next_attempt_at) }),
    ...(row.given_up_at === null ? {} : { givenUpAt: Number(row.given_up_at) }),
  };
}
