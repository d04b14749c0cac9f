/**
 * The payment steps' `PaymentStore` port over the gateway's repositories: payments with
 * optimistic versions (a concurrent writer makes the transaction roll back), ReqId claims,
 * planned Amazon calls and the doors' outboxes (URLNotify rows, webhook deliveries), all written
 * by one `commit` (or `change`, which loads the payment in the same transaction) in one
 * transaction (payment-changes.ts). The checkout context is the payment's `context` column; a
 * planned call is stored as its operation name and typed request.
 */
import type { Clock } from "../../core/clock.js";
import { type AmazonCall, isAmazonOperation, RESUMABLE_OPERATIONS } from "../../payments/amazon-calls.js";
import type {
  CheckoutContext,
  Committed,
  PaymentChange,
  PaymentRecord,
  PaymentStore,
} from "../../payments/ports.js";
import type { Database, Queryable } from "../../store/database.js";
import { firstNotifyUnanswered } from "./notifications.js";
import {
  claimCutOperations,
  findOperation,
  finishOperation,
  giveUpOperation,
  type OperationRecord,
} from "./operations.js";
import { commitPaymentChange } from "./payment-changes.js";
import { loadPayment, type StoredPayment } from "./payments.js";
import { findReqId } from "./req-ids.js";
import { claimDueSettlements, resetSettlementSchedule } from "./settlements.js";

export function gatewayPaymentStore(db: Database, clock: Clock): PaymentStore {
  return {
    async load(merchantId, payId) {
      const stored = await loadPayment(db, merchantId, payId);
      return stored === undefined ? undefined : recordOf(stored);
    },
    async findReplay(merchantId, reqId) {
      const found = await findReqId(db, merchantId, reqId, clock.now());
      return found?.payId !== undefined && found.xid !== undefined
        ? { payId: found.payId, xid: found.xid }
        : undefined;
    },
    findPermissionOwner: (merchantId, chargePermissionId) =>
      findPermissionOwner(db, merchantId, chargePermissionId),
    commit: (change) => db.transaction((tx) => writeChange(tx, change, clock.now())),
    change: (merchantId, payId, decide) =>
      db.transaction(async (tx) => {
        const stored = await loadPayment(tx, merchantId, payId);
        const { result, change } = decide(stored === undefined ? undefined : recordOf(stored));
        if (change === undefined) return { result };
        return { result, committed: await writeChange(tx, change, clock.now()) };
      }),
    async finishCall(merchantId, idempotencyKey, state, reasonCode) {
      await finishOperation(
        db,
        merchantId,
        idempotencyKey,
        { state, ...(reasonCode === undefined ? {} : { reasonCode }) },
        clock.now(),
      );
    },
    async isCallOpen(merchantId, idempotencyKey) {
      const operation = await findOperation(db, merchantId, idempotencyKey);
      return operation !== undefined && ["planned", "sent", "unknown"].includes(operation.state);
    },
    claimCutCalls: (now, graceMs, delayOf, limit) =>
      claimCutOperations(db, RESUMABLE_OPERATIONS, now, graceMs, delayOf, limit),
    giveUpCall: (merchantId, idempotencyKey, now) => giveUpOperation(db, merchantId, idempotencyKey, now),
    claimDueSettlements: (now, firstDelayMs, delayOf, limit) =>
      claimDueSettlements(db, now, firstDelayMs, delayOf, limit),
    resetSettlementSchedule: (merchantId, payId) => resetSettlementSchedule(db, merchantId, payId),
    firstNotifyUnanswered: (merchantId, payId) => firstNotifyUnanswered(db, merchantId, payId),
  };
}

/** Writes one change in the open transaction `tx` (`PaymentStore.commit` and `change`). */
async function writeChange(tx: Queryable, change: PaymentChange, now: number): Promise<Committed> {
  const { record, call, replay } = change;
  const merchantId = record?.payment.merchantId ?? call?.merchantId ?? replay?.merchantId ?? "";
  const payId = record?.payment.payId ?? call?.payId ?? replay?.payId ?? "";
  const committed = await commitPaymentChange(
    tx,
    {
      ...(record?.version === undefined ? {} : { stored: { version: record.version } }),
      ...(record === undefined
        ? {}
        : { payment: record.payment, context: record.context as unknown as Record<string, unknown> }),
      ...(call === undefined
        ? {}
        : {
            operation: {
              merchantId: call.merchantId,
              idempotencyKey: call.idempotencyKey,
              payId: call.payId,
              xid: call.xid,
              sequence: call.sequence,
              action: call.action,
              amazonOperation: call.call.operation,
              request: call.call.request,
            },
          }),
      ...(replay === undefined ? {} : { reqId: replay }),
      ...(change.finished === undefined ? {} : { finished: change.finished }),
      // Each door's outbox: URLNotify rows and one webhook delivery per endpoint.
      notifications: (change.notifications ?? []).flatMap(({ event, message }) =>
        message.channel === "urlnotify"
          ? [{ merchantId, payId, event, payload: { url: message.url, body: message.body } }]
          : [],
      ),
      webhooks: (change.notifications ?? []).flatMap(({ message }) =>
        message.channel === "webhook" ? [{ merchantId, payId, message }] : [],
      ),
    },
    now,
  );
  const stored = committed.operation;
  return {
    version: committed.version,
    ...(call === undefined || stored === undefined ? {} : { call: { ...call, call: callOf(stored) } }),
  };
}

/** A stored payment as the steps see it. */
export function recordOf(stored: StoredPayment): PaymentRecord {
  return {
    payment: stored.payment,
    context: stored.context as unknown as CheckoutContext,
    version: stored.version,
  };
}

/** A stored call read back: its operation must be one of the table's (the request is ours). */
function callOf(operation: OperationRecord): AmazonCall {
  if (!isAmazonOperation(operation.amazonOperation)) {
    throw new Error(
      `operation ${operation.idempotencyKey}: unknown Amazon operation ${operation.amazonOperation}`,
    );
  }
  return { operation: operation.amazonOperation, request: operation.request } as AmazonCall;
}

/**
 * The merchant's checkout payment that holds `chargePermissionId` (the initial one first; its
 * URLNotify is the default for later charges), or `undefined` when the merchant has none. Read
 * per merchant, so another merchant's permission id is simply not found.
 */
export async function findPermissionOwner(
  db: Queryable,
  merchantId: string,
  chargePermissionId: string,
): Promise<PaymentRecord | undefined> {
  const rows = await db.query<{ pay_id: string }>(
    `SELECT pay_id FROM payments WHERE merchant_id = $1 AND charge_permission_id = $2
     ORDER BY (checkout_mode = 'MerchantInitiated'), created_at LIMIT 1`,
    [merchantId, chargePermissionId],
  );
  const payId = rows[0]?.pay_id;
  if (payId === undefined) return undefined;
  const stored = await loadPayment(db, merchantId, payId);
  return stored === undefined ? undefined : recordOf(stored);
}
