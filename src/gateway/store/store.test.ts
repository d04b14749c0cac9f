import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { idempotencyKey } from "../../core/idempotency.js";
import {
  beginCapture,
  beginCompletion,
  initPayment,
  type Payment,
  recordBuyerReturn,
  recordOutcome,
} from "../../core/payment.js";
import { findMerchantRecord, insertMerchant, listMerchantRecords } from "../../merchants/store.js";
import type { Database } from "../../store/database.js";
import { openTestDatabase } from "../../store/test-database.js";
import { findOperation, finishOperation } from "./operations.js";
import { commitPaymentChange, ReqIdReplayError } from "./payment-changes.js";
import {
  ConcurrentUpdateError,
  findPaymentByAmazonId,
  findPaymentsByTransId,
  loadPayment,
} from "./payments.js";
import { findReqId, REQ_ID_RETENTION_MS } from "./req-ids.js";

/** A payment's notifications in the order they were written (what the assertions look at). */
async function notificationsOfPayment(database: Database, merchantId: string, payId: string) {
  const rows = await database.query<{ event: string; xid: string; status: string; payload: unknown }>(
    "SELECT event, xid, status, payload FROM notifications WHERE merchant_id = $1 AND pay_id = $2 ORDER BY notification_id",
    [merchantId, payId],
  );
  return rows.map((row) => ({
    ...row,
    payload: typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload,
  }));
}

/** A payment's planned Amazon calls in order (what the assertions look at). */
async function operationsOfPayment(database: Database, merchantId: string, payId: string) {
  const rows = await database.query<{ action: string; request: unknown }>(
    "SELECT action, request FROM operations WHERE merchant_id = $1 AND pay_id = $2 ORDER BY sequence, created_at",
    [merchantId, payId],
  );
  return rows.map((row) => ({
    action: row.action,
    request: typeof row.request === "string" ? JSON.parse(row.request) : row.request,
  }));
}

const MIGRATIONS = fileURLToPath(new URL("../../store/migrations/", import.meta.url));
const NOW = Date.UTC(2026, 0, 1);
let db: Database;
let sequence = 0;
const id = () => (++sequence).toString(16).padStart(32, "0");

function unwrap<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  assert.ok(result.ok, JSON.stringify(result));
  return result as Extract<T, { ok: true }>;
}

async function addMerchant(merchantId: string) {
  return insertMerchant(
    db,
    {
      merchantId,
      name: `Shop ${merchantId}`,
      amazon: { environment: "emulator", region: "eu", merchantId: "A1", storeId: "S1", publicKeyId: "K1" },
      settings: { canHandlePendingAuthorization: false },
      sealed: { hmacKey: "sealed-h", blowfishKey: "sealed-b", amazonPrivateKey: "sealed-p" },
    },
    NOW,
  );
}

async function newPayment(merchantId = "M1", transId = "T1"): Promise<Payment> {
  const payment = unwrap(
    initPayment({
      payId: id(),
      xid: id(),
      merchantId,
      transId,
      amount: 100_00,
      currency: "EUR",
      txType: "Authorize",
      checkoutMode: "Standard",
    }),
  ).payment;
  await db.transaction((tx) =>
    commitPaymentChange(tx, { payment, context: { urlNotify: "https://shop/notify" } }, NOW),
  );
  return payment;
}

