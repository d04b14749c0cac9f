import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AmazonPayConnectionError } from "../amazon/errors.js";
import { inquire } from "./inquire.js";
import { charge, fakes, MERCHANT, paymentUntil, stored } from "./test-support.js";

const PAY_ID = "a".repeat(32);

/** An authorised payment whose capture Amazon has not decided yet. */
function capturePending() {
  const payment = paymentUntil("authorized");
  return {
    ...payment,
    status: "CapturePending" as const,
    actions: [
      ...payment.actions,
      {
        xid: "4".repeat(32),
        kind: "capture" as const,
        sequence: 4,
        transId: "T1",
        amount: 100_00,
        state: "pending" as const,
      },
    ],
  };
}

describe("inquire step", () => {
  it("records what Amazon settled meanwhile before answering", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, capturePending());
    amazon.answer("getCharge", () => charge("Captured"));
    const done = await inquire(deps, MERCHANT, PAY_ID);
    assert.ok(done.ok);
    assert.equal(done.payment.status, "Captured");
    assert.equal(done.answeredFromStore, undefined);
  });

  it("answers from the store, saying why, when Amazon cannot be reached", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, capturePending());
    amazon.answer("getCharge", () => {
      throw new AmazonPayConnectionError({
        reasonCode: "NetworkError",
        message: "ECONNREFUSED",
        outcome: "retry",
      });
    });
    const done = await inquire(deps, MERCHANT, PAY_ID);
    assert.ok(done.ok);
    assert.equal(done.payment.status, "CapturePending");
    assert.deepEqual(done.answeredFromStore, {
      kind: "amazonUnavailable",
      reasonCode: "NetworkError",
      message: "ECONNREFUSED",
    });
  });

  it("does not hide a fault that is not Amazon's", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, capturePending());
    amazon.answer("getCharge", () => {
      throw new TypeError("a bug");
    });
    await assert.rejects(inquire(deps, MERCHANT, PAY_ID), TypeError);
  });

  it("refuses an unknown PayID", async () => {
    const { deps } = fakes();
    const done = await inquire(deps, MERCHANT, PAY_ID);
    assert.deepEqual(!done.ok && done.refusal, { kind: "paymentUnknown" });
  });
});
