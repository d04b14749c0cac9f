/**
 * A charge permission after a hard decline, and what the buyer does to it in their Amazon account
 * (reference §4.4, §5.2, §12), through the official SDK: HardDeclined → NonChargeable with reason
 * PaymentMethodInvalid, the buyer updates the payment method (Chargeable again, IPN), the buyer
 * cancels the subscription (Closed/BuyerClosed, IPN).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  admin,
  advanceClock,
  checkoutUntilResult,
  createMerchant,
  failure,
  headers,
  type SdkClient,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

let emulator: RunningEmulator;
let merchant: TestMerchant;
let client: SdkClient;

before(async () => {
  emulator = await startTestEmulator();
  merchant = await createMerchant(emulator, { region: "eu" });
  client = sdkClient(emulator, merchant);
});
after(() => emulator.close());

const eur = (amount: string) => ({ amount, currencyCode: "EUR" });

/** A monthly subscription set up with a Confirm-only checkout: a Chargeable Recurring permission. */
async function subscription(type: "Recurring" | "OneTime" = "Recurring"): Promise<string> {
  const extra =
    type === "Recurring"
      ? { chargePermissionType: "Recurring", recurringMetadata: { frequency: { unit: "Month", value: "1" } } }
      : {};
  const id = await checkoutUntilResult(
    emulator,
    client,
    merchant,
    { paymentIntent: "Confirm", chargeAmount: eur("9.99") },
    "1111",
    extra,
  );
  const completed = await client.completeCheckoutSession(id, { chargeAmount: eur("9.99") });
  return completed.data.chargePermissionId;
}

async function permissionIpns(permissionId: string): Promise<string[]> {
  const rows = await emulator.db.query<{ notification_type: string }>(
    "select notification_type from ipn_outbox where object_type = 'CHARGE_PERMISSION' and object_id = $1 order by id",
    [permissionId],
  );
  return rows.map((row) => row.notification_type);
}

const charge = (permissionId: string, code?: string, extra: Record<string, unknown> = {}) =>
  client.createCharge(
    { chargePermissionId: permissionId, chargeAmount: eur("9.99"), captureNow: true, ...extra },
    headers(code === undefined ? {} : { "x-amz-pay-simulation-code": code }),
  );

const adminAnswer = (url: string, payload: object = {}) =>
  emulator.app.inject({ method: "POST", url, payload });

