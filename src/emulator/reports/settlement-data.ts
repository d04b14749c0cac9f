import type { Queryable } from "../../store/database.js";
import type { SettlementTransaction } from "./settlement-file.js";

/**
 * Reads the completed money movements a settlement covers from the engine's `objects`: Charges
 * in state Captured (posted when they reached it) and Refunds in state Refunded. A captured
 * charge's `SellerOrderId`/`SellerReferenceId` is its `merchantMetadata.merchantReferenceId`
 * (a refund takes its charge's); accounting.md §1.6 marks that mapping unconfirmed for CV2.
 */
export async function settledTransactions(
  db: Queryable,
  merchantId: string,
  environment: string,
  start: number,
  end: number,
): Promise<SettlementTransaction[]> {
  const rows = await db.query<{
    kind: string;
    id: string;
    posted_at: string | number;
    charge_permission_id: string;
    currency: string;
    amount_minor: string | number;
    reference: string | null;
  }>(
    `select o.kind, o.id,
            (o.record->'status'->>'lastUpdated')::bigint as posted_at,
            o.record->>'chargePermissionId' as charge_permission_id,
            o.record->'amount'->>'currency' as currency,
            case when o.kind = 'Charge' then (o.record->>'captureAmount')::bigint
                 else (o.record->'amount'->>'minor')::bigint end as amount_minor,
            coalesce(c.record, o.record)->'merchantMetadata'->>'merchantReferenceId' as reference
       from objects o
       left join objects c on o.kind = 'Refund' and c.kind = 'Charge' and c.id = o.record->>'chargeId'
      where o.merchant_id = $1 and o.environment = $2
        and ((o.kind = 'Charge' and o.state = 'Captured') or (o.kind = 'Refund' and o.state = 'Refunded'))
        and (o.record->'status'->>'lastUpdated')::bigint >= $3
        and (o.record->'status'->>'lastUpdated')::bigint < $4`,
    [merchantId, environment, start, end],
  );
  return rows.map((row) => ({
    type: row.kind === "Charge" ? "Capture" : "Refund",
    postedAt: Number(row.posted_at),
    amazonTransactionId: row.id,
    chargePermissionId: row.charge_permission_id,
    sellerReferenceId: row.reference ?? "",
    sellerOrderId: row.reference ?? "",
    currency: row.currency,
    amountMinor: Number(row.amount_minor),
  }));
}

/** Start of the earliest settlement period with data after `since`, before `until`, if any. */
export async function firstPostingAfter(
  db: Queryable,
  merchantId: string,
  environment: string,
  since: number,
  until: number,
): Promise<number | undefined> {
  const [row] = await db.query<{ first: string | number | null }>(
    `select min((record->'status'->>'lastUpdated')::bigint) as first
       from objects
      where merchant_id = $1 and environment = $2
        and ((kind = 'Charge' and state = 'Captured') or (kind = 'Refund' and state = 'Refunded'))
        and (record->'status'->>'lastUpdated')::bigint >= $3
        and (record->'status'->>'lastUpdated')::bigint < $4`,
    [merchantId, environment, since, until],
  );
  return row?.first === null || row?.first === undefined ? undefined : Number(row.first);
}
