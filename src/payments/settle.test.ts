import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { beginCapture, recordOutcome } from "../core/payment.js";
import { settlePending } from "./settle.js";
import { CONTEXT, fakes, MERCHANT, paymentUntil, stored } from "./test-support.js";

const PAY_ID = "a".repeat(32);

describe("settlePending with the payment as the caller read it (the IPN intake)", () => {
  it("reads the payment again before asking Amazon: the flow recorded the answer meanwhile", async () => {
    const { deps, store, amazon } = fakes();
    const xid = "4".repeat(32);
    const begun = beginCapture(paymentUntil("authorized"), {
      xid,
      transId: "CAP-1",
      amount: 100_00,
      currency: "EUR",
    });
    assert.ok(begun.ok);
    // What the IPN intake read: Authorized, the capture's call still waiting for Amazon's answer.
    const loaded = { payment: begun.payment, context: CONTEXT, version: 2 };
    // What the store holds by now: the capture's own step recorded Amazon's answer.
    const captured = recordOutcome(begun.payment, xid, { kind: "captured" });
    assert.ok(captured.ok);
    stored(store, captured.payment);
    // A CHARGE IPN (the capture's) on a payment read as Authorized asks whether Amazon cancelled it.
    const settled = await settlePending(deps, MERCHANT, PAY_ID, { loaded, chargeChanged: true });
    assert.deepEqual(settled, { applied: 0, stillPending: false });
    assert.deepEqual(amazon.calls, [], "Amazon is not asked about an answer already kept");
  });

  it("does not read again when the payment as read has nothing for Amazon", async () => {
    const { deps, store, amazon } = fakes();
    const record = stored(store, paymentUntil("authorized"));
    let loads = 0;
    const load = store.load.bind(store);
    store.load = async (merchantId, payId) => {
      loads += 1;
      return load(merchantId, payId);
    };
    const settled = await settlePending(deps, MERCHANT, PAY_ID, { loaded: record });
    assert.deepEqual(settled, { applied: 0, stillPending: false });
    assert.equal(loads, 0);
    assert.deepEqual(amazon.calls, []);
  });
});
