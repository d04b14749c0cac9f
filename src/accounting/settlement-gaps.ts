/**
 * Gaps between settlement periods (docs/accounting.md "Gaps"). Amazon's settlement periods follow
 * each other without a break; the emulator settles only days with transactions, and a merchant
 * may have imported some reports and not others. So a span no imported settlement covers is a
 * *gap* only with evidence that something was settled in it: it lies between two imported
 * settlements (the earlier's SettlementEndDate more than a second before the later's
 * SettlementStartDate, overlaps merged), and in it Kasse recorded a capture or refund that no
 * imported settlement lists. Before the first imported settlement is history (the 90-day
 * retention is reported as missing periods); after the newest is not settled yet.
 */
import type { Queryable } from "../store/database.js";
import { type KasseTransaction, kasseTransactionsBetween } from "./payment-reader.js";

export interface PeriodGap {
  /** The uncovered span: from the end of the settlement before to the start of the one after. */
  readonly from: string;
  readonly to: string;
  readonly afterSettlementId: string;
  readonly beforeSettlementId: string;
  /** Kasse's captures and refunds in the span that no imported settlement lists. */
  readonly transactions: readonly (Omit<KasseTransaction, "at"> & { readonly at: string })[];
  readonly message: string;
}

/** Two periods closer than this are contiguous (Amazon ends a period at :59 and starts the next at :00). */
const CONTIGUOUS_MS = 1_000;

export async function findPeriodGaps(db: Queryable, merchantId: string): Promise<PeriodGap[]> {
  const periods = await db.query<{
    settlement_id: string;
    period_start: number | string;
    period_end: number | string;
  }>(
    `SELECT settlement_id, period_start, period_end FROM settlements
      WHERE merchant_id = $1 ORDER BY period_start, period_end, settlement_id`,
    [merchantId],
  );
  const gaps: PeriodGap[] = [];
  let coveredUntil: number | undefined;
  let last = "";
  for (const period of periods) {
    const start = Number(period.period_start);
    const end = Number(period.period_end);
    if (coveredUntil !== undefined && start - coveredUntil > CONTIGUOUS_MS) {
      const transactions = await unsettled(db, merchantId, coveredUntil, start);
      if (transactions.length > 0) {
        const from = new Date(coveredUntil).toISOString();
        const to = new Date(start).toISOString();
        gaps.push({
          from,
          to,
          afterSettlementId: last,
          beforeSettlementId: period.settlement_id,
          transactions: transactions.map((transaction) => ({
            ...transaction,
            at: new Date(transaction.at).toISOString(),
          })),
          message: `no imported settlement covers ${from} – ${to} (between settlements ${last} and ${period.settlement_id}), but Kasse recorded ${transactions.length} capture(s)/refund(s) in it that no settlement lists (${transactions
            .slice(0, 3)
            .map((transaction) => transaction.amazonTransactionId)
            .join(
              ", ",
            )}${transactions.length > 3 ? ", …" : ""}); import that period's settlement report (or upload it from Seller Central)`,
        });
      }
    }
    if (coveredUntil === undefined || end > coveredUntil) {
      coveredUntil = end;
      last = period.settlement_id;
    }
  }
  return gaps;
}

async function unsettled(
  db: Queryable,
  merchantId: string,
  from: number,
  to: number,
): Promise<KasseTransaction[]> {
  const candidates = await kasseTransactionsBetween(db, merchantId, from, to);
  if (candidates.length === 0) return [];
  const listed = await db.query<{ amazon_transaction_id: string }>(
    `SELECT DISTINCT amazon_transaction_id FROM settlement_lines
      WHERE merchant_id = $1 AND amazon_transaction_id = ANY($2::text[])`,
    [merchantId, candidates.map((candidate) => candidate.amazonTransactionId)],
  );
  const settled = new Set(listed.map((row) => row.amazon_transaction_id));
  return candidates.filter((candidate) => !settled.has(candidate.amazonTransactionId));
}

/** Each merchant's number of gaps as of its last import or upload (the `/metrics` gauge). */
export async function periodGapCounts(db: Queryable): Promise<{ merchantId: string; gaps: number }[]> {
  const rows = await db.query<{ merchant_id: string; gaps: number }>(
    "SELECT merchant_id, jsonb_array_length(period_gaps)::int AS gaps FROM settlement_import_state ORDER BY merchant_id",
  );
  return rows.map((row) => ({ merchantId: row.merchant_id, gaps: Number(row.gaps) }));
}

/** The gaps found at the merchant's last import or upload. */
export async function storedPeriodGaps(db: Queryable, merchantId: string): Promise<PeriodGap[]> {
  const [row] = await db.query<{ period_gaps: PeriodGap[] | string }>(
    "SELECT period_gaps FROM settlement_import_state WHERE merchant_id = $1",
    [merchantId],
  );
  if (!row) return [];
  return typeof row.period_gaps === "string" ? (JSON.parse(row.period_gaps) as PeriodGap[]) : row.period_gaps;
}

/** Keeps the merchant's gaps (the import state row is made when missing). */
export async function recordPeriodGaps(
  db: Queryable,
  merchantId: string,
  gaps: readonly PeriodGap[],
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO settlement_import_state (merchant_id, next_run_at, period_gaps) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (merchant_id) DO UPDATE SET period_gaps = $3::jsonb`,
    [merchantId, now, JSON.stringify(gaps)],
  );
}
