import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChargePermission } from "../amazon/wire.js";
import type { DoorData } from "../core/outcome.js";
import { expiryWarning, recurringCharge } from "./recurring-charge.js";
import { CONTEXT, charge, fakes, MERCHANT, paymentUntil, permission, stored } from "./test-support.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2031, 5, 1);

function expiring(expirationTimestamp: string | null): ChargePermission {
  return { chargePermissionId: "S02-1234567-1234567", expirationTimestamp } as ChargePermission;
}

describe("recurring charge", () => {
  it("warns when the permission expires within 30 days, from Amazon's compact timestamp", () => {
    assert.deepEqual(expiryWarning(expiring("20310620T120000Z"), NOW), {
      chargePermissionId: "S02-1234567-1234567",
      expiresAt: "2031-06-20T12:00:00.000Z",
    });
    assert.equal(expiryWarning(expiring("20310720T120000Z"), NOW), undefined, "more than 30 days");
    assert.equal(expiryWarning(expiring("20310520T120000Z"), NOW), undefined, "expired already");
    assert.equal(expiryWarning(expiring(null), NOW + DAY), undefined);
  });
});

const base = {
  chargePermissionId: "P1",
  transId: "SUB-1",
  refnr: undefined,
  reqId: "R-1",
  countryCode: "EU",
  amount: 9_99,
  currency: "EUR",
  intent: "AuthorizeWithCapture" as const,
  softDescriptor: undefined,
  simulationCode: undefined,
  door: (initial: DoorData) => ({ ...initial, recurring: "yes" }),
};

describe("recurring charge step", () => {
  it("charges a Recurring permission once: a repeated ReqId answers the same payment", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"), { ...CONTEXT, recurring: true });
    amazon.answer("getChargePermission", () => permission("Chargeable"));
    amazon.answer("createCharge", () => charge("Captured"));
    const done = await recurringCharge(deps, MERCHANT, base);
    assert.ok(done.ok);
    assert.equal(done.payment.checkoutMode, "MerchantInitiated");
    assert.equal(done.action.state, "succeeded");
    const [request] = amazon.called("createCharge")[0] ?? [];
    assert.equal((request as { chargeInitiator: string }).chargeInitiator, "MITR");
    const record = await store.load(MERCHANT, done.payment.payId);
    assert.deepEqual(record?.context.shop, { urlNotify: "https://shop.example/notify", recurring: "yes" });
    assert.deepEqual(
      store.notified().map((n) => [n.kind, n.event.result]),
      [["recurringCharge", "OK"]],
    );
    const again = await recurringCharge(deps, MERCHANT, base);
    assert.ok(again.ok);
    assert.equal(again.payment.payId, done.payment.payId);
    assert.equal(again.replayed, true);
    assert.equal(amazon.called("createCharge").length, 1);
  });

  it("refuses a Closed permission with Amazon's reason and makes no Create Charge", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"), { ...CONTEXT, recurring: true });
    amazon.answer("getChargePermission", () => permission("Closed"));
    const done = await recurringCharge(deps, MERCHANT, base);
    assert.ok(done.ok);
    assert.equal(done.action.state, "failed");
    assert.equal(done.action.reasonCode, "InvalidChargePermissionStatus");
    assert.match(done.amazonMessage ?? "", /Closed \(BuyerCanceled\)/);
    assert.equal(amazon.called("createCharge").length, 0);
  });

  it("refuses a permission of a one-time checkout, of another currency, or unknown to the merchant", async () => {
    const { deps, store } = fakes();
    stored(store, paymentUntil("authorized"));
    const oneTime = await recurringCharge(deps, MERCHANT, base);
    assert.deepEqual(!oneTime.ok && oneTime.refusal, { kind: "chargePermissionNotRecurring" });
    const unknown = await recurringCharge(deps, MERCHANT, { ...base, chargePermissionId: "P9" });
    assert.deepEqual(!unknown.ok && unknown.refusal, { kind: "chargePermissionUnknown" });
    stored(store, paymentUntil("authorized"), { ...CONTEXT, recurring: true });
    const currency = await recurringCharge(deps, MERCHANT, { ...base, currency: "GBP" });
    assert.deepEqual(!currency.ok && currency.refusal, { kind: "currencyMismatch" });
  });
});