describe("hard decline → PaymentMethodInvalid → the buyer updates the payment method", () => {
  it("a HardDeclined charge makes the permission NonChargeable until the buyer picks another card", async () => {
    const permissionId = await subscription();
    assert.deepEqual(await permissionIpns(permissionId), ["STATE_CHANGE"]);
    const declined = await failure(charge(permissionId, "HardDeclined"));
    assert.deepEqual([declined.status, declined.reasonCode], [422, "HardDeclined"]);

    const blocked = (await client.getChargePermission(permissionId)).data;
    assert.equal(blocked.statusDetails.state, "NonChargeable");
    assert.equal(blocked.statusDetails.reasons.length, 1);
    assert.equal(blocked.statusDetails.reasons[0].reasonCode, "PaymentMethodInvalid");
    assert.match(
      blocked.statusDetails.reasons[0].reasonDescription,
      new RegExp(`https://payments\\.amazon\\.com/jr/your-account/ba/${permissionId}`),
    );
    assert.deepEqual(await permissionIpns(permissionId), ["STATE_CHANGE", "STATE_CHANGE"]);
    const refused = await failure(charge(permissionId));
    assert.deepEqual([refused.status, refused.reasonCode], [422, "InvalidChargePermissionStatus"]);

    const updated = await admin(
      emulator,
      `/__admin/charge-permissions/${permissionId}/update-payment-method`,
      {
        buyer: { card: "4444" },
      },
    );
    assert.equal((updated.statusDetails as { state: string }).state, "Chargeable");
    const after = (await client.getChargePermission(permissionId)).data;
    assert.equal(after.statusDetails.state, "Chargeable");
    assert.equal(after.statusDetails.reasons, null);
    assert.deepEqual(after.paymentPreferences, [{ paymentDescriptor: "Mastercard ****4444 (Amazon Pay)" }]);
    assert.deepEqual(await permissionIpns(permissionId), ["STATE_CHANGE", "STATE_CHANGE", "STATE_CHANGE"]);
    const paid = await charge(permissionId);
    assert.equal(paid.data.statusDetails.state, "Captured");
  });

  it("an asynchronous HardDeclined (pending, then declined 30 s later) blocks the permission the same way", async () => {
    const permissionId = await subscription();
    const pending = await charge(permissionId, "AuthorizationInitiatedThenDeclined", {
      captureNow: false,
      canHandlePendingAuthorization: true,
    });
    assert.equal(pending.data.statusDetails.state, "AuthorizationInitiated");
    const inProgress = (await client.getChargePermission(permissionId)).data.statusDetails;
    assert.equal(inProgress.reasons[0].reasonCode, "ChargeInProgress");
    await advanceClock(emulator, 30);
    const declined = (await client.getCharge(pending.data.chargeId)).data.statusDetails;
    assert.deepEqual([declined.state, declined.reasonCode], ["Declined", "HardDeclined"]);
    const blocked = (await client.getChargePermission(permissionId)).data.statusDetails;
    assert.equal(blocked.state, "NonChargeable");
    assert.equal(blocked.reasons[0].reasonCode, "PaymentMethodInvalid");
    // Stamped with the decline, not with whenever someone looked.
    assert.equal(blocked.lastUpdatedTimestamp, declined.lastUpdatedTimestamp);

    await admin(emulator, `/__admin/charge-permissions/${permissionId}/update-payment-method`);
    const after = (await client.getChargePermission(permissionId)).data;
    assert.equal(after.statusDetails.state, "Chargeable");
    assert.deepEqual(after.paymentPreferences, [{ paymentDescriptor: "Visa ****1111 (Amazon Pay)" }]);
  });

  it("a soft decline leaves the permission Chargeable", async () => {
    const permissionId = await subscription();
    assert.equal((await failure(charge(permissionId, "SoftDeclined"))).reasonCode, "SoftDeclined");
    assert.equal((await client.getChargePermission(permissionId)).data.statusDetails.state, "Chargeable");
  });

  it("updating the card of a Chargeable permission is an ATTRIBUTE_CHANGE; the wallet card's outcome follows", async () => {
    const permissionId = await subscription();
    await admin(emulator, `/__admin/charge-permissions/${permissionId}/update-payment-method`, {
      buyer: { card: "3434" },
    });
    assert.deepEqual(await permissionIpns(permissionId), ["STATE_CHANGE", "ATTRIBUTE_CHANGE"]);
    const permission = (await client.getChargePermission(permissionId)).data;
    assert.equal(permission.statusDetails.state, "Chargeable");
    // Card 3434 is declined: the next charge hard-declines and blocks the permission again.
    assert.equal((await failure(charge(permissionId))).reasonCode, "HardDeclined");
    assert.equal((await client.getChargePermission(permissionId)).data.statusDetails.state, "NonChargeable");
  });

  it("refuses another buyer's card, unknown fields and unknown permissions", async () => {
    const permissionId = await subscription();
    const otherBuyer = await adminAnswer(
      `/__admin/charge-permissions/${permissionId}/update-payment-method`,
      {
        buyer: { email: "oliver.brown@example.co.uk" },
      },
    );
    assert.deepEqual([otherBuyer.statusCode, otherBuyer.json().reasonCode], [400, "InvalidParameterValue"]);
    assert.match(otherBuyer.json().message, /Anna Schmidt/);
    const unknownField = await adminAnswer(
      `/__admin/charge-permissions/${permissionId}/update-payment-method`,
      {
        card: "4444",
      },
    );
    assert.deepEqual([unknownField.statusCode, unknownField.json().reasonCode], [400, "UnrecognizedField"]);
    const missing = await adminAnswer("/__admin/charge-permissions/S01-0000000-0000000/buyer-close");
    assert.deepEqual([missing.statusCode, missing.json().reasonCode], [404, "ResourceNotFound"]);
  });
});

