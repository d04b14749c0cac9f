/**
 * What a booking says in DATEV and in the CSV export: its Buchungstext and its Beleginfo pairs.
 * The text may be cut to DATEV's 60 characters; the references stay whole in the Beleginfo.
 */
import type { StoredBooking } from "./accounting-store.js";

const TEXTS: Readonly<Record<string, readonly [string, string]>> = {
  // kind: [Amazon Pay debited, Amazon Pay credited]
  capture: ["Amazon Pay Zahlung", "Amazon Pay Zahlung (Rückbuchung)"],
  refund: ["Amazon Pay Erstattung (Rückbuchung)", "Amazon Pay Erstattung"],
  chargeback: ["Amazon Pay Rückbelastung (Rückbuchung)", "Amazon Pay Rückbelastung"],
  fee: ["Amazon Pay Gebührenerstattung", "Amazon Pay Gebühr"],
  payout: ["Amazon Pay Belastung vom Bankkonto", "Amazon Pay Auszahlung"],
  reserve: ["Amazon Pay Reserve Freigabe", "Amazon Pay Reserve Einbehalt"],
  adjustment: ["Amazon Pay Korrektur", "Amazon Pay Korrektur"],
};

export function buchungstextOf(booking: StoredBooking): string {
  const [debited, credited] = TEXTS[booking.kind] ?? ["Amazon Pay", "Amazon Pay"];
  const text = `${booking.debitRole === "amazonPay" ? debited : credited} ${booking.documentRef}`;
  return booking.reverses === null ? text : `Storno ${text}`;
}

export function beleginfoOf(booking: StoredBooking): [string, string][] {
  const pairs: [string, string][] = [
    ["Beleg", booking.documentRef],
    ["Settlement", booking.settlementId],
    ["Settlement-Zeile", String(booking.lineNo)],
  ];
  if (booking.amazonTransactionId) pairs.push(["Amazon Txn", booking.amazonTransactionId]);
  if (booking.chargePermissionId) pairs.push(["Charge Perm.", booking.chargePermissionId]);
  if (booking.sellerOrderId) pairs.push(["Bestellnummer", booking.sellerOrderId]);
  if (booking.payId) pairs.push(["Kasse PayID", booking.payId]);
  if (booking.reverses !== null) pairs.push(["Storno von", String(booking.reverses)]);
  return pairs;
}
