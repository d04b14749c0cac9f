import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUTHORIZATION_VALIDITY, type ChargeRecord, captureCharge, openCharge } from "./charge.js";
import {
  assertChargeable,
  closePermission,
  invalidatePaymentMethod,
  openPermission,
  overchargeLimit,
  type PermissionRecord,
  permissionLimits,
  renderPermission,
  replacePaymentMethod,
  settlePermission,
  updatePermission,
} from "./charge-permission.js";
import { addMonths, DAY } from "./common.js";
import { EUR, JPY, refusal, T0, walletChoice } from "./test-support.js";

function permission(type: PermissionRecord["type"] = "OneTime", currency = "EUR", extendExpiration = false) {
  const choice = walletChoice();
  return openPermission(
    {
      id: "S01-0000001-0000001",
      merchantId: "AMERCHANT",
      environment: "sandbox",
      checkoutSessionId: "cs",
      type,
      buyer: choice.buyer,
      shippingAddress: choice.shippingAddress,
      instrument: choice.instrument,
      merchantMetadata: {
        merchantReferenceId: "o-1",
        merchantStoreName: null,
        noteToBuyer: null,
        customInformation: null,
      },
      platformId: null,
      recurringMetadata:
        type === "Recurring" ? { frequency: { unit: "Month", value: "1" }, amount: null } : null,
      currency,
      amountLimit: type === "OneTime" ? 100_00 : null,
      extendExpiration,
    },
    T0,
  ).permission;
}

