/**
 * Corrections as reversals (GoBD: a booking, once made, is never changed). After a rule change,
 * a settlement is rebooked: each of its bookings in force that was made under an older rule
 * version gets a Generalumkehr twin (same accounts, same day, `reverses` set — DATEV's column 118)
 * and the line is booked again under the current version. The originals stay as they were.
 */
import type { Database } from "../store/database.js";
import { loadSettings } from "./accounting-store.js";

export async function rebookSettlement(
  db: Database,
  merchantId: string,
  settlementId: string,
  now: number,
): Promise<{ reversed: number; booked: number; rulesVersion: number }> {
  const { rulesVersion } = await loadSettings(db, merchantId);
  return db.transaction(async (tx) => {
    const outdated = `merchant_id = $1 AND settlement_id = $2 AND reverses IS NULL AND rules_version <> $3
      AND booking_id NOT IN (SELECT reverses FROM bookings WHERE merchant_id = $1 AND settlement_id = $2 AND reverses IS NOT NULL)`;
    const columns = `merchant_id, settlement_id, line_no, leg, kind, booking_day, posted_at, debit_role, credit_role, amount,
      currency, document_ref, amazon_transaction_id, charge_permission_id, seller_order_id, pay_id`;
    const originals = await tx.query<{ booking_id: number }>(
      `SELECT booking_id FROM bookings WHERE ${outdated} ORDER BY booking_id FOR UPDATE`,
      [merchantId, settlementId, rulesVersion],
    );
    if (originals.length === 0) return { reversed: 0, booked: 0, rulesVersion };
    const ids = originals.map((row) => Number(row.booking_id));
    await tx.query(
      `INSERT INTO bookings (${columns}, rules_version, reverses, created_at)
       SELECT ${columns}, rules_version, booking_id, $3 FROM bookings WHERE merchant_id = $1 AND booking_id = ANY($2::bigint[])
       ORDER BY booking_id`,
      [merchantId, ids, now],
    );
    await tx.query(
      `INSERT INTO bookings (${columns}, rules_version, reverses, created_at)
       SELECT ${columns}, $3, NULL, $4 FROM bookings WHERE merchant_id = $1 AND booking_id = ANY($2::bigint[])
       ORDER BY booking_id`,
      [merchantId, ids, rulesVersion, now],
    );
    return { reversed: ids.length, booked: ids.length, rulesVersion };
  });
}
