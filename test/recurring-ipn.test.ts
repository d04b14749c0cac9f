/**
 * Amazon's `CHARGE_PERMISSION` IPNs and Kasse's subscriptions, with the emulator's IPN delivery
 * switched on: the buyer closing the agreement pauses the subscription at once (dunning notice,
 * no charge attempted), and the buyer fixing the payment method after a hard decline resumes it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { subscriptionDunningNotify } from "../src/paygate/tables.js";
import { admin, createAsyncShop, startAsyncWorld } from "./async-support.js";
import { buyer, type World } from "./paygate-support.js";
import { notifyOf, subscribe } from "./recurring-support.js";

const DAY = 86_400_000;
const clock = new ManualClock(Date.UTC(2031, 3, 1, 6));
let world: World;
let shop: ShopCredentials;

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
    clock.advance(2 * DAY);
    assert.equal((await world.gateway.subscriptions.runDue()).attempted, 0);
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