let chargeCount = 0;
function charge(minor: number, at = T0, currency = "EUR", capture = false): ChargeRecord {
  const authorized = openCharge(
    {
      id: `C${chargeCount++}`,
      merchantId: "AMERCHANT",
      environment: "sandbox",
      chargePermissionId: "S01-0000001-0000001",
      amount: { minor, currency },
      captureNow: capture,
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
    at,
  ).charge;
  return authorized;
}

describe("charge permission lifetimes", () => {
  it("OneTime lasts 180 days, 13 months with extendExpiration; Recurring 13 months; saved wallet forever", () => {
    assert.equal(permission().expiresAt, T0 + 180 * DAY);
    assert.equal(permission("OneTime", "EUR", true).expiresAt, addMonths(T0, 13));
    assert.equal(permission("Recurring").expiresAt, addMonths(T0, 13));
    assert.equal(permission("PaymentMethodOnFile").expiresAt, null);
  });
  it("closes as Expired at its expiry", () => {
    const p = permission();
    assert.equal(settlePermission(p, [], T0 + 180 * DAY - 1).permission, p);
    const expired = settlePermission(p, [], T0 + 200 * DAY);
    assert.equal(expired.permission.status.state, "Closed");
    assert.deepEqual(
      expired.permission.status.reasons.map((r) => r.reasonCode),
      ["Expired"],
    );
    assert.equal(expired.notices.length, 1);
  });
  it("closes a OneTime permission once the limit is captured and nothing is open", () => {
    const p = permission();
    const partial = captureCharge(charge(60_00), EUR(60_00), null, undefined, T0).charge;
    assert.equal(settlePermission(p, [partial], T0).permission.status.state, "Chargeable");
    const rest = charge(40_00);
    assert.equal(settlePermission(p, [partial, rest], T0).permission.status.state, "Chargeable");
    const done = captureCharge(rest, EUR(40_00), null, undefined, T0).charge;
    assert.equal(settlePermission(p, [partial, done], T0).permission.status.state, "Closed");
  });
});

describe("limits", () => {
  it("OneTime balance is the limit minus authorized and captured amounts", () => {
    const p = permission();
    const captured = captureCharge(charge(50_00), EUR(30_00), null, undefined, T0).charge;
    assert.deepEqual(permissionLimits(p, [captured, charge(20_00)], T0), { limit: 100_00, balance: 50_00 });
    assert.equal(
      refusal(() => assertChargeable(p, [captured], EUR(70_01), T0)),
      "TransactionAmountExceeded",
    );
    assert.doesNotThrow(() => assertChargeable(p, [captured], EUR(70_00), T0));
  });
  it("overcharge limit is max(900 %, 500.00 or 70,000 JPY)", () => {
    assert.equal(overchargeLimit(10_00, "EUR"), 500_00);
    assert.equal(overchargeLimit(100_00, "EUR"), 900_00);
    assert.equal(overchargeLimit(1_000, "JPY"), 70_000);
  });
  it("Recurring: monthly limit per calendar month, PeriodicAmountExceeded above it", () => {
    const p = permission("Recurring", "JPY");
    const january = [charge(60_000, T0, "JPY"), charge(30_000, T0 + DAY, "JPY")];
    assert.deepEqual(permissionLimits(p, january, T0 + 2 * DAY), { limit: 100_000, balance: 10_000 });
    assert.equal(
      refusal(() => assertChargeable(p, january, JPY(10_001), T0 + 2 * DAY)),
      "PeriodicAmountExceeded",
    );
    const february = Date.UTC(2026, 1, 1);
    assert.doesNotThrow(() => assertChargeable(p, january, JPY(100_000), february));
    assert.equal(permissionLimits(permission("Recurring"), [], T0).limit, 500_00);
    assert.equal(permissionLimits(permission("PaymentMethodOnFile"), [], T0).limit, 15_000_00);
  });
  it("refuses other currencies, closed permissions and a 26th OneTime charge", () => {
    const p = permission();
    assert.equal(
      refusal(() => assertChargeable(p, [], { minor: 1, currency: "GBP" }, T0)),
      "CurrencyMismatch",
    );
    const closed = closePermission(p, "MerchantClosed", "done", T0).permission;
    assert.equal(
      refusal(() => assertChargeable(closed, [], EUR(1), T0)),
      "InvalidChargePermissionStatus",
    );
    const many = Array.from({ length: 25 }, () => ({
      ...charge(1),
      status: { ...charge(1).status, state: "Declined" as const },
    }));
    assert.equal(
      refusal(() => assertChargeable(p, many, EUR(1), T0)),
      "TransactionCountExceeded",
    );
  });
});

describe("charge in progress", () => {
  it("a pending authorization shows NonChargeable/ChargeInProgress and refuses another charge", () => {
    const p = permission();
    const pending = openCharge(
      { ...charge(10_00), id: "pending" },
      { kind: "pending", after: 30_000, state: "Authorized", reasonCode: null },
      T0,
    ).charge;
    assert.equal(
      refusal(() => assertChargeable(p, [pending], EUR(1), T0)),
      "InvalidChargePermissionStatus",
    );
    const wire = renderPermission(p, [pending], T0, "Sandbox");
    assert.equal(wire.statusDetails.state, "NonChargeable");
    assert.deepEqual(
      wire.statusDetails.reasons?.map((r) => r.reasonCode),
      ["ChargeInProgress"],
    );
    assert.equal(renderPermission(p, [charge(10_00)], T0, "Sandbox").statusDetails.state, "Chargeable");
  });
});

describe("update and close", () => {
  it("merges merchant metadata; refuses on Closed; recurringMetadata only on Recurring", () => {
    const p = permission();
    const updated = updatePermission(p, { merchantMetadata: { noteToBuyer: "thanks" } });
    assert.equal(updated.permission.merchantMetadata.merchantReferenceId, "o-1");
    assert.equal(updated.permission.merchantMetadata.noteToBuyer, "thanks");
    assert.equal(updated.notices[0]?.notificationType, "ATTRIBUTE_CHANGE");
    const frequency = { frequency: { unit: "Week" as const, value: "2" }, amount: null };
    assert.equal(
      refusal(() => updatePermission(p, { recurringMetadata: frequency })),
      "InvalidParameterCombination",
    );
    assert.deepEqual(
      updatePermission(permission("Recurring"), { recurringMetadata: frequency }).permission
        .recurringMetadata,
      frequency,
    );
    const closed = closePermission(p, "MerchantClosed", "bye", T0).permission;
    assert.equal(
      refusal(() => updatePermission(closed, {})),
      "ChargePermissionNotModifiable",
    );
  });
  it("closing twice changes nothing the second time", () => {
    const first = closePermission(permission(), "MerchantClosed", "bye", T0);
    assert.deepEqual(first.permission.status.reasons, [
      { reasonCode: "MerchantClosed", reasonDescription: "bye" },
    ]);
    const second = closePermission(first.permission, "MerchantClosed", "again", T0 + 1);
    assert.equal(second.permission, first.permission);
    assert.equal(second.notices.length, 0);
  });
  it("renders Amazon's keys in order with limits", () => {
    const wire = renderPermission(permission(), [], T0, "Sandbox");
    assert.deepEqual(Object.keys(wire), [
      "chargePermissionId",
      "chargePermissionReferenceId",
      "platformId",
      "buyer",
      "shippingAddress",
      "billingAddress",
      "paymentPreferences",
      "statusDetails",
      "creationTimestamp",
      "expirationTimestamp",
      "merchantMetadata",
      "releaseEnvironment",
      "limits",
      "chargePermissionType",
      "recurringMetadata",
      "presentmentCurrency",
    ]);
    assert.deepEqual(wire.limits, {
      amountLimit: { amount: "100.00", currencyCode: "EUR" },
      amountBalance: { amount: "100.00", currencyCode: "EUR" },
    });
    assert.equal(wire.statusDetails.reasons, null);
  });
});

describe("payment method invalid and replaced (§5.2, §12)", () => {
  it("a Chargeable permission becomes NonChargeable/PaymentMethodInvalid once, stamped with the decline", () => {
    const invalid = invalidatePaymentMethod(permission("Recurring"), T0 + 5);
    assert.equal(invalid.permission.status.state, "NonChargeable");
    assert.deepEqual(
      invalid.permission.status.reasons.map((reason) => reason.reasonCode),
      ["PaymentMethodInvalid"],
    );
    assert.equal(invalid.permission.status.lastUpdated, T0 + 5);
    assert.equal(invalid.notices[0]?.notificationType, "STATE_CHANGE");
    assert.equal(invalidatePaymentMethod(invalid.permission, T0 + 6).notices.length, 0);
    const closed = closePermission(permission(), "MerchantClosed", null, T0).permission;
    assert.equal(invalidatePaymentMethod(closed, T0).permission, closed);
    assert.equal(
      refusal(() => assertChargeable(invalid.permission, [], EUR(1_00), T0)),
      "InvalidChargePermissionStatus",
    );
  });

  it("a new instrument makes it Chargeable (STATE_CHANGE); on a Chargeable one it is an ATTRIBUTE_CHANGE; Closed refuses", () => {
    const other = walletChoice("4444").instrument;
    const invalid = invalidatePaymentMethod(permission("Recurring"), T0).permission;
    const repaired = replacePaymentMethod(invalid, other, T0 + 10);
    assert.equal(repaired.permission.status.state, "Chargeable");
    assert.deepEqual(repaired.permission.status.reasons, []);
    assert.equal(repaired.permission.instrument.last4, "4444");
    assert.equal(repaired.notices[0]?.notificationType, "STATE_CHANGE");
    const swapped = replacePaymentMethod(permission(), other, T0);
    assert.equal(swapped.permission.status.state, "Chargeable");
    assert.equal(swapped.notices[0]?.notificationType, "ATTRIBUTE_CHANGE");
    const closed = closePermission(permission(), "BuyerClosed", null, T0).permission;
    assert.equal(
      refusal(() => replacePaymentMethod(closed, other, T0)),
      "InvalidChargePermissionStatus",
    );
  });
});
