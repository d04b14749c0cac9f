import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AUTHORIZATION_VALIDITY,
  type AuthorizationOutcome,
  authorizationOutcome,
  type ChargeRecord,
  cancelCharge,
  captureCharge,
  committedAmount,
  openCharge,
  renderCharge,
  tickCharge,
} from "./charge.js";
import { DAY, PENDING_DELAY, SECOND } from "./common.js";
import { refusal } from "./test-support.js";

const T0 = Date.UTC(2026, 0, 1, 12);
const EUR = (minor: number) => ({ minor, currency: "EUR" });
const approve: AuthorizationOutcome = { kind: "approve", expiresAfter: AUTHORIZATION_VALIDITY };

function newCharge(captureNow = false) {
  return {
    id: "S01-1234567-1234567-C000001",
    merchantId: "AMERCHANT",
    environment: "sandbox" as const,
    chargePermissionId: "S01-1234567-1234567",
    amount: EUR(10000),
    captureNow,
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
  };
}

function authorized(): ChargeRecord {
  return openCharge(newCharge(), approve, T0).charge;
}

describe("authorization outcome", () => {
  it("success cards approve, declined cards hard-decline", () => {
    assert.equal(authorizationOutcome({ kind: "Success" }, undefined, false).kind, "approve");
    const declined = authorizationOutcome({ kind: "Declined" }, undefined, false);
    assert.equal(declined.kind === "decline" && declined.reasonCode, "HardDeclined");
  });
  it("pending cards need canHandlePendingAuthorization", () => {
    const pending = {
      kind: "Pending",
      afterSeconds: 30,
      finalState: "Declined",
      finalReasonCode: "HardDeclined",
    } as const;
    const refused = authorizationOutcome(pending, undefined, false);
    assert.equal(refused.kind === "decline" && refused.reasonCode, "TransactionTimedOut");
    assert.deepEqual(authorizationOutcome(pending, undefined, true), {
      kind: "pending",
      after: 30 * SECOND,
      state: "Declined",
      reasonCode: "HardDeclined",
    });
  });
  it("a simulation overrides the card; a pending simulation needs canHandlePendingAuthorization", () => {
    const declined = authorizationOutcome(
      { kind: "Success" },
      { kind: "decline", reasonCode: "SoftDeclined" },
      false,
    );
    assert.equal(declined.kind === "decline" && declined.reasonCode, "SoftDeclined");
    const sim = { kind: "pending", state: "Authorized", reasonCode: null } as const;
    assert.equal(
      refusal(() => authorizationOutcome({ kind: "Success" }, sim, false)),
      "InvalidSandboxSimulationSpecified",
    );
    assert.deepEqual(authorizationOutcome({ kind: "Success" }, { kind: "expireSoon" }, false), {
      kind: "approve",
      expiresAfter: PENDING_DELAY,
    });
  });
});

describe("open charge", () => {
  it("authorizes, or captures with captureNow", () => {
    const charge = authorized();
    assert.equal(charge.status.state, "Authorized");
    assert.equal(charge.expiresAt, T0 + 30 * DAY);
    const captured = openCharge(newCharge(true), approve, T0);
    assert.equal(captured.charge.status.state, "Captured");
    assert.equal(captured.charge.captureAmount, 10000);
    assert.equal(captured.notices.length, 1);
  });
  it("stores a declined charge and answers with the decline code", () => {
    const result = openCharge(
      newCharge(),
      { kind: "decline", reasonCode: "HardDeclined", description: "no" },
      T0,
    );
    assert.equal(result.charge.status.state, "Declined");
    assert.equal(result.charge.status.reasonCode, "HardDeclined");
    assert.equal(result.error?.reasonCode, "HardDeclined");
    assert.equal(result.error?.status, 422);
  });
  it("refuses zero and above-maximum amounts", () => {
    assert.equal(
      refusal(() => openCharge({ ...newCharge(), amount: EUR(0) }, approve, T0)),
      "InvalidParameterValue",
    );
    assert.equal(
      refusal(() => openCharge({ ...newCharge(), amount: EUR(150_000_01) }, approve, T0)),
      "TransactionAmountExceeded",
    );
  });
  it("resolves a pending authorization at its due time, with captureNow capturing", () => {
    const pending = openCharge(
      newCharge(true),
      { kind: "pending", after: PENDING_DELAY, state: "Authorized", reasonCode: null },
      T0,
    );
    assert.equal(pending.charge.status.state, "AuthorizationInitiated");
    assert.equal(tickCharge(pending.charge, T0 + 29 * SECOND).charge, pending.charge);
    const done = tickCharge(pending.charge, T0 + 31 * SECOND);
    assert.equal(done.charge.status.state, "Captured");
    assert.equal(done.charge.status.lastUpdated, T0 + 30 * SECOND);
    assert.equal(done.notices.length, 1);
  });
  it("declines a pending authorization after 30 s", () => {
    const pending = openCharge(
      newCharge(),
      { kind: "pending", after: PENDING_DELAY, state: "Declined", reasonCode: "HardDeclined" },
      T0,
    );
    const done = tickCharge(pending.charge, T0 + PENDING_DELAY).charge;
    assert.equal(done.status.state, "Declined");
    assert.equal(done.status.reasonCode, "HardDeclined");
  });
});

