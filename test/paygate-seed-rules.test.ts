/**
 * Seed rules across the wire: Computop's "the first notify must have been answered before
 * capture/credit/reverse" (seed 004, URLNotify row) for a merchant with `requireFirstNotifyAnswered`,
 * and a buyer's cancel told alike in the redirect and the notify. See docs/paygate-flows.md.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { readAnswer } from "../src/paygate/client.js";
import { refusalAnswer } from "../src/paygate/tables.js";
import { admin, capture, createAsyncShop, pay, startAsyncWorld, startPayment } from "./async-support.js";
import type { World } from "./paygate-support.js";
import { wooCommerce } from "./support/computop-plugins.js";

let world: World;

before(async () => {
  world = await startAsyncWorld();
});
after(() => world.close());

type Listed = { notificationId: number; payId: string; status: string };

async function notificationsOf(merchantId: string, payId: string): Promise<Listed[]> {
  const listed = await admin(world, "GET", `/merchants/${merchantId}/notifications?payId=${payId}`);
  assert.equal(listed.status, 200);
  return listed.body.notifications as Listed[];
}

/** Waits (no deadline of its own: the test timeout is the bound) until the first notify is `status`. */
async function firstNotifyIs(merchantId: string, payId: string, status: string): Promise<Listed> {
  for (;;) {
    const first = (await notificationsOf(merchantId, payId)).at(-1);
    if (first?.status === status) return first;
    await delay(20);
  }
}

describe("first notify answered (requireFirstNotifyAnswered)", () => {
  it("refuses capture while the shop has not answered the completion notify, captures after", async () => {
    const shop = await createAsyncShop(world, "shop-first-notify", { requireFirstNotifyAnswered: true });
    // The first attempt and both retries of the world's schedule fail: the notify is given up.
    world.notify.failures = [503, 503, 503];
    const answer = await startPayment(world, shop, "T-FIRST", { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    const given = await firstNotifyIs(shop.merchantId, payId, "failed");

    const early = await capture(world, shop, payId, { TransID: "T-FIRST" });
    assert.equal(early.values.Status, "FAILED");
    assert.equal(early.code, "2A200209");
    const inquiry = await admin(world, "GET", `/merchants/${shop.merchantId}/notifications?payId=${payId}`);
    assert.equal((inquiry.body.notifications as Listed[]).length, 1, "no capture, no capture notify");

    const resent = await admin(
      world,
      "POST",
      `/merchants/${shop.merchantId}/notifications/${given.notificationId}/resend`,
    );
    assert.equal(resent.status, 202);
    await firstNotifyIs(shop.merchantId, payId, "delivered");
    const late = await capture(world, shop, payId, { TransID: "T-FIRST" });
    assert.equal(late.values.Status, "OK", String(late.values.Description));
    assert.equal(late.values.AmountCap, "3000");
  });

  it("does not hold back a merchant without the setting", async () => {
    const shop = await createAsyncShop(world, "shop-no-rule");
    world.notify.failures = [503, 503, 503];
    const answer = await startPayment(world, shop, "T-NORULE", { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    await firstNotifyIs(shop.merchantId, payId, "failed");
    assert.equal((await capture(world, shop, payId, { TransID: "T-NORULE" })).values.Status, "OK");
  });
});

describe("buyer's cancel", () => {
  it("the notify names the same code as the redirect to URLCancel, with errortext for WooCommerce", async () => {
    const shop = await createAsyncShop(world, "shop-cancel");
    world.notify.failures = [];
    const before = world.notify.received.length;
    const answer = await startPayment(world, shop, "T-CANCELN", { AmazonpaySimulationCode: "BuyerCanceled" });
    const location = await pay(world, answer);
    assert.ok(location.includes("/cancel?"), location);
    const redirected = readAnswer(shop, refusalAnswer, location);
    assert.ok(redirected.ok);
    assert.equal(redirected.code, "22890703");
    const [notify] = (await world.notify.waitFor(before + 1)).slice(before);
    const notified = readAnswer(shop, refusalAnswer, (notify as { body: string }).body);
    assert.ok(notified.ok && notified.macVerified);
    assert.equal(notified.code, redirected.code);
    assert.equal(notified.values.ErrorText, "BuyerCanceled");
    // What WooCommerce's SDK makes of the same notify: its split, its lower-case property.
    const woo = wooCommerce.read(
      new URLSearchParams((notify as { body: string }).body).get("Data") as string,
      shop.blowfishKey,
    );
    assert.deepEqual(woo.warnings, []);
    assert.equal(woo.values.errortext, "BuyerCanceled");
    assert.equal(woo.values.Code, "22890703");
  });
});
