/**
 * Reconciliation of one settlement (docs/accounting.md "Reconciliation"): its bookings must move
 * the Amazon Pay account by exactly the settlement's net, line by line; every line with money has
 * at least one booking; and what the bookings put through Amazon Pay before the payout equals the
 * payout. Whatever does not fit is listed — with the line — never hidden or netted away.
 */
import type { LineBookingSums, SettlementSummary } from "./accounting-store.js";

export interface Difference {
  readonly code:
    | "line_without_booking"
    | "line_not_balanced"
    | "settlement_not_balanced"
    | "payout_differs"
    | "not_a_kasse_transaction"
    | "differs_from_kasse"
    /** No imported settlement covers the span before this one, and Kasse has captures/refunds in it. */
    | "period_gap";
  readonly lineNo?: number;
  readonly message: string;
}

export interface Reconciliation extends SettlementSummary {
  readonly bookings: number;
  /** What the bookings do to the Amazon Pay account, signed. */
  readonly bookedNet: number;
  /** Bookings' Amazon Pay movement from everything but the payout itself. */
  readonly bookedBeforePayout: number;
  readonly matched: { readonly payments: number; readonly refunds: number; readonly chargebacks: number };
  readonly unmatched: number;
  /** No booking-side difference: the ledger agrees with Amazon's settlement. */
  readonly reconciled: boolean;
  readonly differences: readonly Difference[];
}

const PAYOUT_TYPES = new Set(["Transfer", "Debt"]);
const MATCHED_TYPES = new Set(["Capture", "Refund"]);
const BOOKING_CODES = new Set<Difference["code"]>([
  "line_without_booking",
  "line_not_balanced",
  "settlement_not_balanced",
  "payout_differs",
]);

export function reconcile(summary: SettlementSummary, lines: readonly LineBookingSums[]): Reconciliation {
  const differences: Difference[] = [];
  let bookings = 0;
  let bookedNet = 0;
  let bookedBeforePayout = 0;
  const matched = { payments: 0, refunds: 0, chargebacks: 0 };
  let unmatched = 0;
  for (const line of lines) {
    bookings += line.bookings;
    bookedNet += line.amazonPayDelta;
    if (!PAYOUT_TYPES.has(line.type)) bookedBeforePayout += line.amazonPayDelta;
    const hasMoney = line.amount !== 0 || line.totalFee !== 0;
    if (hasMoney && line.bookings === 0) {
      differences.push({
        code: "line_without_booking",
        lineNo: line.lineNo,
        message: `line ${line.lineNo} (${line.type}) has no booking`,
      });
    }
    if (line.amazonPayDelta !== line.net) {
      differences.push({
        code: "line_not_balanced",
        lineNo: line.lineNo,
        message: `line ${line.lineNo} (${line.type}): bookings move Amazon Pay by ${line.amazonPayDelta}, the line's net is ${line.net}`,
      });
    }
    if (line.matchKind === "payment") matched.payments += 1;
    else if (line.matchKind === "refund") matched.refunds += 1;
    else if (line.matchKind === "chargeback") matched.chargebacks += 1;
    else if (MATCHED_TYPES.has(line.type)) {
      unmatched += 1;
      differences.push({
        code: "not_a_kasse_transaction",
        lineNo: line.lineNo,
        message:
          line.matchNote ??
          `line ${line.lineNo} (${line.type} ${line.amazonTransactionId}) matches no Kasse payment`,
      });
    }
    if (line.matchKind !== "none" && line.matchNote) {
      differences.push({
        code: "differs_from_kasse",
        lineNo: line.lineNo,
        message: `line ${line.lineNo}: ${line.matchNote}`,
      });
    }
  }
  if (bookedNet !== summary.net) {
    differences.push({
      code: "settlement_not_balanced",
      message: `bookings move Amazon Pay by ${bookedNet}, the settlement's net is ${summary.net}`,
    });
  }
  if (bookedBeforePayout !== summary.payout) {
    differences.push({
      code: "payout_differs",
      message: `the bookings before the payout come to ${bookedBeforePayout}, the payout is ${summary.payout} (a balance of ${bookedBeforePayout - summary.payout} stays with Amazon)`,
    });
  }
  return {
    ...summary,
    bookings,
    bookedNet,
    bookedBeforePayout,
    matched,
    unmatched,
    reconciled: !differences.some((difference) => BOOKING_CODES.has(difference.code)),
    differences,
  };
}
