/**
 * Amazon's `CHARGE_PERMISSION` IPNs and Kasse's subscriptions, with the emulator's IPN delivery
 * switched on: the buyer closing the agreement pauses the subscription at once (dunning notice,
 * no charge attempted), and the buyer fixing the payment method after a hard decline resumes it.
 * Whoever runs the subscription — Kasse or the shop with its own RTF=R — the shop gets one
 * `RecurringEndNotification` for the RTF=I payment when the agreement is closed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { recurringEndNotify, subscriptionDunningNotify } from "../src/paygate/tables.js";
import { admin, createAsyncShop, postIpn, signedIpn, startAsyncWorld } from "./async-support.js";
import { buyer, type World } from "./paygate-support.js";
import { notifyOf, subscribe } from "./recurring-support.js";

const DAY = 86_400_000;
const clock = new ManualClock(Date.UTC(2031, 3, 1, 6));
let world: World;
let shop: ShopCredentials & { amazonMerchantId: string };

before(async () => {
  world = await startAsyncWorld({ gateway: { subscriptionClock: clock } });
  shop = await createAsyncShop(world, "shop-recurring-ipn");
});
after(() => world.close());

async function createSubscription(chargePermissionId: string, firstDueAt: number): Promise<string> {
  const created = await admin(world, "POST", `/merchants/${shop.merchantId}/subscriptions`, {
    chargePermissionId,
    amount: 700,
    interval: { unit: "Week", value: 1 },
    firstDueAt: new Date(firstDueAt).toISOString(),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.subscriptionId as string;
}

async function endNotices(payId: string): Promise<number> {
  const rows = await world.gateway.db.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM notifications WHERE merchant_id = $1 AND pay_id = $2 AND event = 'permissionClosed'",
    [shop.merchantId, payId],
  );
  return Number(rows[0]?.n ?? 0);
}

async function subscriptionOf(id: string): Promise<Record<string, unknown>> {
  return (await admin(world, "GET", `/merchants/${shop.merchantId}/subscriptions/${id}`)).body;
}

describe("charge permission IPNs and subscriptions", () => {
  it("the buyer closes the agreement: the IPN pauses the subscription with a dunning notice", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "I-1");
    const id = await createSubscription(chargePermissionId, clock.now() + DAY);
    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/buyer-close`);
    await world.emulator.drainIpn();

    const paused = await subscriptionOf(id);
    assert.equal(paused.status, "paused");
    assert.equal(paused.pausedReason, "BuyerClosed");
    const dunning = await notifyOf(world, shop, subscriptionDunningNotify, { SubscriptionId: id });
    assert.equal(dunning.macVerified, true);
    assert.equal(dunning.values.Code, "2A200207");
    assert.equal(dunning.values.CodeExt, "BuyerClose");
    assert.equal(dunning.values.PayID, undefined, "no charge was attempted");
    const ended = await notifyOf(world, shop, recurringEndNotify, { chargepermissionid: chargePermissionId });
    assert.equal(ended.values.ErrorText, "BuyerClosed", "the RTF=I payment's notice comes as well");
    clock.advance(2 * DAY);
    assert.equal((await world.gateway.subscriptions.runDue()).attempted, 0);
  });

  it("the buyer closes an agreement the shop runs itself (no Kasse subscription): one RecurringEndNotification", async () => {
    const { payId, chargePermissionId } = await subscribe(world, shop, "I-SHOP");
    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/buyer-close`);
    await world.emulator.drainIpn();

    const ended = await notifyOf(world, shop, recurringEndNotify, { PayID: payId });
    assert.equal(ended.macVerified, true);
    assert.equal(ended.values.NotificationType, "RecurringEndNotification");
    assert.equal(ended.values.Status, "FAILED");
    assert.equal(ended.values.Code, "2A200207", "the code an RTF=R on it now gets");
    assert.equal(ended.values.CodeExt, "BuyerClose");
    assert.equal(ended.values.ErrorText, "BuyerClosed");
    assert.equal(ended.values.AmazonStatus, "Closed");
    assert.equal(ended.values.chargepermissionid, chargePermissionId);
    assert.equal(ended.values.TransID, "I-SHOP");

    // Amazon sends the permission's IPN again: no second notice.
    const again = await signedIpn(world, {
      MerchantID: shop.amazonMerchantId,
      ObjectType: "CHARGE_PERMISSION",
      ObjectId: chargePermissionId,
      ChargePermissionId: chargePermissionId,
      NotificationType: "STATE_CHANGE",
    });
    assert.equal((await postIpn(world, shop.merchantId, JSON.stringify(again))).status, 200);
    assert.equal(await endNotices(payId), 1);
  });

  it("a OneTime permission closing is no notice (Amazon closes those on its own)", async () => {
    const { payId, chargePermissionId } = await subscribe(world, shop, "I-ONCE", { oneTime: true });
    const closed = await admin(
      world,
      "POST",
      `/merchants/${shop.merchantId}/charge-permissions/${chargePermissionId}/close`,
      {},
    );
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    await world.emulator.drainIpn();
    const received = await world.gateway.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM ipn_received WHERE merchant_id = $1 AND object_type = 'CHARGE_PERMISSION' AND object_id = $2",
      [shop.merchantId, chargePermissionId],
    );
    assert.ok(Number(received[0]?.n) > 0, "the IPN arrived");
    assert.equal(await endNotices(payId), 0);
  });

  it("the buyer fixes the payment method: the IPN resumes what a hard decline paused", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "I-2");
    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/update-payment-method`, {
      buyer: { card: "3434" },
    });
    await world.emulator.drainIpn();
    const id = await createSubscription(chargePermissionId, clock.now());
    assert.equal((await world.gateway.subscriptions.runDue()).paused, 1);
    await world.emulator.drainIpn();
    assert.equal((await subscriptionOf(id)).pausedReason, "HardDeclined");

    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/update-payment-method`, {
      buyer: { card: "4444" },
    });
    await world.emulator.drainIpn();
    const resumed = await subscriptionOf(id);
    assert.equal(resumed.status, "active");
    assert.equal((await world.gateway.subscriptions.runDue()).charged, 1);
    assert.equal((await subscriptionOf(id)).cycle, 2);
  });
});
