/**
 * The JSON API's reads of payments: the filtered, keyset-paged list and one payment with its
 * timeline, assembled from what the store records (the payment's actions, the Amazon calls in
 * `operations`, the URLNotify outbox with each delivery attempt, the IPNs received). Every query
 * is scoped: one merchant's rows, or — for an operator — all; no query joins across merchants.
 */
import type { Static } from "@sinclair/typebox";
import { NOTICE_KINDS, type PaymentAction, type PaymentStatus } from "../core/payment.js";
import { listNotifications } from "../notify/outbox.js";
import type { Queryable } from "../store/database.js";
import { ApiError } from "./errors.js";
import type { ApiGateway, StoredPaymentView as StoredPayment } from "./ports.js";
import type {
  Action,
  PaymentStatus as ApiPaymentStatus,
  Payment,
  PaymentDetail,
  PaymentListQuery,
} from "./schemas.js";

type PaymentJson = Static<typeof Payment>;
type ActionJson = Static<typeof Action>;
type ApiStatus = Static<typeof ApiPaymentStatus>;

/** Which merchants a read may see: one, or every merchant (operators only). */
export type Scope = { readonly merchantId: string } | { readonly all: true };

const STATUS_TO_API: Readonly<Record<PaymentStatus, ApiStatus>> = {
  Initialized: "initialized",
  BuyerReturned: "buyerReturned",
  AuthorizationPending: "authorizationPending",
  Authorized: "authorized",
  CapturePending: "capturePending",
  Captured: "captured",
  Canceled: "canceled",
  Failed: "failed",
};
const STATUS_FROM_API = Object.fromEntries(
  Object.entries(STATUS_TO_API).map(([domain, api]) => [api, domain]),
) as Record<ApiStatus, PaymentStatus>;

const iso = (epoch: number | string) => new Date(Number(epoch)).toISOString();

export function paymentJson(stored: StoredPayment): PaymentJson {
  const { payment } = stored;
  return {
    payId: payment.payId,
    merchantId: payment.merchantId,
    transId: payment.transId,
    refNr: payment.refNr ?? null,
    status: STATUS_TO_API[payment.status],
    currency: payment.currency,
    amount: payment.amount,
    authorized: payment.authorized,
    captured: payment.captured,
    refunded: payment.credited,
    refundPending: payment.creditPending,
    intent: payment.txType === "Authorize" ? "authorize" : "authorizeWithCapture",
    checkoutMode:
      payment.checkoutMode === "Standard"
        ? "standard"
        : payment.checkoutMode === "ProcessOrder"
          ? "processOrder"
          : "merchantInitiated",
    amazon: {
      checkoutSessionId: payment.amazon.checkoutSessionId ?? null,
      chargePermissionId: payment.amazon.chargePermissionId ?? null,
      chargeId: payment.amazon.chargeId ?? null,
    },
    createdAt: iso(stored.createdAt),
    updatedAt: iso(stored.updatedAt),
  };
}

/**
 * An action as the API names it. The core records the buyer's return and a later amount update
 * both as `update`; the first update of a payment is the buyer's return (it brings the checkout
 * session), any later one an amount update.
 */
export function actionJson(stored: StoredPayment, action: PaymentAction): ActionJson {
  const firstUpdate = stored.payment.actions.find((candidate) => candidate.kind === "update");
  const kind = {
    init: "init",
    update: firstUpdate?.xid === action.xid ? "buyerReturn" : "amountUpdate",
    complete: "authorization",
    capture: "capture",
    credit: "refund",
    reverse: "reversal",
    chargeback: "chargeback",
    permissionClosed: "permissionClosed",
    permissionExpiring: "permissionExpiring",
  }[action.kind] as ActionJson["kind"];
  return {
    xid: action.xid,
    kind,
    sequence: action.sequence,
    state: action.state,
    amount: action.amount,
    currency: stored.payment.currency,
    transId: action.transId,
    amazonId: action.amazonId ?? null,
    reasonCode: action.reasonCode ?? null,
    ...(action.expiresAt === undefined ? {} : { expiresAt: action.expiresAt }),
  };
}

