/**
 * Subscriptions run by Kasse (docs/recurring.md) against the real gateway and emulator: created
 * on an RTF=I permission through the admin API, charged RTF=R on each due date by the worker
 * (driven by an injected clock and `runDue()`, no sleeping), soft declines retried with backoff
 * and then dunned, a hard decline paused until the buyer's new card and a resume, and the
 * merchant closing the permission.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { ManualClock } from "../src/core/clock.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { recurringChargeNotify, subscriptionDunningNotify } from "../src/paygate/tables.js";
import { ADMIN_TOKEN, buyer, createShop, startWorld, type World } from "./paygate-support.js";
import { chargeAgain, notifyOf, subscribe } from "./recurring-support.js";

const DAY = 86_400_000;
const clock = new ManualClock(Date.UTC(2031, 0, 30, 8));
let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld({ subscriptionClock: clock });
  shop = await createShop(world, "shop-subscriptions");
});
after(() => world.close());

async function admin(
  method: "GET" | "POST",
  path: string,
  body?: object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(`${world.gateway.url}/api/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    dispatcher: world.agent,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

async function createSubscription(chargePermissionId: string, extra: object = {}) {
  const created = await admin("POST", `/merchants/${shop.merchantId}/subscriptions`, {
    chargePermissionId,
    amount: 1500,
    interval: { unit: "Month", value: 1 },
    firstDueAt: new Date(clock.now()).toISOString(),
    ...extra,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return created.json as { subscriptionId: string } & Record<string, unknown>;
}

function subscriptionOf(id: string) {
  return admin("GET", `/merchants/${shop.merchantId}/subscriptions/${id}`).then((r) => r.json);
}

describe("subscriptions run by Kasse", () => {
  it("charges on each due date and not before; cancel stops it", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "S-1");
    const created = await createSubscription(chargePermissionId, {
      firstDueAt: new Date(clock.now() + DAY).toISOString(),
    });
    assert.equal(created.status, "active");
    assert.equal(created.currency, "EUR");
    assert.equal(created.notifyUrl, `${world.notify.url}/notify`);
    assert.ok(created.permissionExpiresAt);
    const id = created.subscriptionId;

    assert.equal((await world.gateway.subscriptions.runDue()).attempted, 0, "not due yet");
    clock.advance(DAY);
    assert.deepEqual(await world.gateway.subscriptions.runDue(), {
      attempted: 1,
      charged: 1,
      failed: 0,
      paused: 0,
    });
    const first = await subscriptionOf(id);
    assert.equal(first.cycle, 2);
    assert.equal(first.lastResult, "OK");
    // Anchored on 31 January: the next due date is the end of February.
    assert.equal(first.nextAttemptAt, "2031-02-28T08:00:00.000Z");
    const notified = await notifyOf(world, shop, recurringChargeNotify, { PayID: first.lastPayId as string });
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.values.Amount, "1500");
    assert.equal(notified.values.TransID, `SUB-${id}-1`);

    assert.equal((await world.gateway.subscriptions.runDue()).attempted, 0, "charged once per cycle");
    clock.set(Date.parse("2031-02-28T08:00:00.000Z"));
    assert.equal((await world.gateway.subscriptions.runDue()).charged, 1);
    const second = await subscriptionOf(id);
    assert.equal(second.cycle, 3);
    assert.notEqual(second.lastPayId, first.lastPayId);

    const listed = await admin("GET", `/merchants/${shop.merchantId}/subscriptions`);
    assert.ok(
      (listed.json.subscriptions as Array<{ subscriptionId: string }>).some((s) => s.subscriptionId === id),
    );
    const canceled = await admin("POST", `/merchants/${shop.merchantId}/subscriptions/${id}/cancel`);
    assert.equal(canceled.json.status, "canceled");
    clock.advance(60 * DAY);
    assert.equal((await world.gateway.subscriptions.runDue()).attempted, 0);
  });

  it("retries soft declines with backoff, then sends a DunningNotification and pauses", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "S-2");
    const { subscriptionId: id } = await createSubscription(chargePermissionId, {
      simulationCode: "SoftDeclined",
      retryDelaysSeconds: [3600, 7200],
    });
    assert.deepEqual(await world.gateway.subscriptions.runDue(), {
      attempted: 1,
      charged: 0,
      failed: 1,
      paused: 0,
    });
    const retrying = await subscriptionOf(id);
    assert.equal(retrying.attempt, 1);
    assert.equal(retrying.nextAttemptAt, new Date(clock.now() + 3_600_000).toISOString());
    assert.equal((await world.gateway.subscriptions.runDue()).attempted, 0, "waits for the backoff");
    clock.advance(3_600_000);
    assert.equal((await world.gateway.subscriptions.runDue()).failed, 1);
    clock.advance(7_200_000);
    assert.deepEqual(await world.gateway.subscriptions.runDue(), {
      attempted: 1,
      charged: 0,
      failed: 1,
      paused: 1,
    });

    const paused = await subscriptionOf(id);
    assert.equal(paused.status, "paused");
    assert.equal(paused.pausedReason, "RetriesExhausted");
    assert.equal(paused.attempt, 3);
    const dunning = await notifyOf(world, shop, subscriptionDunningNotify, {
      PayID: paused.lastPayId as string,
    });
    assert.equal(dunning.macVerified, true);
    assert.equal(dunning.values.NotificationType, "DunningNotification");
    assert.equal(dunning.values.SubscriptionId, id);
    assert.equal(dunning.values.Status, "FAILED");
    assert.equal(dunning.values.Code, "2A200101");
    assert.equal(dunning.values.CodeExt, "SoftDeclin");
    assert.equal(dunning.values.Cycle, "1");
    assert.equal(dunning.values.Attempts, "3");
    assert.match(dunning.values.ErrorText ?? "", /^RetriesExhausted: SoftDeclined/);
    clock.advance(30 * DAY);
    assert.equal(
      (await world.gateway.subscriptions.runDue()).attempted,
      0,
      "a paused subscription is not charged",
    );
  });

  it("a hard decline pauses at once; the buyer's new card and a resume charge the cycle", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "S-3");
    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/update-payment-method`, {
      buyer: { card: "3434" },
    });
    const { subscriptionId: id } = await createSubscription(chargePermissionId);
    const run = await world.gateway.subscriptions.runDue();
    assert.equal(
      run.paused,
      1,
      JSON.stringify([
        run,
        await subscriptionOf(
          (await admin("GET", `/merchants/${shop.merchantId}/subscriptions`)).json.subscriptions ? "" : "",
        ),
      ]),
    );
    const paused = await subscriptionOf(id);
    assert.equal(paused.pausedReason, "HardDeclined");
    const dunning = await notifyOf(world, shop, subscriptionDunningNotify, {
      PayID: paused.lastPayId as string,
    });
    assert.equal(dunning.values.Code, "2A200100");
    assert.equal(dunning.values.Attempts, "1");

    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/update-payment-method`, {
      buyer: { card: "4444" },
    });
    const resumed = await admin("POST", `/merchants/${shop.merchantId}/subscriptions/${id}/resume`);
    assert.equal(resumed.json.status, "active");
    assert.equal(resumed.json.attempt, 1, "attempts keep counting: the next one has its own ReqId");
    assert.equal((await world.gateway.subscriptions.runDue()).charged, 1);
    assert.equal((await subscriptionOf(id)).cycle, 2);
  });

  it("the merchant closes the permission: closed at Amazon, subscriptions end, RTF=R refused", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "S-4");
    const { subscriptionId: id } = await createSubscription(chargePermissionId);
    const other = await createShop(world, "shop-subscriptions-other");
    const foreign = await admin(
      "POST",
      `/merchants/${other.merchantId}/charge-permissions/${chargePermissionId}/close`,
    );
    assert.equal(foreign.status, 404);

    const closed = await admin(
      "POST",
      `/merchants/${shop.merchantId}/charge-permissions/${chargePermissionId}/close`,
      {
        reason: "customer moved away",
      },
    );
    assert.equal(closed.status, 200, JSON.stringify(closed.json));
    assert.equal(closed.json.state, "Closed");
    assert.deepEqual(closed.json.reasons, ["MerchantClosed"]);
    assert.equal(closed.json.canceledSubscriptions, 1);
    assert.equal((await subscriptionOf(id)).status, "canceled");
    const refused = await chargeAgain(world, shop, chargePermissionId, "S-4-c1");
    assert.equal(refused.code, "2A200207");
    assert.match(refused.values.ErrorText ?? "", /MerchantClosed/);
  });

  it("a permission the buyer closed: the due charge is refused without a charge, dunned, paused", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "S-6");
    const { subscriptionId: id } = await createSubscription(chargePermissionId);
    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/buyer-close`);
    assert.equal((await world.gateway.subscriptions.runDue()).paused, 1);
    const paused = await subscriptionOf(id);
    assert.equal(paused.status, "paused");
    assert.equal(paused.pausedReason, "InvalidChargePermissionStatus");
    const dunning = await notifyOf(world, shop, subscriptionDunningNotify, {
      PayID: paused.lastPayId as string,
    });
    assert.equal(dunning.values.Code, "2A200207");
    assert.equal(dunning.values.CodeExt, "InvalidCha");
    assert.match(dunning.values.ErrorText ?? "", /BuyerClosed/);
    const onClosed = await admin("POST", `/merchants/${shop.merchantId}/subscriptions`, {
      chargePermissionId,
      amount: 100,
      interval: { unit: "Week", value: 1 },
      firstDueAt: "2031-06-01",
    });
    assert.equal(onClosed.status, 409, "no new subscription on a closed permission");
  });

  it("refuses subscriptions that cannot run", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "S-5");
    const path = `/merchants/${shop.merchantId}/subscriptions`;
    const base = {
      chargePermissionId,
      amount: 100,
      firstDueAt: "2031-03-01",
      interval: { unit: "Month", value: 1 },
    };
    const cases: Array<[object, number, string | undefined]> = [
      [{ interval: { unit: "Variable", value: 0 } }, 400, "interval.unit"],
      [{ interval: { unit: "Month", value: 37 } }, 400, "interval.value"],
      [{ amount: 9.9 }, 400, "amount"],
      [{ currency: "USD" }, 400, "currency"],
      [{ firstDueAt: "soon" }, 400, "firstDueAt"],
      [{ chargePermissionId: "S02-0000000-0000000" }, 404, "chargePermissionId"],
    ];
    for (const [change, status, field] of cases) {
      const answer = await admin("POST", path, { ...base, ...change });
      assert.equal(answer.status, status, JSON.stringify(change));
      assert.equal(answer.json.field, field, JSON.stringify(change));
    }
    const other = await createShop(world, "shop-subscriptions-third");
    const foreign = await admin("POST", `/merchants/${other.merchantId}/subscriptions`, base);
    assert.equal(foreign.status, 404);
    // A series with a fixed InstallmentAmount runs at that amount only (seed 004).
    const fixed = await subscribe(world, shop, "S-5-fixed", { installmentAmount: 990 });
    const otherAmount = await admin("POST", path, { ...base, chargePermissionId: fixed.chargePermissionId });
    assert.equal(otherAmount.status, 400);
    assert.equal(otherAmount.json.field, "amount");
    const same = await admin("POST", path, {
      ...base,
      chargePermissionId: fixed.chargePermissionId,
      amount: 990,
    });
    assert.equal(same.status, 201, JSON.stringify(same.json));
  });
});