describe("gateway store (PGlite, or PostgreSQL with DATABASE_URL)", () => {
  before(async () => {
    db = await openTestDatabase(MIGRATIONS);
    assert.equal(await addMerchant("M1"), true);
    assert.equal(await addMerchant("M2"), true);
  });
  after(() => db.close());

  it("stores merchants once and returns them with their sealed secrets", async () => {
    assert.equal(await addMerchant("M1"), false, "an existing merchant id is not overwritten");
    const merchant = await findMerchantRecord(db, "M1");
    assert.equal(merchant?.sealed.hmacKey, "sealed-h");
    assert.equal(merchant?.sealed.aesKey, undefined);
    assert.deepEqual(merchant?.settings, { canHandlePendingAuthorization: false });
    assert.deepEqual(
      (await listMerchantRecords(db)).map((m) => m.merchantId).filter((m) => m === "M1" || m === "M2"),
      ["M1", "M2"],
    );
  });

  it("round-trips a payment with its actions, Amazon ids and context", async () => {
    const payment = await newPayment();
    const returned = unwrap(recordBuyerReturn(payment, "session-1", id())).payment;
    const stored = await loadPayment(db, "M1", payment.payId);
    assert.ok(stored);
    assert.deepEqual(stored.payment, payment);
    assert.equal(stored.version, 1);
    assert.deepEqual(stored.context, { urlNotify: "https://shop/notify" });
    const { version } = await db.transaction((tx) =>
      commitPaymentChange(tx, { stored, payment: returned }, NOW + 1),
    );
    assert.equal(version, 2);
    const reloaded = await loadPayment(db, "M1", payment.payId);
    assert.deepEqual(reloaded?.payment, returned);
    assert.deepEqual(reloaded?.context, stored.context, "context is kept when not given");
    assert.equal(
      (await findPaymentByAmazonId(db, "M1", { checkoutSessionId: "session-1" }))?.payment.payId,
      payment.payId,
    );
  });

  it("never shows one merchant's payment to another", async () => {
    const payment = await newPayment("M1", "shared-trans-id");
    assert.equal(await loadPayment(db, "M2", payment.payId), undefined);
    assert.deepEqual(await findPaymentsByTransId(db, "M2", "shared-trans-id"), []);
    assert.equal((await findPaymentsByTransId(db, "M1", "shared-trans-id")).length, 1);
  });

  it("lets only one of two writers of the same version apply an operation", async () => {
    const payment = await newPayment();
    const first = await loadPayment(db, "M1", payment.payId);
    const second = await loadPayment(db, "M1", payment.payId);
    assert.ok(first && second);
    const returned = unwrap(recordBuyerReturn(first.payment, "s", id())).payment;
    await db.transaction((tx) => commitPaymentChange(tx, { stored: first, payment: returned }, NOW));
    const begun = unwrap(beginCompletion(unwrap(recordBuyerReturn(second.payment, "s", id())).payment, id()));
    await assert.rejects(
      db.transaction((tx) =>
        commitPaymentChange(
          tx,
          {
            stored: second,
            payment: begun.payment,
            operation: {
              merchantId: "M1",
              idempotencyKey: `k-${payment.payId}`,
              payId: payment.payId,
              xid: begun.action.xid,
              sequence: begun.action.sequence,
              action: "complete",
              amazonOperation: "completeCheckoutSession",
              request: {},
            },
          },
          NOW,
        ),
      ),
      ConcurrentUpdateError,
    );
    assert.deepEqual(
      await operationsOfPayment(db, "M1", payment.payId),
      [],
      "the loser's planned call rolled back",
    );
  });

  it("lets two concurrent captures of one payment plan exactly one Amazon call", async () => {
    const payment = await newPayment();
    await db.transaction(async (tx) => {
      const stored = await loadPayment(tx, "M1", payment.payId);
      assert.ok(stored);
      const returned = unwrap(recordBuyerReturn(stored.payment, "s", id())).payment;
      const begun = unwrap(beginCompletion(returned, id()));
      const done = unwrap(
        recordOutcome(begun.payment, begun.action.xid, {
          kind: "authorized",
          chargePermissionId: "P",
          chargeId: "C",
        }),
      );
      await commitPaymentChange(tx, { stored, payment: done.payment }, NOW);
    });
    const attempt = (transId: string) =>
      db.transaction(async (tx) => {
        const stored = await loadPayment(tx, "M1", payment.payId);
        assert.ok(stored);
        const begun = unwrap(
          beginCapture(stored.payment, { xid: id(), transId, amount: 100_00, currency: "EUR" }),
        );
        return commitPaymentChange(
          tx,
          {
            stored,
            payment: begun.payment,
            operation: {
              merchantId: "M1",
              idempotencyKey: idempotencyKey({
                merchantId: "M1",
                payId: payment.payId,
                action: "capture",
                sequence: begun.action.sequence,
              }),
              payId: payment.payId,
              xid: begun.action.xid,
              sequence: begun.action.sequence,
              action: "capture",
              amazonOperation: "captureCharge",
              request: { transId },
            },
          },
          NOW,
        );
      });
    // Interleaved (PostgreSQL) the second writer loses on the version; serialised (PGlite) it
    // finds the capture in flight and resumes it with the same key. Either way: one capture.
    const results = await Promise.allSettled([attempt("A"), attempt("B")]);
    for (const result of results) {
      if (result.status === "rejected")
        assert.ok(result.reason instanceof ConcurrentUpdateError, String(result.reason));
    }
    assert.ok(results.some((r) => r.status === "fulfilled"));
    const operations = await operationsOfPayment(db, "M1", payment.payId);
    assert.deepEqual(
      operations.map((o) => [o.action, o.request]),
      [["capture", operations[0]?.request]],
      "one planned capture call",
    );
    const stored = await loadPayment(db, "M1", payment.payId);
    assert.equal(stored?.payment.actions.filter((a) => a.kind === "capture").length, 1);
  });

  it("plans an Amazon call once and hands the same row back when the action resumes", async () => {
    const payment = await newPayment();
    const stored = await loadPayment(db, "M1", payment.payId);
    assert.ok(stored);
    const begun = unwrap(beginCompletion(unwrap(recordBuyerReturn(payment, "s", id())).payment, id()));
    const planned = {
      merchantId: "M1",
      idempotencyKey: `co2-${payment.payId.slice(0, 20)}`,
      payId: payment.payId,
      xid: begun.action.xid,
      sequence: begun.action.sequence,
      action: "complete",
      amazonOperation: "completeCheckoutSession",
      request: { chargeAmount: { amount: "100.00", currencyCode: "EUR" } },
    };
    const committed = await db.transaction((tx) =>
      commitPaymentChange(tx, { stored, payment: begun.payment, operation: planned }, NOW),
    );
    assert.equal(committed.operation?.state, "planned");
    await finishOperation(
      db,
      "M1",
      planned.idempotencyKey,
      { state: "unknown", reasonCode: "Timeout" },
      NOW + 2,
    );
    assert.equal((await findOperation(db, "M1", planned.idempotencyKey))?.state, "unknown");
    // After a restart the same action is resumed: planning again returns the first row.
    const again = await db.transaction(async (tx) => {
      const current = await loadPayment(tx, "M1", payment.payId);
      assert.ok(current);
      const resumed = unwrap(beginCompletion(current.payment, id()));
      assert.equal(resumed.resumed, true);
      return commitPaymentChange(
        tx,
        { stored: current, payment: resumed.payment, operation: { ...planned, request: { changed: true } } },
        NOW + 3,
      );
    });
    assert.deepEqual(
      again.operation?.request,
      planned.request,
      "the request first planned is what is resent",
    );
    assert.equal(again.operation?.state, "unknown", "the first row, as the unknown outcome left it");
  });

  it("answers a repeated ReqId from the first request and rolls back the repeat", async () => {
    const payment = await newPayment();
    const stored = await loadPayment(db, "M1", payment.payId);
    assert.ok(stored);
    const claim = {
      merchantId: "M1",
      reqId: `R-${payment.payId}`,
      page: "capture",
      payId: payment.payId,
      xid: "X1",
    };
    await db.transaction((tx) => commitPaymentChange(tx, { stored, payment, reqId: claim }, NOW));
    const reloaded = await loadPayment(db, "M1", payment.payId);
    assert.ok(reloaded);
    const changed = unwrap(recordBuyerReturn(reloaded.payment, "s", id())).payment;
    const replay = await db
      .transaction((tx) =>
        commitPaymentChange(tx, { stored: reloaded, payment: changed, reqId: { ...claim, xid: "X2" } }, NOW),
      )
      .catch((error: unknown) => error);
    assert.ok(replay instanceof ReqIdReplayError);
    assert.equal(replay.record.xid, "X1");
    assert.equal(
      (await loadPayment(db, "M1", payment.payId))?.version,
      reloaded.version,
      "nothing was written",
    );
    assert.equal(await findReqId(db, "M2", claim.reqId, NOW), undefined, "ReqIds are per merchant");
    assert.equal(
      await findReqId(db, "M1", claim.reqId, NOW + REQ_ID_RETENTION_MS),
      undefined,
      "forgotten after 12 months",
    );
  });

  it("writes notifications with the state change, once per action and event", async () => {
    const payment = await newPayment();
    let stored = await loadPayment(db, "M1", payment.payId);
    assert.ok(stored);
    const begun = unwrap(beginCompletion(unwrap(recordBuyerReturn(payment, "s", id())).payment, id()));
    await db.transaction((tx) =>
      commitPaymentChange(tx, { stored: stored as never, payment: begun.payment }, NOW),
    );
    stored = await loadPayment(db, "M1", payment.payId);
    assert.ok(stored);
    const done = unwrap(
      recordOutcome(stored.payment, begun.action.xid, {
        kind: "authorized",
        chargePermissionId: "P",
        chargeId: "C",
      }),
    );
    const event = done.events[0];
    assert.ok(event);
    const notification = { merchantId: "M1", payId: payment.payId, event, payload: { Status: "OK" } };
    await db.transaction((tx) =>
      commitPaymentChange(
        tx,
        { stored: stored as never, payment: done.payment, notifications: [notification, notification] },
        NOW,
      ),
    );
    const written = await notificationsOfPayment(db, "M1", payment.payId);
    assert.deepEqual(
      written.map((n) => [n.event, n.xid, n.status, n.payload]),
      [["completion", begun.action.xid, "pending", { Status: "OK" }]],
    );
    assert.deepEqual(await notificationsOfPayment(db, "M2", payment.payId), []);
    // A capture that cannot be saved (stale version) leaves no notification behind.
    const capture = unwrap(
      beginCapture(done.payment, { xid: id(), transId: "T1", amount: 100_00, currency: "EUR" }),
    );
    await assert.rejects(
      db.transaction((tx) =>
        commitPaymentChange(
          tx,
          {
            stored: stored as never,
            payment: capture.payment,
            notifications: [
              { ...notification, event: { ...event, type: "capture", xid: capture.action.xid } },
            ],
          },
          NOW,
        ),
      ),
      ConcurrentUpdateError,
    );
    assert.equal((await notificationsOfPayment(db, "M1", payment.payId)).length, 1);
  });
});
