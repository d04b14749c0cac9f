/**
 * The reconciliation job (docs/async.md): when Amazon's IPN never comes (the emulator drops it),
 * the gateway asks Amazon itself on its backoff schedule — driven here by the gateway's injected
 * clock — and the shop still gets its final notify, exactly once.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { completionResult, creditNotify } from "../src/paygate/tables.js";
import {
  advanceAmazon,
  createAsyncShop,
  credit,
  notifiesOf,
  pay,
  readNotify,
  startAsyncWorld,
  startPayment,
  waitForNotifies,
} from "./async-support.js";
import { buyer, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials;
const clock = new ManualClock(Date.now());
const MINUTE = 60_000;

before(async () => {
  world = await startAsyncWorld({ gateway: { reconcileClock: clock } });
  shop = await createAsyncShop(world, "shop-reconcile", { canHandlePendingAuthorization: true });
});
after(() => world.close());
// The job's clock starts each scenario at real time: one left ahead by an earlier scenario let
// the job check a payment the moment it became pending and push its next check out of reach.
beforeEach(() => clock.set(Date.now()));

/** The payment's reconciliation bookkeeping. */
async function schedule(payId: string) {
  const rows = await world.gateway.db.query<{ settle_next_at: string | null; settle_attempts: number }>(
    "SELECT settle_next_at, settle_attempts FROM payments WHERE pay_id = $1",
    [payId],
  );
  const row = rows[0];
  assert.ok(row);
  return {
    nextAt: row.settle_next_at === null ? null : Number(row.settle_next_at),
    attempts: row.settle_attempts,
  };
}

/** Waits (on the job's real-time loop, not on a clock) until the condition holds. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let round = 0; round < 400; round++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`never: ${what}`);
}

async function droppedIpns(): Promise<number> {
  const response = await world.emulator.app.inject({ method: "GET", url: "/__admin/faults" });
  return (response.json() as { ipnDrop: number }).ipnDrop;
}

describe("reconciliation of pending outcomes without IPNs", { timeout: 60_000 }, () => {
  it("a refund whose IPN is dropped: asked with backoff, settled once Amazon has decided", async () => {
    const answer = await startPayment(world, shop, "T-DROP", { TxType: "AuthorizeWithCapture" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    await waitForNotifies(world, "T-DROP", 1);
    await buyer(world, "/__admin/faults", { ipnDrop: 1000 });
    clock.set(Date.now());
    const refund = await credit(world, shop, payId, 900);
    assert.equal(refund.values.Status, "PENDING");
    assert.deepEqual(await schedule(payId), { nextAt: null, attempts: 0 });

    // First check two minutes after the change: Amazon still says RefundInitiated.
    clock.advance(2 * MINUTE + 1_000);
    await until("the first check", async () => (await schedule(payId)).attempts === 1);
    assert.equal((await schedule(payId)).nextAt, clock.now() + 5 * MINUTE, "next check 5 minutes later");
    assert.equal(notifiesOf(world, "T-DROP").length, 1);

    // Amazon settles; its IPN is lost.
    const before = await droppedIpns();
    await advanceAmazon(world, 31);
    await until("the emulator dropped the refund's IPN", async () => (await droppedIpns()) < before);

    // The next check per backoff finds the refund settled: one CreditNotification.
    clock.advance(5 * MINUTE);
    const notifies = await waitForNotifies(world, "T-DROP", 2);
    const notified = readNotify(shop, creditNotify, (notifies[1] as { body: string }).body);
    assert.equal(notified.values.NotificationType, "CreditNotification");
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.values.AmountCred, "900");
    await until("the backoff is reset", async () => (await schedule(payId)).attempts === 0);
    assert.equal((await schedule(payId)).nextAt, null);
  });

  it("a pending authorisation (card 0701) whose IPN is dropped ends in one completion notify OK", async () => {
    await buyer(world, "/__admin/faults", { ipnDrop: 1000 });
    const answer = await startPayment(world, shop, "T-DROP-0701", { TxType: "Authorize" });
    await pay(world, answer, "0701");
    // The first check is due two minutes after the payment's last change (by the real clock);
    // the schedule's clock starts once the buyer is through, however long that took.
    clock.set(Date.now());
    await advanceAmazon(world, 31);
    clock.advance(2 * MINUTE + 1_000);
    const [notify] = await waitForNotifies(world, "T-DROP-0701", 1);
    const done = readNotify(shop, completionResult, (notify as { body: string }).body);
    assert.equal(done.values.Status, "OK");
    assert.equal(done.values.AmountAuth, "3000");
    // Later checks find nothing pending: still one notify.
    clock.advance(60 * MINUTE);
    await until("the payment is no longer scheduled", async () => {
      const rows = await world.gateway.db.query<{ status: string }>(
        "SELECT status FROM payments WHERE pay_id = $1",
        [answer.values.PayID],
      );
      return rows[0]?.status === "Authorized";
    });
    assert.equal(notifiesOf(world, "T-DROP-0701").length, 1);
  });
});