interface ListRow {
  merchant_id: string;
  pay_id: string;
  created_at: number | string;
}

/** The opaque cursor: the last row's (created_at, pay_id), base64url JSON. */
function encodeCursor(row: ListRow): string {
  return Buffer.from(JSON.stringify([Number(row.created_at), row.pay_id])).toString("base64url");
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === "string" &&
      /^[0-9a-f]{32}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // falls through to the problem below
  }
  throw new ApiError("invalid_request", "query.cursor: not a cursor this API handed out", {
    field: "query.cursor",
  });
}

function epochOf(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const epoch = Date.parse(text);
  if (Number.isNaN(epoch)) throw new ApiError("invalid_request", `${field}: not a date-time`, { field });
  return epoch;
}

/** A page of payments, newest first, and the cursor of the next page (`null` on the last). */
type LoadPayment = ApiGateway["loadPayment"];

export async function listPayments(
  db: Queryable,
  loadPayment: LoadPayment,
  scope: Scope,
  query: PaymentListQuery,
): Promise<{ payments: PaymentJson[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if ("merchantId" in scope) add((p) => `merchant_id = ${p}`, scope.merchantId);
  if (query.payId !== undefined) add((p) => `pay_id = ${p}`, query.payId);
  if (query.transId !== undefined) add((p) => `trans_id = ${p}`, query.transId);
  if (query.refNr !== undefined) add((p) => `ref_nr = ${p}`, query.refNr);
  if (query.status !== undefined) add((p) => `status = ${p}`, STATUS_FROM_API[query.status]);
  const from = epochOf(query.from, "query.from");
  const to = epochOf(query.to, "query.to");
  if (from !== undefined) add((p) => `created_at >= ${p}`, from);
  if (to !== undefined) add((p) => `created_at < ${p}`, to);
  if (query.minAmount !== undefined) add((p) => `amount >= ${p}`, query.minAmount);
  if (query.maxAmount !== undefined) add((p) => `amount <= ${p}`, query.maxAmount);
  if (query.cursor !== undefined) {
    const [createdAt, payId] = decodeCursor(query.cursor);
    params.push(createdAt, payId);
    where.push(`(created_at, pay_id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(limit + 1);
  const rows = await db.query<ListRow>(
    `SELECT merchant_id, pay_id, created_at FROM payments
     ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY created_at DESC, pay_id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const payments: PaymentJson[] = [];
  for (const row of page) {
    const stored = await loadPayment(row.merchant_id, row.pay_id);
    if (stored) payments.push(paymentJson(stored));
  }
  const last = page[page.length - 1];
  return { payments, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/**
 * The payment a PayID names within the scope. An operator's PayID is looked up across merchants
 * (PayIDs are random, one merchant's in practice; should two merchants have it, `merchantId`
 * must say which). Outside the scope a payment does not exist: 404, never 403.
 */
export async function findPayment(
  db: Queryable,
  loadPayment: LoadPayment,
  scope: Scope,
  payId: string,
): Promise<StoredPayment> {
  let merchantId: string | undefined;
  if ("merchantId" in scope) merchantId = scope.merchantId;
  else {
    const rows = await db.query<{ merchant_id: string }>(
      "SELECT merchant_id FROM payments WHERE pay_id = $1 LIMIT 2",
      [payId],
    );
    if (rows.length > 1) throw new ApiError("payment_ambiguous", `PayID ${payId}: pass ?merchantId=`);
    merchantId = rows[0]?.merchant_id;
  }
  const stored = merchantId === undefined ? undefined : await loadPayment(merchantId, payId);
  if (stored === undefined) throw new ApiError("not_found", `no payment ${payId}`);
  return stored;
}

interface AttemptRow {
  notification_id: number | string;
  attempt: number;
  delivered: boolean;
  http_status: number | null;
  error: string | null;
  attempted_at: number | string;
}

interface OperationRow {
  xid: string;
  amazon_operation: string;
  state: string;
  attempts: number;
  reason_code: string | null;
  created_at: number | string;
  updated_at: number | string;
  next_attempt_at: number | string | null;
  given_up_at: number | string | null;
}

interface IpnRow {
  message_id: string;
  object_type: string;
  object_id: string;
  notification_type: string;
  received_at: number | string;
}

/** The payment with its timeline: each action with its Amazon calls and notifications. */
export async function paymentDetail(
  db: Queryable,
  stored: StoredPayment,
): Promise<Static<typeof PaymentDetail>> {
  const { merchantId, payId } = stored.payment;
  const operations = await db.query<OperationRow>(
    `SELECT xid, amazon_operation, state, attempts, reason_code, created_at, updated_at, next_attempt_at, given_up_at
     FROM operations
     WHERE merchant_id = $1 AND pay_id = $2 ORDER BY sequence, created_at`,
    [merchantId, payId],
  );
  const notifications = await listNotifications(db, merchantId, { payId, limit: 1000 });
  const attempts = await db.query<AttemptRow>(
    `SELECT a.notification_id, a.attempt, a.delivered, a.http_status, a.error, a.attempted_at
     FROM notification_attempts a JOIN notifications n
       ON n.merchant_id = a.merchant_id AND n.notification_id = a.notification_id
     WHERE n.merchant_id = $1 AND n.pay_id = $2 ORDER BY a.notification_id, a.attempt`,
    [merchantId, payId],
  );
  const ipns = await db.query<IpnRow>(
    `SELECT message_id, object_type, object_id, notification_type, received_at FROM ipn_received
     WHERE merchant_id = $1 AND pay_id = $2 ORDER BY ipn_id`,
    [merchantId, payId],
  );
  const timeline = [...stored.payment.actions]
    .sort((a, b) => a.sequence - b.sequence)
    .map((action) => {
      const calls = operations.filter((operation) => operation.xid === action.xid);
      // Init has no Amazon call: it happened when the payment was created; Amazon's notices are
      // timed by the notification committed with them. Other actions without a call (the
      // buyer's return, an amount update) are not timed by the store.
      const noticeAt = NOTICE_KINDS.has(action.kind)
        ? notifications.find((notification) => notification.xid === action.xid)?.createdAt
        : undefined;
      const at =
        action.kind === "init" ? iso(stored.createdAt) : (noticeAt ?? (calls[0] && iso(calls[0].created_at)));
      return {
        ...actionJson(stored, action),
        at: at ?? null,
        amazonCalls: calls.map((call) => ({
          operation: call.amazon_operation,
          state: call.state,
          attempts: call.attempts,
          reasonCode: call.reason_code,
          createdAt: iso(call.created_at),
          updatedAt: iso(call.updated_at),
          nextAttemptAt: call.next_attempt_at === null ? null : iso(call.next_attempt_at),
          givenUpAt: call.given_up_at === null ? null : iso(call.given_up_at),
        })),
        notifications: notifications
          .filter((notification) => notification.xid === action.xid)
          .sort((a, b) => a.notificationId - b.notificationId)
          .map((notification) => ({
            ...notification,
            deliveries: attempts
              .filter((row) => Number(row.notification_id) === notification.notificationId)
              .map((row) => ({
                attempt: row.attempt,
                at: iso(row.attempted_at),
                delivered: row.delivered,
                httpStatus: row.http_status,
                error: row.error,
              })),
          })),
      };
    });
  return {
    ...paymentJson(stored),
    timeline,
    ipns: ipns.map((row) => ({
      receivedAt: iso(row.received_at),
      messageId: row.message_id,
      objectType: row.object_type,
      objectId: row.object_id,
      notificationType: row.notification_type,
    })),
  };
}
