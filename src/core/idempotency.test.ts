import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IDEMPOTENCY_KEY_PATTERN, type IdempotencyScope, idempotencyKey } from "./idempotency.js";

const scopeArbitrary: fc.Arbitrary<IdempotencyScope> = fc.record({
  merchantId: fc.string({ maxLength: 30 }),
  payId: fc.string({ maxLength: 40 }),
  action: fc.constantFrom("complete", "capture", "credit", "reverse", "charge", "close"),
  sequence: fc.integer({ min: 1, max: 1_000_000 }),
});

describe("idempotency keys", () => {
  it("are at most 32 characters Amazon accepts, for any scope", () => {
    fc.assert(
      fc.property(scopeArbitrary, (scope) => {
        assert.match(idempotencyKey(scope), IDEMPOTENCY_KEY_PATTERN);
        assert.equal(idempotencyKey(scope).length, 32);
      }),
    );
  });

  // Pinned: a changed derivation would give in-flight operations new keys after an upgrade.
  it("are deterministic: the same operation always gets the same key", () => {
    const scope: IdempotencyScope = {
      merchantId: "Shop1",
      payId: "5dd8384e42d340d092d51bb49eee46d5",
      action: "capture",
      sequence: 3,
    };
    assert.equal(idempotencyKey(scope), idempotencyKey({ ...scope }));
    assert.equal(idempotencyKey(scope), "ca3-essjhiuFXbmLty6wOITPcPn9AViU");
  });

  it("differ when any part of the operation differs", () => {
    fc.assert(
      fc.property(scopeArbitrary, scopeArbitrary, (a, b) => {
        const same =
          a.merchantId === b.merchantId &&
          a.payId === b.payId &&
          a.action === b.action &&
          a.sequence === b.sequence;
        assert.equal(idempotencyKey(a) === idempotencyKey(b), same);
      }),
    );
    const base: IdempotencyScope = { merchantId: "ab", payId: "c", action: "credit", sequence: 1 };
    assert.notEqual(idempotencyKey(base), idempotencyKey({ ...base, merchantId: "a", payId: "bc" }));
  });

  it("refuses a sequence that is not a positive integer", () => {
    for (const sequence of [0, -1, 1.5]) {
      assert.throws(
        () => idempotencyKey({ merchantId: "m", payId: "p", action: "capture", sequence }),
        RangeError,
      );
    }
  });
});
