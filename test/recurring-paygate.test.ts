/**
 * Recurring payments through the Paygate wire protocol (seed 004 "Einrichtung wiederkehrender
 * Zahlungen", reference §5.9), end to end against the real gateway and emulator: RTF=I checkout
 * with a Recurring charge permission, RTF=R charges and their notifies, Amazon's monthly limit,
 * a hard decline fixed by the buyer, a permission the buyer closed, ReqId replay, and another
 * merchant's permission id.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { verifySignature } from "../src/api/webhooks.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { readAnswer } from "../src/paygate/client.js";
import {
  apbInitRequest,
  apbInitResponse,
  captureRequest,
  captureResponse,
  completionResult,
  initResponse,
  recurringChargeNotify,
  recurringExpiryNotify,
} from "../src/paygate/tables.js";
import {
  ADMIN_TOKEN,
  browse,
  buyer,
  call,
  createShop,
  SHOP,
  startWorld,
  type World,
} from "./paygate-support.js";
import {
  chargeAgain,
  notifyOf,
  recurringInitTable,
  recurringInitValues,
  subscribe,
} from "./recurring-support.js";

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld();
  shop = await createShop(world, "shop-recurring");
});
after(() => world.close());

describe("RTF=I: the initial payment of a series", () => {
  it("creates a Recurring charge permission with the cycle and amount, first payment as usual", async () => {
    const { payload, chargePermissionId } = await subscribe(world, shop, "R-I-1", { installmentAmount: 990 });
    assert.equal(payload.chargePermissionType, "Recurring");
    assert.deepEqual(payload.recurringMetadata, {
      frequency: { unit: "Month", value: "1" },
      amount: { amount: "9.90", currencyCode: "EUR" },
    });
    assert.match(chargePermissionId, /^[A-Z0-9-]+$/);
  });

  it("refuses cycles outside the seed's ranges, naming the parameter", async () => {
    const cases: Array<[Record<string, string | number | undefined>, string]> = [
      [{ cycle: "Month", Value: 37 }, "20160029"],
      [{ cycle: "Year", Value: 4 }, "20160029"],
      [{ cycle: "Week", Value: 0 }, "20160029"],
      [{ cycle: "Variable", Value: 1 }, "20160029"],
      [{ cycle: "Quarter", Value: 1 }, "20160028"],
      [{ RTF: "X" }, "20160027"],
    ];
    for (const [extra, code] of cases) {
      const answer = await call(
        world,
        shop,
        "amazonAPA.aspx",
        recurringInitTable,
        recurringInitValues(world, "R-I-bad", extra),
        initResponse,
      );
      assert.equal(answer.values.Status, "FAILED", JSON.stringify(extra));
      assert.equal(answer.code, code, `${JSON.stringify(extra)}: ${answer.values.Description}`);
    }
    const variable = await call(
      world,
      shop,
      "amazonAPA.aspx",
      recurringInitTable,
      recurringInitValues(world, "R-I-var", { cycle: "Variable", Value: 0, InstallmentAmount: 0 }),
      initResponse,
    );
    assert.equal(variable.code, "00000000");
    const payload = JSON.parse(variable.values.buttonpayload as string);
    assert.deepEqual(payload.recurringMetadata, { frequency: { unit: "Variable", value: "0" } });
  });
});

describe("RTF=I with the Additional Payment Button (seed 001)", () => {
  const apbValues = (transId: string, extra: Record<string, string | number | undefined>) => ({
    TransID: transId,
    CountryCode: "EU",
    Amount: 1990,
    Currency: "EUR",
    URLSuccess: `${SHOP}/success`,
    URLFailure: `${SHOP}/failure`,
    URLNotify: `${world.notify.url}/notify`,
    checkoutMode: "ProcessOrder",
    ShopUrl: `${SHOP}/thanks`,
    ...extra,
  });

  it("creates a Recurring permission without a review page; cycle and Value are required", async () => {
    const init = await call(
      world,
      shop,
      "amazonAPA.aspx",
      apbInitRequest,
      apbValues("R-A-1", { RTF: "I", cycle: "Week", Value: 2, InstallmentAmount: 0 }),
      apbInitResponse,
    );
    assert.equal(init.code, "00000000", init.values.Description);
    const payload = JSON.parse(init.values.buttonpayload as string);
    assert.equal(payload.webCheckoutDetails.checkoutMode, "ProcessOrder");
    assert.equal(payload.chargePermissionType, "Recurring");
    assert.deepEqual(payload.recurringMetadata, { frequency: { unit: "Week", value: "2" } });
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: init.values.buttonpayload,
      signature: init.values.buttonsignature,
      publicKeyId: init.values.buttonpublickeyid,
    });
    const success = await browse(world, click.redirectUrl as string);
    const completion = readAnswer(shop, completionResult, success);
    assert.ok(completion.ok && completion.macVerified, success);
    assert.equal(completion.values.RTF, "Recurring");
    const charged = await chargeAgain(
      world,
      shop,
      completion.values.chargepermissionid as string,
      "R-A-1-c1",
    );
    assert.equal(charged.code, "00000000");

    const missing = await call(
      world,
      shop,
      "amazonAPA.aspx",
      apbInitRequest,
      apbValues("R-A-2", { RTF: "I", Value: 1 }),
      apbInitResponse,
    );
    assert.equal(missing.code, "40100028");
  });
});

describe("RTF=R: merchant-initiated charges", () => {
  it("charges with its own PayID, answers S2S and notifies; Authorize leaves a capture to do", async () => {
    const initial = await subscribe(world, shop, "R-R-1");
    const charged = await chargeAgain(world, shop, initial.chargePermissionId, "R-R-1-c1");
    assert.equal(charged.values.Status, "OK");
    assert.equal(charged.code, "00000000");
    assert.notEqual(charged.values.PayID, initial.payId);
    assert.equal(charged.values.chargepermissionid, initial.chargePermissionId);
    assert.ok(charged.values.chargeid);
    assert.equal(charged.values.AmountCap, "990");
    assert.equal(charged.values.AmazonStatus, "Completed");

    const notified = await notifyOf(world, shop, recurringChargeNotify, {
      PayID: charged.values.PayID as string,
    });
    assert.equal(notified.macVerified, true);
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.values.NotificationType, "RecurringNotification");
    assert.equal(notified.values.RTF, "R");
    assert.equal(notified.values.chargeid, charged.values.chargeid);

    const authorized = await chargeAgain(world, shop, initial.chargePermissionId, "R-R-1-c2", {
      amount: 1290,
      extra: { TxType: "Authorize" },
    });
    assert.equal(authorized.code, "00000000");
    assert.equal(authorized.values.AmountAuth, "1290");
    assert.equal(authorized.values.AmountCap, "0");
    const capture = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { PayID: authorized.values.PayID, TransID: "R-R-1-c2", Amount: 1290, Currency: "EUR" },
      captureResponse,
    );
    assert.equal(capture.code, "00000000");
    assert.equal(capture.values.AmountCap, "1290");
  });

  it("tells the JSON API's webhook endpoints too: the charge arrives as a signed webhook, once", async () => {
    const hooked = await createShop(world, "shop-recurring-hooks");
    const created = await request(
      `${world.gateway.url}/api/v1/merchants/shop-recurring-hooks/webhook-endpoints`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ url: `${world.notify.url}/recurring-hooks` }),
        dispatcher: world.agent,
      },
    );
    const endpoint = (await created.body.json()) as { secret: string };
    assert.equal(created.statusCode, 201, JSON.stringify(endpoint));
    const initial = await subscribe(world, hooked, "R-R-H");
    const charged = await chargeAgain(world, hooked, initial.chargePermissionId, "R-R-H-c1");
    assert.equal(charged.code, "00000000");
    const payId = charged.values.PayID as string;
    await notifyOf(world, hooked, recurringChargeNotify, { PayID: payId });

    // Bounded wait (500 × 20 ms) for the charge's webhook; the initial checkout's comes too.
    const hooks = () => world.notify.received.filter((item) => item.path === "/recurring-hooks");
    const ofCharge = () => hooks().filter((item) => JSON.parse(item.body).data.payId === payId);
    for (let i = 0; i < 500 && ofCharge().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const [hook] = ofCharge();
    assert.ok(hook, `no webhook of the RTF=R charge; got ${hooks().map((item) => item.body)}`);
    const event = JSON.parse(hook.body);
    assert.equal(event.type, "payment.recurring_charge.succeeded");
    assert.deepEqual(event.data, {
      merchantId: "shop-recurring-hooks",
      payId,
      xid: event.data.xid,
      transId: "R-R-H-c1",
      amount: 990,
      currency: "EUR",
      reasonCode: null,
    });
    assert.equal(
      verifySignature(hook.signature ?? "", hook.body, endpoint.secret, Math.floor(Date.now() / 1000)),
      true,
    );
    assert.ok(
      hooks().some(
        (item) =>
          JSON.parse(item.body).type === "payment.authorization.succeeded" &&
          JSON.parse(item.body).data.payId === initial.payId,
      ),
      "the initial checkout's completion",
    );
    assert.equal(ofCharge().length, 1, "once");
  });

  it("respects Amazon's monthly limit (PeriodicAmountExceeded)", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "R-L-1");
    const refused = await chargeAgain(world, shop, chargePermissionId, "R-L-1-c1", { amount: 60_000 });
    assert.equal(refused.values.Status, "FAILED");
    assert.equal(refused.code, "2A200105");
    assert.equal(refused.values.CodeExt, "PeriodicAm");
    assert.match(refused.values.ErrorText ?? "", /^PeriodicAmountExceeded/);
    const small = await chargeAgain(world, shop, chargePermissionId, "R-L-1-c2", { amount: 1000 });
    assert.equal(small.code, "00000000", "the limit refused only what exceeded it");
  });

  it("a hard decline stops charges until the buyer updates the payment method", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "R-H-1");
    const declined = await chargeAgain(world, shop, chargePermissionId, "R-H-1-c1", {
      extra: { AmazonpaySimulationCode: "HardDeclined" },
    });
    assert.equal(declined.values.Status, "FAILED");
    assert.equal(declined.code, "2A200100");
    assert.equal(declined.values.CodeExt, "HardDeclin");
    const declineNotify = await notifyOf(world, shop, recurringChargeNotify, {
      PayID: declined.values.PayID as string,
    });
    assert.equal(declineNotify.values.Status, "FAILED");
    assert.equal(declineNotify.values.CodeExt, "HardDeclin");

    const blocked = await chargeAgain(world, shop, chargePermissionId, "R-H-1-c2");
    assert.equal(blocked.values.Status, "FAILED");
    assert.equal(blocked.code, "2A200207");
    assert.match(blocked.values.ErrorText ?? "", /^InvalidChargePermissionStatus/);

    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/update-payment-method`, {
      buyer: { card: "4444" },
    });
    const again = await chargeAgain(world, shop, chargePermissionId, "R-H-1-c3");
    assert.equal(again.code, "00000000", again.values.ErrorText);
  });

  it("refuses a permission the buyer closed, without a charge", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "R-C-1");
    await buyer(world, `/__admin/charge-permissions/${chargePermissionId}/buyer-close`);
    const refused = await chargeAgain(world, shop, chargePermissionId, "R-C-1-c1");
    assert.equal(refused.values.Status, "FAILED");
    assert.equal(refused.code, "2A200207");
    assert.equal(refused.values.CodeExt, "InvalidCha");
    assert.match(refused.values.ErrorText ?? "", /BuyerClosed/);
    assert.equal(refused.values.chargeid, undefined);
  });

  it("a ReqId replay answers the original charge and charges once", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "R-Q-1");
    const first = await chargeAgain(world, shop, chargePermissionId, "R-Q-1-c1", { reqId: "rq-1" });
    const second = await chargeAgain(world, shop, chargePermissionId, "R-Q-1-c1", { reqId: "rq-1" });
    assert.equal(first.code, "00000000");
    assert.equal(second.values.PayID, first.values.PayID);
    assert.equal(second.values.XID, first.values.XID);
    assert.equal(second.values.chargeid, first.values.chargeid);
    const rows = await world.gateway.db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM payments WHERE merchant_id = $1 AND charge_permission_id = $2
       AND checkout_mode = 'MerchantInitiated'`,
      [shop.merchantId, chargePermissionId],
    );
    assert.equal(Number(rows[0]?.n), 1);
  });

  it("holds RTF=R to the series' fixed InstallmentAmount (seed 004), before any Amazon call", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "R-F-1", { installmentAmount: 990 });
    const other = await chargeAgain(world, shop, chargePermissionId, "R-F-1-c1", { amount: 1290 });
    assert.equal(other.values.Status, "FAILED");
    assert.equal(other.code, "2A200210");
    assert.match(other.values.Description ?? "", /InstallmentAmount/);
    assert.equal(other.values.PayID, undefined, "no payment, no charge");
    assert.equal(other.values.chargeid, undefined);
    const charges = await world.gateway.db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM payments WHERE merchant_id = $1 AND charge_permission_id = $2
       AND checkout_mode = 'MerchantInitiated'`,
      [shop.merchantId, chargePermissionId],
    );
    assert.equal(Number(charges[0]?.n), 0);
    const fixed = await chargeAgain(world, shop, chargePermissionId, "R-F-1-c2", { amount: 990 });
    assert.equal(fixed.code, "00000000", fixed.values.ErrorText);

    // InstallmentAmount=0: "not a fixed amount", any amount goes.
    const free = await subscribe(world, shop, "R-F-2", { installmentAmount: 0 });
    const any = await chargeAgain(world, shop, free.chargePermissionId, "R-F-2-c1", { amount: 1290 });
    assert.equal(any.code, "00000000", any.values.ErrorText);
  });

  it("a permission expiring within 30 days: the charge works, the shop gets one ExpiryNotification", async () => {
    const initial = await subscribe(world, shop, "R-E-1");
    const expiresAt = new Date(Math.floor((Date.now() + 10 * 86_400_000) / 1000) * 1000);
    await buyer(world, `/__admin/charge-permissions/${initial.chargePermissionId}/expiration`, {
      expirationTimestamp: expiresAt.toISOString(),
    });
    const charged = await chargeAgain(world, shop, initial.chargePermissionId, "R-E-1-c1");
    assert.equal(charged.code, "00000000", charged.values.ErrorText);

    const warned = await notifyOf(world, shop, recurringExpiryNotify, { PayID: initial.payId });
    assert.equal(warned.macVerified, true);
    assert.equal(warned.values.NotificationType, "ExpiryNotification");
    assert.equal(warned.values.Status, "OK");
    assert.equal(warned.values.Code, "00000000", "a warning, no error: NotificationType tells it apart");
    assert.equal(warned.values.TransID, "R-E-1");
    assert.equal(warned.values.chargepermissionid, initial.chargePermissionId);
    assert.equal(warned.values.ExpiresAt, `${expiresAt.toISOString().slice(0, 19)}Z`);
    assert.notEqual(warned.values.XID, charged.values.XID);

    // The next charge reads the same expiry: no second notice.
    const again = await chargeAgain(world, shop, initial.chargePermissionId, "R-E-1-c2");
    assert.equal(again.code, "00000000", again.values.ErrorText);
    const rows = await world.gateway.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM notifications WHERE merchant_id = $1 AND pay_id = $2 AND event = 'permissionExpiring'",
      [shop.merchantId, initial.payId],
    );
    assert.equal(Number(rows[0]?.n), 1);

    // A permission far from its expiry gets none.
    const fresh = await subscribe(world, shop, "R-E-2");
    assert.equal((await chargeAgain(world, shop, fresh.chargePermissionId, "R-E-2-c1")).code, "00000000");
    const none = await world.gateway.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM notifications WHERE merchant_id = $1 AND pay_id = $2 AND event = 'permissionExpiring'",
      [shop.merchantId, fresh.payId],
    );
    assert.equal(Number(none[0]?.n), 0);
  });

  it("refuses the permission of a one-time checkout", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "R-T-1", { oneTime: true });
    const refused = await chargeAgain(world, shop, chargePermissionId, "R-T-1-c1");
    assert.equal(refused.values.Status, "FAILED");
    assert.equal(refused.code, "2A200207");
  });

  it("refuses another merchant's charge permission", async () => {
    const { chargePermissionId } = await subscribe(world, shop, "R-O-1");
    const other = await createShop(world, "shop-recurring-other");
    const refused = await chargeAgain(world, other, chargePermissionId, "R-O-1-c1");
    assert.equal(refused.values.Status, "FAILED");
    assert.equal(refused.code, "20160031");
    assert.equal(refused.values.PayID, undefined);
  });
});
