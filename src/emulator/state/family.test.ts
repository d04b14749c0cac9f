import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AUTHORIZATION_VALIDITY, captureCharge, openCharge } from "./charge.js";
import { openPermission } from "./charge-permission.js";
import { DAY, PENDING_DELAY } from "./common.js";
import { type Family, settle, tickFamily } from "./family.js";
import { openRefund } from "./refund.js";
import { EUR, T0, walletChoice } from "./test-support.js";

function family(): Family {
  const choice = walletChoice();
  const permission = openPermission(
    {
      id: "P",
      merchantId: "M",
      environment: "sandbox",
      checkoutSessionId: "cs",
      type: "OneTime",
      buyer: choice.buyer,
      shippingAddress: choice.shippingAddress,
      instrument: choice.instrument,
      merchantMetadata: {
        merchantReferenceId: null,
        merchantStoreName: null,
        noteToBuyer: null,
        customInformation: null,
      },
      platformId: null,
      recurringMetadata: null,
      currency: "EUR",
      amountLimit: 100_00,
      extendExpiration: false,
    },
    T0,
  ).permission;
  const authorized = openCharge(
    {
      id: "C1",
      merchantId: "M",
      environment: "sandbox",
      chargePermissionId: "P",
      amount: EUR(100_00),
      captureNow: false,
      softDescriptor: null,
      providerMetadata: { providerReferenceId: null },
      merchantMetadata: permission.merchantMetadata,
      platformId: null,
      channel: null,
      chargeInitiator: null,
    },
    { kind: "approve", expiresAfter: AUTHORIZATION_VALIDITY },
    T0,
  ).charge;
  return { permission, charges: [authorized], refunds: [] };
}

describe("family ticks", () => {
  it("changes nothing before any timer is due", () => {
    const start = family();
    const result = tickFamily(start, T0 + 1000);
    assert.equal(result.changed.size, 0);
    assert.equal(result.notices.length, 0);
    assert.equal(result.family.permission, start.permission);
  });

  it("a refund that completes raises its charge's refundedAmount, with one IPN for the refund", () => {
    const start = family();
    const [authorized] = start.charges;
    assert.ok(authorized);
    const captured = captureCharge(authorized, EUR(100_00), null, undefined, T0).charge;
    const refund = openRefund(
      { id: "R1", charge: captured, existing: [], amount: EUR(30_00), softDescriptor: null },
      undefined,
      T0,
    ).refund;
    const settled = settle({ ...start, charges: [captured] }, T0);
    assert.equal(settled.family.permission.status.state, "Closed");
    const result = tickFamily({ ...settled.family, refunds: [refund] }, T0 + PENDING_DELAY);
    assert.equal(result.family.charges[0]?.refundedAmount, 30_00);
    assert.deepEqual([...result.changed].sort(), ["C1", "R1"]);
    assert.deepEqual(
      result.notices.map((notice) => notice.objectType),
      ["REFUND"],
    );
  });

  it("an expiring authorization and the permission's expiry both fire, each with its IPN", () => {
    const result = tickFamily(family(), T0 + 200 * DAY);
    assert.equal(result.family.charges[0]?.status.reasonCode, "ExpiredUnused");
    assert.equal(result.family.permission.status.state, "Closed");
    assert.deepEqual(
      result.notices.map((notice) => notice.objectType),
      ["CHARGE", "CHARGE_PERMISSION"],
    );
  });
});

describe("hard declines", () => {
  function declined(reasonCode: string, at: number) {
    const start = family();
    const charge = openCharge(
      { ...start.charges[0], id: "C2", amount: EUR(10_00) } as Parameters<typeof openCharge>[0],
      { kind: "pending", after: PENDING_DELAY, state: "Declined", reasonCode },
      at,
    ).charge;
    return { ...start, charges: [...start.charges, charge] };
  }

  it("a charge reaching Declined/HardDeclined makes the permission NonChargeable at the decline's time", () => {
    const result = tickFamily(declined("HardDeclined", T0), T0 + DAY);
    assert.equal(result.family.permission.status.state, "NonChargeable");
    assert.equal(result.family.permission.status.reasons[0]?.reasonCode, "PaymentMethodInvalid");
    assert.equal(result.family.permission.status.lastUpdated, T0 + PENDING_DELAY);
    assert.ok(result.changed.has("P"));
    assert.deepEqual(
      result.notices.map((notice) => notice.objectType),
      ["CHARGE", "CHARGE_PERMISSION"],
    );
    // Later ticks see an old decline: nothing more happens.
    const again = tickFamily(result.family, T0 + 2 * DAY);
    assert.equal(again.notices.length, 0);
  });

  it("other decline reasons, and settling without the charge among the changes, leave it Chargeable", () => {
    const soft = tickFamily(declined("SoftDeclined", T0), T0 + DAY);
    assert.equal(soft.family.permission.status.state, "Chargeable");
    const settledLater = settle(tickFamily(declined("HardDeclined", T0), T0 + DAY).family, T0 + DAY);
    assert.equal(settledLater.notices.length, 0);
  });
});