describe("the buyer's account page (payments.amazon.com/jr/your-account/ba/{id} on the emulator)", () => {
  it("a person updates the declined card and then cancels the subscription", async () => {
    const permissionId = await subscription();
    await failure(charge(permissionId, "HardDeclined"));
    const url = `/jr/your-account/ba/${permissionId}`;
    const shown = await emulator.app.inject({ method: "GET", url });
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /<strong id="state">NonChargeable<\/strong> \(PaymentMethodInvalid\)/);
    assert.match(shown.body, /Your payment method was declined/);
    const token = /name="token" value="([^"]+)"/.exec(shown.body)?.[1] as string;
    const form = (path: string, fields: Record<string, string>) =>
      emulator.app.inject({
        method: "POST",
        url: `${url}/${path}`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(fields).toString(),
      });

    const forged = await form("payment-method", { token: "x", instrumentId: "eu-anna-card-4444" });
    assert.equal(forged.statusCode, 400);
    const updated = await form("payment-method", { token, instrumentId: "eu-anna-card-4444" });
    assert.equal(updated.statusCode, 303);
    assert.equal(updated.headers.location, url);
    const after = (await client.getChargePermission(permissionId)).data;
    assert.equal(after.statusDetails.state, "Chargeable");
    assert.deepEqual(after.paymentPreferences, [{ paymentDescriptor: "Mastercard ****4444 (Amazon Pay)" }]);

    const closed = await form("close", { token });
    assert.equal(closed.statusCode, 303);
    const page = await emulator.app.inject({ method: "GET", url });
    assert.match(page.body, /<strong id="state">Closed<\/strong> \(BuyerClosed\)/);
    assert.doesNotMatch(page.body, /id="close"/);
    assert.equal(
      (await emulator.app.inject({ method: "GET", url: "/jr/your-account/ba/S01-0000000-0000000" }))
        .statusCode,
      404,
    );
  });
});

describe("the buyer cancels the subscription in their account", () => {
  it("Closed/BuyerClosed with an IPN; no more charges; closing again changes nothing", async () => {
    const permissionId = await subscription();
    const closed = await admin(emulator, `/__admin/charge-permissions/${permissionId}/buyer-close`);
    assert.equal((closed.statusDetails as { state: string }).state, "Closed");
    const permission = (await client.getChargePermission(permissionId)).data;
    assert.equal(permission.statusDetails.state, "Closed");
    assert.equal(permission.statusDetails.reasons[0].reasonCode, "BuyerClosed");
    assert.deepEqual(await permissionIpns(permissionId), ["STATE_CHANGE", "STATE_CHANGE"]);
    const refused = await failure(charge(permissionId));
    assert.deepEqual([refused.status, refused.reasonCode], [422, "InvalidChargePermissionStatus"]);

    await admin(emulator, `/__admin/charge-permissions/${permissionId}/buyer-close`);
    assert.deepEqual(await permissionIpns(permissionId), ["STATE_CHANGE", "STATE_CHANGE"]);
    const update = await adminAnswer(`/__admin/charge-permissions/${permissionId}/update-payment-method`);
    assert.deepEqual([update.statusCode, update.json().reasonCode], [422, "InvalidChargePermissionStatus"]);
  });

  it("a OneTime permission is not the buyer's to close", async () => {
    const permissionId = await subscription("OneTime");
    const refused = await adminAnswer(`/__admin/charge-permissions/${permissionId}/buyer-close`);
    assert.deepEqual([refused.statusCode, refused.json().reasonCode], [400, "InvalidRequest"]);
    assert.equal((await client.getChargePermission(permissionId)).data.statusDetails.state, "Chargeable");
  });
});