describe("capture", () => {
  it("captures synchronously within 7 days", () => {
    const result = captureCharge(authorized(), EUR(10000), "SHOP", undefined, T0 + 7 * DAY);
    assert.equal(result.charge.status.state, "Captured");
    assert.equal(result.charge.softDescriptor, "SHOP");
    assert.equal(committedAmount(result.charge), 10000);
  });
  it("captures asynchronously after 7 days", () => {
    const result = captureCharge(authorized(), EUR(5000), null, undefined, T0 + 7 * DAY + 1);
    assert.equal(result.charge.status.state, "CaptureInitiated");
    const done = tickCharge(result.charge, T0 + 8 * DAY).charge;
    assert.equal(done.status.state, "Captured");
    assert.equal(done.captureAmount, 5000);
  });
  it("follows capture simulations", () => {
    const rejected = captureCharge(
      authorized(),
      EUR(100),
      null,
      { kind: "pending", state: "Declined", reasonCode: "AmazonRejected" },
      T0,
    );
    assert.equal(rejected.charge.status.state, "CaptureInitiated");
    const done = tickCharge(rejected.charge, T0 + PENDING_DELAY).charge;
    assert.equal(done.status.state, "Declined");
    assert.equal(done.status.reasonCode, "AmazonRejected");
    assert.equal(committedAmount(done), 0);
  });
  it("refuses a second capture, other currencies and more than authorized", () => {
    const captured = captureCharge(authorized(), EUR(100), null, undefined, T0).charge;
    assert.equal(
      refusal(() => captureCharge(captured, EUR(100), null, undefined, T0)),
      "InvalidChargeStatus",
    );
    assert.equal(
      refusal(() => captureCharge(authorized(), { minor: 100, currency: "GBP" }, null, undefined, T0)),
      "CurrencyMismatch",
    );
    assert.equal(
      refusal(() => captureCharge(authorized(), EUR(10001), null, undefined, T0)),
      "TransactionAmountExceeded",
    );
    assert.equal(
      refusal(() => captureCharge(authorized(), EUR(0), null, undefined, T0)),
      "InvalidParameterValue",
    );
  });
});

describe("cancel and expiry", () => {
  it("cancels Authorized and AuthorizationInitiated charges only", () => {
    const canceled = cancelCharge(authorized(), "MerchantCanceled", "changed mind", T0).charge;
    assert.equal(canceled.status.state, "Canceled");
    assert.equal(canceled.status.reasonCode, "MerchantCanceled");
    assert.equal(
      refusal(() => cancelCharge(canceled, "MerchantCanceled", null, T0)),
      "InvalidChargeStatus",
    );
    const pending = openCharge(
      newCharge(),
      { kind: "pending", after: PENDING_DELAY, state: "Authorized", reasonCode: null },
      T0,
    );
    assert.equal(cancelCharge(pending.charge, "ChargePermissionCanceled", null, T0).charge.pending, null);
  });
  it("expires an unused authorization after 30 days", () => {
    const charge = authorized();
    assert.equal(tickCharge(charge, T0 + 30 * DAY - 1).charge.status.state, "Authorized");
    const expired = tickCharge(charge, T0 + 31 * DAY).charge;
    assert.equal(expired.status.state, "Canceled");
    assert.equal(expired.status.reasonCode, "ExpiredUnused");
    assert.equal(expired.status.lastUpdated, T0 + 30 * DAY);
  });
  it("runs a pending authorization and its later expiry in one tick", () => {
    const pending = openCharge(
      newCharge(),
      { kind: "pending", after: PENDING_DELAY, state: "Authorized", reasonCode: null },
      T0,
    );
    const result = tickCharge(pending.charge, T0 + 40 * DAY);
    assert.equal(result.charge.status.reasonCode, "ExpiredUnused");
    assert.equal(result.notices.length, 2);
  });
});

describe("render", () => {
  it("has Amazon's keys in order, decimal strings and compact timestamps", () => {
    const charge = captureCharge(authorized(), EUR(2550), null, undefined, T0).charge;
    const wire = renderCharge(charge, "Sandbox");
    assert.deepEqual(Object.keys(wire), [
      "chargeId",
      "chargeAmount",
      "chargePermissionId",
      "captureAmount",
      "refundedAmount",
      "softDescriptor",
      "providerMetadata",
      "convertedAmount",
      "conversionRate",
      "channel",
      "chargeInitiator",
      "statusDetails",
      "creationTimestamp",
      "expirationTimestamp",
      "releaseEnvironment",
      "merchantMetadata",
      "platformId",
      "webCheckoutDetails",
    ]);
    assert.deepEqual(wire.chargeAmount, { amount: "100.00", currencyCode: "EUR" });
    assert.deepEqual(wire.captureAmount, { amount: "25.50", currencyCode: "EUR" });
    assert.deepEqual(wire.refundedAmount, { amount: "0.00", currencyCode: "EUR" });
    assert.equal(wire.creationTimestamp, "20260101T120000Z");
  });
});
