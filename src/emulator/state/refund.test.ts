import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AUTHORIZATION_VALIDITY, type ChargeRecord, captureCharge, openCharge } from "./charge.js";
import { PENDING_DELAY } from "./common.js";
import { openRefund, type RefundRecord, refundCeiling, renderRefund, tickRefund } from "./refund.js";
import { EUR, refusal, T0 } from "./test-support.js";

function capturedCharge(minor: number, currency = "EUR"): ChargeRecord {
  const authorized = openCharge(
    {
      id: "S01-0000001-0000001-C000001",
      merchantId: "AMERCHANT",
      environment: "sandbox",
      chargePermissionId: "S01-0000001-0000001",
      amount: { minor, currency },
      captureNow: false,
      softDescriptor: null,
      providerMetadata: { providerReferenceId: null },
      merchantMetadata: {
        merchantReferenceId: null,
        merchantStoreName: null,
        noteToBuyer: null,
        customInformation: null,
      },
      platformId: null,
      channel: null,
      chargeInitiator: null,
    },
    { kind: "approve", expiresAfter: AUTHORIZATION_VALIDITY },
    T0,
  ).charge;
  return captureCharge(authorized, { minor, currency }, null, undefined, T0).charge;
}

function refund(charge: ChargeRecord, existing: RefundRecord[], minor: number): RefundRecord {
  return openRefund(
    {
      id: `R${existing.length}`,
      charge,
      existing,
      amount: { minor, currency: charge.amount.currency },
      softDescriptor: null,
    },
    undefined,
    T0,
  ).refund;
}

describe("refund ceiling", () => {
  it("is captured + min(15 %, 75.00) for EUR and min(15 %, 8,400) for JPY", () => {
    assert.equal(refundCeiling(100_00, "EUR"), 115_00);
    assert.equal(refundCeiling(1000_00, "EUR"), 1075_00);
    assert.equal(refundCeiling(10_000, "JPY"), 11_500);
    assert.equal(refundCeiling(100_000, "JPY"), 108_400);
  });
  it("accepts refunds up to the ceiling and refuses one unit more (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000_00 }),
        fc.integer({ min: 1, max: 9 }),
        (captured, parts) => {
          const charge = capturedCharge(captured);
          const ceiling = refundCeiling(captured, "EUR");
          assert.ok(ceiling >= captured && ceiling - captured <= 75_00);
          const share = Math.floor(ceiling / parts);
          const refunds: RefundRecord[] = [];
          for (let i = 0; i < parts && share > 0 && share <= 150_000_00; i++)
            refunds.push(refund(charge, refunds, share));
          const rest = ceiling - refunds.reduce((sum, r) => sum + r.amount.minor, 0);
          if (rest > 0 && rest <= 150_000_00 && refunds.length < 10)
            refunds.push(refund(charge, refunds, rest));
          if (refunds.length < 10)
            assert.equal(
              refusal(() => refund(charge, refunds, 1)),
              "TransactionAmountExceeded",
            );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("refund rules", () => {
  it("refuses refunds on charges that are not captured", () => {
    const charge = {
      ...capturedCharge(1000),
      status: { ...capturedCharge(1000).status, state: "Authorized" as const },
    };
    assert.equal(
      refusal(() => refund(charge, [], 100)),
      "InvalidChargeStatus",
    );
  });
  it("refuses another currency, zero, and an 11th refund", () => {
    const charge = capturedCharge(1000_00);
    assert.equal(
      refusal(() =>
        openRefund(
          { id: "x", charge, existing: [], amount: { minor: 1, currency: "GBP" }, softDescriptor: null },
          undefined,
          T0,
        ),
      ),
      "CurrencyMismatch",
    );
    assert.equal(
      refusal(() => refund(charge, [], 0)),
      "InvalidParameterValue",
    );
    const refunds: RefundRecord[] = [];
    for (let i = 0; i < 10; i++) refunds.push(refund(charge, refunds, 1_00));
    assert.equal(
      refusal(() => refund(charge, refunds, 1_00)),
      "TransactionCountExceeded",
    );
  });
  it("does not count declined refunds against the ceiling", () => {
    const charge = capturedCharge(100_00);
    const declined = openRefund(
      { id: "R0", charge, existing: [], amount: EUR(100_00), softDescriptor: null },
      { kind: "pending", state: "Declined", reasonCode: "AmazonRejected" },
      T0,
    ).refund;
    const done = tickRefund(declined, T0 + PENDING_DELAY).refund;
    assert.equal(done.status.state, "Declined");
    assert.equal(done.status.reasonCode, "AmazonRejected");
    assert.equal(refund(charge, [done], 115_00).amount.minor, 115_00);
  });
  it("starts RefundInitiated and is Refunded 30 s later", () => {
    const created = refund(capturedCharge(100_00), [], 10_00);
    assert.equal(created.status.state, "RefundInitiated");
    assert.equal(tickRefund(created, T0 + PENDING_DELAY - 1).refund, created);
    const done = tickRefund(created, T0 + PENDING_DELAY);
    assert.equal(done.refund.status.state, "Refunded");
    assert.equal(done.notices.length, 1);
    assert.deepEqual(Object.keys(renderRefund(done.refund, "Sandbox")), [
      "refundId",
      "chargeId",
      "creationTimestamp",
      "refundAmount",
      "statusDetails",
      "softDescriptor",
      "releaseEnvironment",
    ]);
    assert.deepEqual(renderRefund(done.refund, "Sandbox").refundAmount, {
      amount: "10.00",
      currencyCode: "EUR",
    });
  });
});
