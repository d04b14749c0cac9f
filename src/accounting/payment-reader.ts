/**
 * The one place accounting reads the gateway's payments (read-only SQL over `payments`, always
 * scoped by merchant): which Kasse payment, refund or chargeback a settlement line belongs to, by
 * Amazon's ids — the charge id of a capture, the refund id Kasse recorded on its credit action
 * (`actions[].amazonId`), the charge permission for chargebacks and disputes.
 */
import type { Queryable } from "../store/database.js";
import type { SettlementLine } from "./settlement-parser.js";

export type MatchKind = "payment" | "refund" | "chargeback" | "none";

export interface LineMatch {
  readonly kind: MatchKind;
  readonly payId?: string;
  /** A difference between the line and what Kasse recorded (amount, state), listed in reconciliation. */
  readonly difference?: string;
}

interface PaymentRow {
  pay_id: string;
  charge_id: string | null;
  charge_permission_id: string | null;
  status: string;
  currency: string;
  captured: number | string;
  actions: { kind: string; amount: number; state: string; amazonId?: string }[] | string;
}

const CHARGEBACK_TYPES: ReadonlySet<string> = new Set(["Chargeback", "A-to-z Guarantee Claim", "Dispute"]);

/** Matches each line (by `lineNo`) to a payment of `merchantId`, with one query over the lines' charge permissions. */
export async function matchLines(
  db: Queryable,
  merchantId: string,
  lines: readonly SettlementLine[],
): Promise<Map<number, LineMatch>> {
  const permissions = [...new Set(lines.map((line) => line.chargePermissionId).filter((id) => id !== ""))];
  const transactions = [...new Set(lines.map((line) => line.amazonTransactionId).filter((id) => id !== ""))];
  const rows =
    permissions.length + transactions.length === 0
      ? []
      : await db.query<PaymentRow>(
          `SELECT pay_id, charge_id, charge_permission_id, status, currency, captured, actions
           FROM payments
           WHERE merchant_id = $1 AND (charge_permission_id = ANY($2::text[]) OR charge_id = ANY($3::text[]))`,
          [merchantId, permissions, transactions],
        );
  const byCharge = new Map<string, PaymentRow>();
  const byRefund = new Map<string, { row: PaymentRow; amount: number; state: string }>();
  const byPermission = new Map<string, PaymentRow>();
  for (const row of rows) {
    if (row.charge_id) byCharge.set(row.charge_id, row);
    if (row.charge_permission_id && !byPermission.has(row.charge_permission_id))
      byPermission.set(row.charge_permission_id, row);
    const actions = typeof row.actions === "string" ? JSON.parse(row.actions) : row.actions;
    for (const action of actions as { kind: string; amount: number; state: string; amazonId?: string }[]) {
      if (action.kind === "credit" && action.amazonId)
        byRefund.set(action.amazonId, { row, amount: action.amount, state: action.state });
    }
  }
  const matches = new Map<number, LineMatch>();
  for (const line of lines) {
    matches.set(line.lineNo, matchOne(line, byCharge, byRefund, byPermission));
  }
  return matches;
}

function matchOne(
  line: SettlementLine,
  byCharge: Map<string, PaymentRow>,
  byRefund: Map<string, { row: PaymentRow; amount: number; state: string }>,
  byPermission: Map<string, PaymentRow>,
): LineMatch {
  if (line.type === "Capture") {
    const row = byCharge.get(line.amazonTransactionId);
    if (!row)
      return { kind: "none", difference: `capture ${line.amazonTransactionId} is not a Kasse payment` };
    const captured = Number(row.captured);
    return {
      kind: "payment",
      payId: row.pay_id,
      ...(captured === line.amount
        ? {}
        : { difference: `Kasse recorded ${captured} captured, the settlement ${line.amount}` }),
    };
  }
  if (line.type === "Refund") {
    const refund = byRefund.get(line.amazonTransactionId);
    if (!refund)
      return { kind: "none", difference: `refund ${line.amazonTransactionId} is not a Kasse refund` };
    const differences = [
      refund.amount === -line.amount
        ? ""
        : `Kasse recorded a refund of ${refund.amount}, the settlement ${-line.amount}`,
      refund.state === "succeeded" ? "" : `Kasse's refund is ${refund.state}`,
    ].filter((text) => text !== "");
    return {
      kind: "refund",
      payId: refund.row.pay_id,
      ...(differences.length === 0 ? {} : { difference: differences.join("; ") }),
    };
  }
  if (CHARGEBACK_TYPES.has(line.type)) {
    const row = byCharge.get(line.amazonTransactionId) ?? byPermission.get(line.chargePermissionId);
    return row ? { kind: "chargeback", payId: row.pay_id } : { kind: "none" };
  }
  return { kind: "none" };
}

/** A capture or refund Kasse had Amazon carry out (what a settlement must list). */
export interface KasseTransaction {
  readonly kind: "capture" | "refund";
  /** The charge id of a capture, the refund id of a refund: a settlement line's AmazonTransactionId. */
  readonly amazonTransactionId: string;
  readonly payId: string;
  /** When Kasse recorded Amazon's answer (its operation's last change, Kasse's clock). */
  readonly at: number;
}

interface OperationRow {
  updated_at: number | string;
  amazon_operation: string;
  xid: string;
  pay_id: string;
  charge_id: string | null;
  captured: number | string;
  actions: { xid: string; kind: string; state: string; amazonId?: string }[] | string;
}

/**
 * The captures and refunds Kasse recorded for `merchantId` with `from < at < to`: succeeded
 * `captureCharge` and `createRefund` operations, and completions or charges that capture at once
 * (`AuthorizeWithCapture`) — of payments that did capture, and refunds Kasse saw succeed.
 */
export async function kasseTransactionsBetween(
  db: Queryable,
  merchantId: string,
  from: number,
  to: number,
): Promise<KasseTransaction[]> {
  const rows = await db.query<OperationRow>(
    `SELECT o.updated_at, o.amazon_operation, o.xid, p.pay_id, p.charge_id, p.captured, p.actions
       FROM operations o JOIN payments p ON p.merchant_id = o.merchant_id AND p.pay_id = o.pay_id
      WHERE o.merchant_id = $1 AND o.state = 'succeeded' AND o.updated_at > $2 AND o.updated_at < $3
        AND (o.amazon_operation IN ('captureCharge', 'createRefund')
             OR (o.amazon_operation IN ('completeCheckoutSession', 'createCharge') AND p.tx_type = 'AuthorizeWithCapture'))
      ORDER BY o.updated_at, o.pay_id, o.xid`,
    [merchantId, from, to],
  );
  const found: KasseTransaction[] = [];
  for (const row of rows) {
    const at = Number(row.updated_at);
    if (row.amazon_operation === "createRefund") {
      const actions = (typeof row.actions === "string" ? JSON.parse(row.actions) : row.actions) as Exclude<
        OperationRow["actions"],
        string
      >;
      const action = actions.find((candidate) => candidate.xid === row.xid && candidate.kind === "credit");
      if (action?.amazonId && action.state === "succeeded")
        found.push({ kind: "refund", amazonTransactionId: action.amazonId, payId: row.pay_id, at });
    } else if (row.charge_id && Number(row.captured) > 0) {
      found.push({ kind: "capture", amazonTransactionId: row.charge_id, payId: row.pay_id, at });
    }
  }
  return found;
}
