/**
 * A chargeback end to end over HTTPS (docs/async.md "Amazon's notices"): the emulator's buyer
 * bank takes a captured charge back (`POST /__admin/charges/{id}/chargeback`), Amazon's IPN of
 * type `CHARGEBACK` reaches the gateway, the payment records the chargeback, the shop gets one
 * `ChargebackNotification` — a repeated IPN adds none — and the admin API and the JSON API's
 * timeline show it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { verifySignature } from "../src/api/webhooks.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { chargebackNotify, completionResult } from "../src/paygate/tables.js";
import {
  admin,
  createAsyncShop,
  pay,
  postIpn,
  readNotify,
  signedIpn,
  startAsyncWorld,
  startPayment,
  waitForNotifies,
} from "./async-support.js";
import { ADMIN_TOKEN, buyer, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials & { amazonMerchantId: string };

before(async () => {
  world = await startAsyncWorld();
  shop = await createAsyncShop(world, "shop-chargeback");
});
after(() => world.close());

async function apiGet(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${world.gateway.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    dispatcher: world.agent,
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

async function chargebackRows(payId: string): Promise<number> {
  const rows = await world.gateway.db.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM notifications WHERE merchant_id = $1 AND pay_id = $2 AND event = 'chargeback'",
    [shop.merchantId, payId],
  );
  return Number(rows[0]?.n ?? 0);
}

describe("chargebacks", { timeout: 120_000 }, () => {
  it("Amazon's CHARGEBACK IPN: recorded on the payment, notified once, on the timeline", async () => {
    const answer = await startPayment(world, shop, "T-CB");
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    const [completed] = await waitForNotifies(world, "T-CB", 1);
    const completion = readNotify(shop, completionResult, (completed as { body: string }).body);
    const chargeId = completion.values.chargeid as string;
    assert.ok(chargeId);

    // A webhook endpoint of the JSON API hears of it too.
    const created = await request(
      `${world.gateway.url}/api/v1/merchants/${shop.merchantId}/webhook-endpoints`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ url: `${world.notify.url}/chargeback-hooks` }),
        dispatcher: world.agent,
      },
    );
    const endpoint = (await created.body.json()) as { secret: string };
    assert.equal(created.statusCode, 201, JSON.stringify(endpoint));

    const filed = await buyer(world, `/__admin/charges/${chargeId}/chargeback`);
    const chargebackId = filed.chargebackId as string;
    assert.match(chargebackId, /^S01-\d{7}-\d{7}-B\d{6}$/);
    assert.equal(filed.chargePermissionId, completion.values.chargepermissionid);
    await world.emulator.drainIpn();

    const notifies = await waitForNotifies(world, "T-CB", 2);
    const notified = readNotify(shop, chargebackNotify, (notifies[1] as { body: string }).body);
    assert.equal(notified.values.NotificationType, "ChargebackNotification");
    assert.equal(notified.values.Status, "FAILED");
    assert.equal(notified.values.Code, "2A200300");
    assert.equal(notified.values.PayID, payId);
    assert.equal(notified.values.TransID, "T-CB");
    assert.equal(notified.values.ChargebackID, chargebackId);
    assert.equal(notified.values.chargeid, chargeId);
    assert.equal(notified.values.chargepermissionid, completion.values.chargepermissionid);
    assert.equal(notified.values.AmountCap, "3000", "the totals are Kasse's; Amazon tells no amount");
    assert.notEqual(notified.values.XID, completion.values.XID, "the chargeback is an action of its own");

    // Amazon sends the same IPN again: acknowledged, nothing recorded or notified twice.
    const again = await signedIpn(world, {
      MerchantID: shop.amazonMerchantId,
      ObjectType: "CHARGEBACK",
      ObjectId: chargebackId,
      ChargePermissionId: completion.values.chargepermissionid as string,
      NotificationType: "STATE_CHANGE",
    });
    assert.equal((await postIpn(world, shop.merchantId, JSON.stringify(again))).status, 200);
    assert.equal(await chargebackRows(payId), 1, "one chargeback notify for one chargeback");

    // The webhook: type payment.chargeback, Amazon's chargeback id, signed, once.
    const hooks = () => world.notify.received.filter((item) => item.path === "/chargeback-hooks");
    for (let i = 0; i < 500 && hooks().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(hooks().length, 1, "one webhook for one chargeback");
    const [hook] = hooks();
    const event = JSON.parse(hook?.body ?? "{}");
    assert.equal(event.type, "payment.chargeback");
    assert.equal(event.id, `evt_${notified.values.XID}_chargeback`);
    assert.deepEqual(event.data, {
      merchantId: shop.merchantId,
      payId,
      xid: notified.values.XID,
      transId: "T-CB",
      amount: event.data.amount,
      currency: "EUR",
      reasonCode: event.data.reasonCode,
      amazonId: chargebackId,
    });
    assert.equal(
      verifySignature(
        hook?.signature ?? "",
        hook?.body ?? "",
        endpoint.secret,
        Math.floor(Date.now() / 1000),
      ),
      true,
    );

    // The JSON API's timeline: the chargeback as an entry with its notify, the IPNs beside it.
    const detail = await apiGet(`/payments/${payId}`);
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    const timeline = detail.body.timeline as Array<{
      kind: string;
      state: string;
      amazonId: string | null;
      notifications: Array<{ event: string; status: string }>;
    }>;
    assert.deepEqual(
      timeline.map((entry) => entry.kind),
      ["init", "buyerReturn", "authorization", "chargeback"],
    );
    const entry = timeline[3];
    assert.equal(entry?.state, "succeeded");
    assert.ok(typeof (entry as { at?: unknown }).at === "string", "timed by its notification");
    assert.equal(entry?.amazonId, chargebackId);
    assert.deepEqual(
      entry?.notifications.map((n) => n.event),
      ["chargeback"],
    );
    assert.equal(detail.body.status, "captured", "a chargeback changes neither status nor amounts");
    const ipns = detail.body.ipns as Array<{ objectType: string; objectId: string }>;
    assert.equal(
      ipns.filter((ipn) => ipn.objectType === "CHARGEBACK" && ipn.objectId === chargebackId).length,
      2,
    );

    // The admin API's notifications of the payment list it too.
    const listed = await admin(world, "GET", `/merchants/${shop.merchantId}/notifications?payId=${payId}`);
    assert.equal(listed.status, 200);
    const events = (listed.body.notifications as Array<{ event: string; xid: string }>).map((n) => n.event);
    assert.ok(events.includes("chargeback"), JSON.stringify(events));
  });

  it("the emulator charges back only captured charges it knows", async () => {
    const unknown = await world.emulator.app.inject({
      method: "POST",
      url: "/__admin/charges/S01-0000000-0000000-C000001/chargeback",
      payload: {},
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().reasonCode, "ResourceNotFound");
  });
});
