/**
 * ReqId replays (reference §4.1): per merchant, the first request with a ReqId is remembered; a
 * repeated ReqId performs nothing new and answers with the original action (same XID, its
 * current status) or the original answer. Kept 12 months.
 */
import type { Queryable } from "../../store/database.js";

export interface ReqIdRecord {
  readonly merchantId: string;
  readonly reqId: string;
  /** The page the ReqId was first used on (`capture`, `credit`, …). */
  readonly page: string;
  readonly payId?: string;
  readonly xid?: string;
  /** The original answer's fields, when it is not rebuilt from the payment (e.g. a refusal). */
  readonly answer?: Record<string, unknown>;
  readonly createdAt: number;
}

export type ReqIdClaim = Omit<ReqIdRecord, "createdAt">;

/** ReqIds are forgotten after 12 months (reference §4.1). */
export const REQ_ID_RETENTION_MS = 365 * 24 * 3_600_000;

interface ReqIdRow {
  merchant_id: string;
  req_id: string;
  page: string;
  pay_id: string | null;
  xid: string | null;
  answer: Record<string, unknown> | string | null;
  created_at: number | string;
}

/** The record of an earlier request with this ReqId, if it is younger than 12 months. */
export async function findReqId(
  db: Queryable,
  merchantId: string,
  reqId: string,
  now: number,
): Promise<ReqIdRecord | undefined> {
  const rows = await db.query<ReqIdRow>(
    `SELECT merchant_id, req_id, page, pay_id, xid, answer, created_at FROM req_ids
     WHERE merchant_id = $1 AND req_id = $2 AND created_at > $3`,
    [merchantId, reqId, now - REQ_ID_RETENTION_MS],
  );
  const row = rows[0];
  return row ? reqIdOf(row) : undefined;
}

/**
 * Remembers a ReqId in the transaction of the action it names. Returns `undefined` when this
 * request claimed it, or the earlier record when another request got there first (then the
 * caller answers from that record and rolls back what it did).
 */
export async function claimReqId(
  db: Queryable,
  claim: ReqIdClaim,
  now: number,
): Promise<ReqIdRecord | undefined> {
  // An expired record is forgotten: the ReqId may be used afresh.
  await db.query("DELETE FROM req_ids WHERE merchant_id = $1 AND req_id = $2 AND created_at <= $3", [
    claim.merchantId,
    claim.reqId,
    now - REQ_ID_RETENTION_MS,
  ]);
  const inserted = await db.query(
    `INSERT INTO req_ids (merchant_id, req_id, page, pay_id, xid, answer, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (merchant_id, req_id) DO NOTHING RETURNING req_id`,
    [
      claim.merchantId,
      claim.reqId,
      claim.page,
      claim.payId ?? null,
      claim.xid ?? null,
      claim.answer === undefined ? null : JSON.stringify(claim.answer),
      now,
    ],
  );
  if (inserted.length > 0) return undefined;
  return findReqId(db, claim.merchantId, claim.reqId, now);
}

function reqIdOf(row: ReqIdRow): ReqIdRecord {
  return {
    merchantId: row.merchant_id,
    reqId: row.req_id,
    page: row.page,
    ...(row.pay_id === null ? {} : { payId: row.pay_id }),
    ...(row.xid === null ? {} : { xid: row.xid }),
    ...(row.answer === null
      ? {}
      : { answer: typeof row.answer === "string" ? JSON.parse(row.answer) : row.answer }),
    createdAt: Number(row.created_at),
  };
}
