import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { moneyFromOptionalPrice, moneyFromPrice, priceFromMoney } from "./map.js";

describe("prices ↔ money", () => {
  it("reads Amazon's strings exactly", () => {
    assert.deepEqual(moneyFromPrice({ amount: "14.00", currencyCode: "EUR" }), {
      minor: 1400,
      currency: "EUR",
    });
    assert.deepEqual(moneyFromPrice({ amount: "1000", currencyCode: "JPY" }), {
      minor: 1000,
      currency: "JPY",
    });
    assert.deepEqual(moneyFromPrice({ amount: "0.1", currencyCode: "USD" }), { minor: 10, currency: "USD" });
    assert.equal(moneyFromOptionalPrice(null), undefined);
  });

  it("refuses more decimals than the currency has and unknown currencies", () => {
    assert.throws(() => moneyFromPrice({ amount: "1.005", currencyCode: "EUR" }), RangeError);
    assert.throws(() => moneyFromPrice({ amount: "10.5", currencyCode: "JPY" }), RangeError);
    assert.throws(() => moneyFromPrice({ amount: "1", currencyCode: "XXX" }), RangeError);
  });

  it("round-trips every amount", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15_000_000_000 }),
        fc.constantFrom("EUR", "GBP", "USD", "JPY"),
        (minor, currency) => {
          const price = priceFromMoney({ minor, currency });
          assert.deepEqual(moneyFromPrice(price), { minor, currency });
        },
      ),
    );
  });
});
