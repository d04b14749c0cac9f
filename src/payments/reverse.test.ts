import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AmazonPayApiError } from "../amazon/errors.js";
import { reverse } from "./reverse.js";
import { charge, fakes, MERCHANT, paymentUntil, stored } from "./test-support.js";

const command = { payId: "a".repeat(32), transId: undefined, reqId: undefined, reason: "x".repeat(300) };

describe("reverse step", () => {
  it("cancels the charge with the reason cut to Amazon's 255 characters and no idempotency key", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"));
    amazon.answer("cancelCharge", () => charge("Canceled"));
    const done = await reverse(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.action.state, "succeeded");
    assert.equal(done.payment.status, "Canceled");
    const [args] = amazon.called("cancelCharge");
    assert.equal(args?.[0], "C1");
    assert.equal(
      amazon.argument<{ cancellationReason: string }>("cancelCharge", 0, 1).cancellationReason.length,
      255,
    );
    assert.equal(args?.length, 2, "Cancel Charge takes no idempotency key");
  });

  it("reads the charge when a repeated cancel is refused, and records it cancelled", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"));
    amazon.answer("cancelCharge", () => {
      throw new AmazonPayApiError({ reasonCode: "InvalidChargeStatus", message: "already", outcome: "fail" });
    });
    amazon.answer("getCharge", () => charge("Canceled"));
    const done = await reverse(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.action.state, "succeeded");
  });

  it("keeps Amazon's refusal when the charge is not cancelled after all", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"));
    amazon.answer("cancelCharge", () => {
      throw new AmazonPayApiError({
        reasonCode: "InvalidChargeStatus",
        message: "captured",
        outcome: "fail",
      });
    });
    amazon.answer("getCharge", () => charge("Captured"));
    const done = await reverse(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.action.state, "failed");
    assert.equal(done.action.reasonCode, "InvalidChargeStatus");
  });
});
