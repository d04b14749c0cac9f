import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { capture } from "./capture.js";
import { refund } from "./refund.js";
import { settlePending } from "./settle.js";
import { charge, fakes, MERCHANT, paymentUntil, refundOf, stored } from "./test-support.js";

const PAY_ID = "a".repeat(32);

async function captured() {
  const world = fakes();
  stored(world.store, paymentUntil("authorized"));
  world.amazon.answer("captureCharge", () => charge("Captured"));
  const done = await capture(world.deps, MERCHANT, {
    payId: PAY_ID,
    transId: undefined,
    reqId: undefined,
    amount: 100_00,
    currency: "EUR",
    softDescriptor: undefined,
    simulationCode: undefined,
  });
  assert.ok(done.ok);
  return world;
}

describe("refund step", () => {
  it("a refund Amazon settles later is pending; settling it commits the credit and its notification once", async () => {
    const { deps, store, amazon } = await captured();
    amazon.answer("createRefund", () => refundOf("RefundInitiated"));
    const done = await refund(deps, MERCHANT, {
      payId: PAY_ID,
      transId: "CR-1",
      reqId: undefined,
      amount: 40_00,
      currency: "EUR",
      simulationCode: "RefundDeclined",
    });
    assert.ok(done.ok);
    assert.equal(done.action.state, "pending");
    assert.equal(done.payment.creditPending, 40_00);
    const planned = [...store.calls.values()].find((call) => call.call.operation === "createRefund");
    assert.deepEqual(planned?.call.request, {
      chargeId: "C1",
      refundAmount: { amount: "40.00", currencyCode: "EUR" },
      simulationCode: "RefundDeclined",
    });
    assert.deepEqual(amazon.called("createRefund")[0]?.[1], {
      idempotencyKey: planned?.idempotencyKey,
      simulationCode: "RefundDeclined",
    });
    assert.equal(store.notified().filter((n) => n.kind === "credit").length, 0, "nothing decided yet");

    amazon.answer("getRefund", () => refundOf("Refunded"));
    assert.deepEqual(await settlePending(deps, MERCHANT, PAY_ID), { applied: 1, stillPending: false });
    assert.deepEqual(await settlePending(deps, MERCHANT, PAY_ID), { applied: 0, stillPending: false });
    const payment = (await store.load(MERCHANT, PAY_ID))?.payment;
    assert.equal(payment?.credited, 40_00);
    assert.deepEqual(
      store.notified().map((n) => [n.kind, n.event.result]),
      [
        ["capture", "OK"],
        ["credit", "OK"],
      ],
    );
  });

  it("sends no simulation code to a live account", async () => {
    const world = fakes({ link: { live: true } });
    stored(world.store, paymentUntil("authorized"));
    world.amazon.answer("captureCharge", () => charge("Captured"));
    world.amazon.answer("createRefund", () => refundOf("Refunded"));
    const base = { payId: PAY_ID, transId: undefined, reqId: undefined, currency: "EUR" };
    await capture(world.deps, MERCHANT, {
      ...base,
      amount: 100_00,
      softDescriptor: undefined,
      simulationCode: undefined,
    });
    const done = await refund(world.deps, MERCHANT, {
      ...base,
      amount: 10_00,
      simulationCode: "RefundDeclined",
    });
    assert.ok(done.ok);
    assert.equal(done.action.state, "succeeded");
    assert.equal(
      world.amazon.argument<{ simulationCode?: string }>("createRefund", 0, 1).simulationCode,
      undefined,
    );
  });
});
