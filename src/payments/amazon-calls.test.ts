import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { idempotencyKey } from "../core/idempotency.js";
import { AMAZON_OPERATIONS, isAmazonOperation, keyOf, RESUMABLE_OPERATIONS } from "./amazon-calls.js";
import { paymentUntil } from "./test-support.js";

describe("Amazon calls as data", () => {
  it("resumes every money-moving call from the job, the buyer's completion included", () => {
    assert.deepEqual([...RESUMABLE_OPERATIONS].sort(), [
      "cancelCharge",
      "captureCharge",
      "completeCheckoutSession",
      "createCharge",
      "createRefund",
    ]);
    for (const rule of Object.values(AMAZON_OPERATIONS)) assert.equal(rule.moneyMoving, true);
  });

  it("derives each call's key from its action's kind and sequence", () => {
    const payment = paymentUntil("authorized");
    const action = payment.actions.at(-1);
    assert.ok(action);
    const scope = { merchantId: payment.merchantId, payId: payment.payId, sequence: action.sequence };
    assert.equal(keyOf(payment, action, "captureCharge"), idempotencyKey({ ...scope, action: "capture" }));
    assert.equal(keyOf(payment, action, "createCharge"), idempotencyKey({ ...scope, action: "charge" }));
    assert.notEqual(keyOf(payment, action, "createRefund"), keyOf(payment, action, "captureCharge"));
  });

  it("knows only its own operations when reading a stored call back", () => {
    assert.equal(isAmazonOperation("captureCharge"), true);
    assert.equal(isAmazonOperation("toString"), false);
    assert.equal(isAmazonOperation("closeChargePermission"), false);
  });
});
