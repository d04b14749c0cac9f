/**
 * Payments in the store: the aggregate of `core/payment.ts` plus the page context and the
 * optimistic-concurrency `version`. Every function takes the merchant id; nothing here reads
 * another merchant's rows.
 */
import type { Payment, PaymentAction, PaymentStatus } from "../../core/payment.js";
import { ConcurrentUpdateError } from "../../payments/ports.js";
import type { Queryable } from "../../store/database.js";

/** A payment as loaded: save it back with the `version` it was read at. */
export interface StoredPayment<Context = Record<string, unknown>> {
  readonly payment: Payment;
  readonly version: number;
  /** What the pages keep with the payment (return URLs, UserData, Custom, …). */
  readonly context: Context;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Another process changed the payment since it was read (the payment steps' port names it). */
export { ConcurrentUpdateError };

interface PaymentRow {
  merchant_id: string;
  pay_id: string;
  trans_id: string;
  ref_nr: string | null;
  currency: string;
  tx_type: Payment["txType"];
  checkout_mode: Payment["checkoutMode"];
  status: PaymentStatus;
  amount: number | string;
  authorized: number | string;
  captured: number | string;
  credited: number | string;
  credit_pending: number | string;
  checkout_session_id: string | null;
  charge_permission_id: string | null;
  charge_id: string | null;
  actions: PaymentAction[] | string;
  context: Record<string, unknown> | string;
  version: number;
  created_at: number | string;
  updated_at: number | string;
}

const COLUMNS = `merchant_id, pay_id, trans_id, ref_nr, currency, tx_type, checkout_mode, status, amount,
  authorized, captured, credited, credit_pending, checkout_session_id, charge_permission_id, charge_id,
  actions, context, version, created_at, updated_at`;

/** Stores a new payment (version 1). */
export async function insertPayment(
  db: Queryable,
  payment: Payment,
  context: Record<string, unknown>,
  now: number,
): Promise<StoredPayment> {
  await db.query(
    `INSERT INTO payments (${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $19)`,
    [...paymentValues(payment), JSON.stringify(context), now],
  );
  return { payment, version: 1, context, createdAt: now, updatedAt: now };
}

/**
 * Writes `payment` over the stored one if it is still at `expectedVersion`; the new version is
 * one more. Two processes that read the same version cannot both apply an operation: the second
 * gets {@link ConcurrentUpdateError} and its transaction rolls back.
 */
export async function savePayment(
  db: Queryable,
  payment: Payment,
  expectedVersion: number,
  now: number,
  context?: Record<string, unknown>,
): Promise<number> {
  const rows = await db.query<{ version: number }>(
    `UPDATE payments SET trans_id = $3, ref_nr = $4, currency = $5, tx_type = $6, checkout_mode = $7,
       status = $8, amount = $9, authorized = $10, captured = $11, credited = $12, credit_pending = $13,
       checkout_session_id = $14, charge_permission_id = $15, charge_id = $16, actions = $17,
       context = COALESCE($18::jsonb, context), version = version + 1, updated_at = $19
     WHERE merchant_id = $1 AND pay_id = $2 AND version = $20
     RETURNING version`,
    [...paymentValues(payment), context === undefined ? null : JSON.stringify(context), now, expectedVersion],
  );
  const saved = rows[0];
  if (!saved) throw new ConcurrentUpdateError(payment.merchantId, payment.payId, expectedVersion);
  return saved.version;
}

export async function loadPayment(
  db: Queryable,
  merchantId: string,
  payId: string,
): Promise<StoredPayment | undefined> {
  return firstPayment(
    await db.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE merchant_id = $1 AND pay_id = $2`, [
      merchantId,
      payId,
    ]),
  );
}

/** Amazon's ids → the payment, for IPNs (`objectId`, `chargePermissionId`) and the buyer's return. */
export async function findPaymentByAmazonId(
  db: Queryable,
  merchantId: string,
  id: {
    readonly checkoutSessionId?: string;
    readonly chargePermissionId?: string;
    readonly chargeId?: string;
  },
): Promise<StoredPayment | undefined> {
  const [column, value] =
    id.chargeId !== undefined
      ? ["charge_id", id.chargeId]
      : id.chargePermissionId !== undefined
        ? ["charge_permission_id", id.chargePermissionId]
        : ["checkout_session_id", id.checkoutSessionId];
  if (value === undefined) return undefined;
  return firstPayment(
    await db.query<PaymentRow>(
      `SELECT ${COLUMNS} FROM payments WHERE merchant_id = $1 AND ${column} = $2 ORDER BY created_at DESC LIMIT 1`,
      [merchantId, value],
    ),
  );
}

/** A refund id (kept on its credit action) → the payment, for REFUND IPNs. */
export async function findPaymentByRefundId(
  db: Queryable,
  merchantId: string,
  chargeId: string,
  refundId: string,
): Promise<StoredPayment | undefined> {
  const stored = await findPaymentByAmazonId(db, merchantId, { chargeId });
  return stored?.payment.actions.some((action) => action.amazonId === refundId) ? stored : undefined;
}

/**
 * The merchant's payments an Amazon object belongs to (IPN intake): a charge by its id, else —
 * and for refunds and charge permissions — every payment on the charge permission.
 */
export async function findPaymentsOfAmazonObject(
  db: Queryable,
  merchantId: string,
  object: { readonly chargeId?: string; readonly chargePermissionId: string },
): Promise<StoredPayment[]> {
  const rows = await db.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payments
     WHERE merchant_id = $1 AND (charge_id = $2 OR ($2::text IS NULL AND charge_permission_id = $3))
     ORDER BY created_at LIMIT 100`,
    [merchantId, object.chargeId ?? null, object.chargePermissionId],
  );
  if (rows.length > 0 || object.chargeId === undefined) return rows.map(paymentOf);
  return findPaymentsOfAmazonObject(db, merchantId, { chargePermissionId: object.chargePermissionId });
}

/** Payments of a merchant with this TransID, newest first (`inquire24.aspx`; TransIDs may repeat). */
export async function findPaymentsByTransId(
  db: Queryable,
  merchantId: string,
  transId: string,
): Promise<StoredPayment[]> {
  const rows = await db.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payments WHERE merchant_id = $1 AND trans_id = $2 ORDER BY created_at DESC LIMIT 50`,
    [merchantId, transId],
  );
  return rows.map(paymentOf);
}

function paymentValues(payment: Payment): unknown[] {
  return [
    payment.merchantId,
    payment.payId,
    payment.transId,
    payment.refNr ?? null,
    payment.currency,
    payment.txType,
    payment.checkoutMode,
    payment.status,
    payment.amount,
    payment.authorized,
    payment.captured,
    payment.credited,
    payment.creditPending,
    payment.amazon.checkoutSessionId ?? null,
    payment.amazon.chargePermissionId ?? null,
    payment.amazon.chargeId ?? null,
    JSON.stringify(payment.actions),
  ];
}

function firstPayment(rows: PaymentRow[]): StoredPayment | undefined {
  const row = rows[0];
  return row ? paymentOf(row) : undefined;
}

/** pg returns jsonb parsed; be tolerant of text as well. */
function json<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

function paymentOf(row: PaymentRow): StoredPayment {
  const payment: Payment = {
    payId: row.pay_id,
    merchantId: row.merchant_id,
    transId: row.trans_id,
    ...(row.ref_nr === null ? {} : { refNr: row.ref_nr }),
    currency: row.currency,
    txType: row.tx_type,
    checkoutMode: row.checkout_mode,
    status: row.status,
    amount: Number(row.amount),
    authorized: Number(row.authorized),
    captured: Number(row.captured),
    credited: Number(row.credited),
    creditPending: Number(row.credit_pending),
    amazon: {
      ...(row.checkout_session_id === null ? {} : { checkoutSessionId: row.checkout_session_id }),
      ...(row.charge_permission_id === null ? {} : { chargePermissionId: row.charge_permission_id }),
      ...(row.charge_id === null ? {} : { chargeId: row.charge_id }),
    },
    actions: json(row.actions),
  };
  return {
    payment,
    version: row.version,
    context: json(row.context),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
