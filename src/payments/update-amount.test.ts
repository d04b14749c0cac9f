import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AmazonPayApiError } from "../amazon/errors.js";
import { fakes, MERCHANT, paymentUntil, session, stored } from "./test-support.js";
import { updateAmount } from "./update-amount.js";

const command = { payId: "a".repeat(32), amount: 80_00, currency: "EUR", countryCode: "EU" };

describe("update amount step", () => {
  it("changes the amount once Amazon's session took it", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("buyerReturned"));
    amazon.answer("updateCheckoutSession", () => session("Open"));
    const done = await updateAmount(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.payment.amount, 80_00);
    assert.equal(done.amazonRefusal, undefined);
    assert.equal((await store.load(MERCHANT, command.payId))?.payment.amount, 80_00);
  });

  it("keeps the amount when Amazon refuses it, and says why", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("buyerReturned"));
    amazon.answer("updateCheckoutSession", () => {
      throw new AmazonPayApiError({
        reasonCode: "InvalidParameterValue",
        message: "too much",
        outcome: "fail",
      });
    });
    const done = await updateAmount(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.payment.amount, 100_00);
    assert.deepEqual(done.amazonRefusal, {
      kind: "amazonRefused",
      reasonCode: "InvalidParameterValue",
      message: "too much",
    });
    assert.equal(store.commits.length, 0);
  });

  it("refuses another marketplace than the payment's", async () => {
    const { deps, store } = fakes();
    stored(store, paymentUntil("initialised"));
    const done = await updateAmount(deps, MERCHANT, { ...command, countryCode: "UK" });
    assert.deepEqual(!done.ok && done.refusal, { kind: "countryMismatch" });
  });
});
