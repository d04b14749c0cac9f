/**
 * The flows' PaymentStore over the gateway store's repositories (src/gateway/store/): payments
 * with optimistic versions (a concurrent writer makes the transaction roll back), ReqId claims,
 * planned operations and the notification outbox. The checkout context is the payment's
 * `context` column.
 */
import type { Clock } from "../../core/clock.js";
import type { Database, Queryable } from "../../store/database.js";
import { enqueueNotification } from "../store/notifications.js";
import { finishOperation, planOperation } from "../store/operations.js";
import { ReqIdReplayError } from "../store/payment-changes.js";
import { insertPayment, loadPayment, savePayment } from "../store/payments.js";
import { claimReqId, findReqId } from "../store/req-ids.js";
import type { CheckoutContext, PaymentRecord, PaymentStore } from "./ports.js";

export function gatewayPaymentStore(db: Database, clock: Clock): PaymentStore {
  const load = async (
    q: Queryable,
    merchantId: string,
    payId: string,
  ): Promise<PaymentRecord | undefined> => {
    const stored = await loadPayment(q, merchantId, payId);
    if (stored === undefined) return undefined;
    return {
      payment: stored.payment,
      context: stored.context as unknown as CheckoutContext,
      version: stored.version,
    };
  };
  const contextOf = (record: PaymentRecord) => record.context as unknown as Record<string, unknown>;
  return {
    async insert(tx, record) {
      await insertPayment(tx, record.payment, contextOf(record), clock.now());
    },
    load,
    async save(tx, record) {
      if (record.version === undefined) throw new Error(`payment ${record.payment.payId} was not loaded`);
      await savePayment(tx, record.payment, record.version, clock.now(), contextOf(record));
    },
    async findReplay(q, merchantId, reqId) {
      const found = await findReqId(q, merchantId, reqId, clock.now());
      return found?.payId !== undefined && found.xid !== undefined
        ? { payId: found.payId, xid: found.xid }
        : undefined;
    },
    async recordReplay(tx, replay) {
      const earlier = await claimReqId(tx, replay, clock.now());
      // Two requests with one ReqId at the same moment: the later one rolls back.
      if (earlier !== undefined) throw new ReqIdReplayError(earlier);
    },
    async enqueueNotify(tx, row) {
      await enqueueNotification(
        tx,
        {
          merchantId: row.merchantId,
          payId: row.payId,
          event: row.event,
          payload: { url: row.url, body: row.body },
        },
        clock.now(),
      );
    },
    async planCall(tx, call) {
      return (await planOperation(tx, call, clock.now())).request;
    },
    async finishCall(merchantId, idempotencyKey, state, reasonCode) {
      await finishOperation(
        db,
        merchantId,
        idempotencyKey,
        { state, ...(reasonCode === undefined ? {} : { reasonCode }) },
        clock.now(),
      );
    },
  };
}
