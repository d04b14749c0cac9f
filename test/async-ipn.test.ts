/**
 * Pending outcomes settled by Amazon's IPNs (docs/async.md): the emulator's IPNs reach the
 * gateway's `amazonAPAV2Notify.aspx`, the gateway reads the object from Amazon and the shop gets
 * the final notify. The reconciliation job runs on its default schedule (first check two minutes
 * after the change), so within these scenarios only an IPN can settle anything: nothing calls
 * inquire before the notify arrived.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ShopCredentials } from "../src/paygate/client.js";
import { readAnswer } from "../src/paygate/client.js";
import {
  apbInitRequest,
  apbInitResponse,
  captureNotify,
  completionResult,
  creditNotify,
  refusalAnswer,
} from "../src/paygate/tables.js";
import {
  admin,
  advanceAmazon,
  capture,
  createAsyncShop,
  credit,
  inquire,
  pay,
  readNotify,
  startAsyncWorld,
  startPayment,
  waitForNotifies,
} from "./async-support.js";
import { browse, buyer, call, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startAsyncWorld();
  shop = await createAsyncShop(world, "shop-ipn", { canHandlePendingAuthorization: true });
});
after(() => world.close());

describe("pending outcomes settled by IPN", { timeout: 90_000 }, () => {
  it("a capture more than 7 days after authorisation: PENDING, then CaptureNotification after the IPN", async () => {
    const answer = await startPayment(world, shop, "T-LATE", { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    await waitForNotifies(world, "T-LATE", 1);
    await advanceAmazon(world, 8 * 24 * 3600);
    const captured = await capture(world, shop, payId, { TransID: "T-LATE" });
    assert.equal(captured.values.Status, "PENDING");
    assert.equal(captured.code, "6A200001");
    assert.equal(captured.values.AmountCap, "0");
    await advanceAmazon(world, 31);
    const notifies = await waitForNotifies(world, "T-LATE", 2);
    const notified = readNotify(shop, captureNotify, (notifies[1] as { body: string }).body);
    assert.equal(notified.values.NotificationType, "CaptureNotification");
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.values.PayID, payId);
    assert.equal(notified.values.AmountCap, "3000");
    assert.equal((await inquire(world, shop, payId)).values.AmountCap, "3000");
  });

  it("an authorisation Amazon lets expire (30 days unused) is recorded from its IPN: the payment is Canceled", async () => {
    const answer = await startPayment(world, shop, "T-EXPIRE", { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    await waitForNotifies(world, "T-EXPIRE", 1);
    await advanceAmazon(world, 31 * 24 * 3600);
    let status = "";
    for (let round = 0; round < 400 && status !== "Canceled"; round++) {
      const rows = await world.gateway.db.query<{ status: string }>(
        "SELECT status FROM payments WHERE pay_id = $1",
        [payId],
      );
      status = rows[0]?.status ?? "";
      if (status !== "Canceled") await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(status, "Canceled", "the IPN of the expired charge cancelled the payment");
    const refused = await capture(world, shop, payId, { TransID: "T-EXPIRE" });
    assert.equal(refused.values.Status, "FAILED");
  });

  it("a pending authorisation (card 0701): URLSuccess with PENDING, then one completion notify OK", async () => {
    const answer = await startPayment(world, shop, "T-0701", { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    const landed = await pay(world, answer, "0701");
    assert.ok(landed.startsWith("https://shop.example/success?"), landed);
    const redirect = readAnswer(shop, refusalAnswer, landed);
    assert.ok(redirect.ok);
    assert.equal(redirect.values.Status, "PENDING");
    assert.equal(redirect.code, "6A200003");
    assert.equal((await inquire(world, shop, payId)).values.AmountAuth, "0");
    await advanceAmazon(world, 31);
    const [notify] = await waitForNotifies(world, "T-0701", 1);
    const done = readNotify(shop, completionResult, (notify as { body: string }).body);
    assert.equal(done.values.Status, "OK");
    assert.equal(done.code, "00000000");
    assert.equal(done.values.AmountAuth, "3000");
    assert.equal((await inquire(world, shop, payId)).values.AmountAuth, "3000");
    // Authorised now: the capture works as usual.
    assert.equal((await capture(world, shop, payId, { TransID: "T-0701" })).values.Status, "OK");
  });

  it("a pending authorisation that Amazon declines (card 4354) ends in a FAILED completion notify", async () => {
    // A merchant created without the setting switches it on later through the admin API.
    const late = await createAsyncShop(world, "shop-ipn-late");
    assert.equal((await admin(world, "PATCH", "/merchants/shop-ipn-late", { hmacKey: "x" })).status, 400);
    assert.equal(
      (
        await admin(world, "PATCH", "/merchants/shop-ipn-late", {
          settings: { canHandlePendingAuthorization: "yes" },
        })
      ).status,
      400,
    );
    assert.equal((await admin(world, "PATCH", "/merchants/nobody", { settings: {} })).status, 404);
    const patched = await admin(world, "PATCH", "/merchants/shop-ipn-late", {
      settings: { canHandlePendingAuthorization: true },
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.settings, { canHandlePendingAuthorization: true });
    const shop = late;
    const answer = await startPayment(world, shop, "T-4354", { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    const landed = await pay(world, answer, "4354");
    assert.equal(readAnswer(shop, refusalAnswer, landed).ok && landed.includes("/success?"), true);
    await advanceAmazon(world, 31);
    const [notify] = await waitForNotifies(world, "T-4354", 1);
    const failed = readNotify(shop, refusalAnswer, (notify as { body: string }).body);
    assert.equal(failed.values.Status, "FAILED");
    assert.equal(failed.values.PayID, payId);
    assert.equal(failed.values.CodeExt, "HardDeclin");
    const refusedCapture = await capture(world, shop, payId, { TransID: "T-4354" });
    assert.equal(refusedCapture.values.Status, "FAILED");
  });

  it("APB (ProcessOrder) with a pending authorisation: the payload allows it, the notify ends it", async () => {
    const answer = await call(
      world,
      shop,
      "amazonAPA.aspx",
      apbInitRequest,
      {
        TransID: "T-APB-0701",
        CountryCode: "EU",
        Amount: 3000,
        Currency: "EUR",
        TxType: "Authorize",
        URLSuccess: "https://shop.example/success",
        URLFailure: "https://shop.example/failure",
        URLNotify: `${world.notify.url}/notify/T-APB-0701`,
        checkoutMode: "ProcessOrder",
        ShopUrl: "https://shop.example/thanks",
      },
      apbInitResponse,
    );
    const payload = JSON.parse(answer.values.buttonpayload as string);
    assert.equal(payload.paymentDetails.canHandlePendingAuthorization, true, "the merchant's setting");
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: answer.values.buttonpayload,
      signature: answer.values.buttonsignature,
      publicKeyId: answer.values.buttonpublickeyid,
      buyer: { card: "0701" },
    });
    const landed = await browse(world, click.redirectUrl as string);
    assert.ok(landed.startsWith("https://shop.example/success?"), landed);
    const pending = readAnswer(shop, refusalAnswer, landed);
    assert.ok(pending.ok);
    assert.equal(pending.code, "6A200003");
    await advanceAmazon(world, 31);
    const [notify] = await waitForNotifies(world, "T-APB-0701", 1);
    assert.equal(readNotify(shop, completionResult, (notify as { body: string }).body).values.Status, "OK");
  });

  it("a refund settles via IPN: PENDING, then CreditNotification OK and AmountCred", async () => {
    const answer = await startPayment(world, shop, "T-REFUND", { TxType: "AuthorizeWithCapture" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    await waitForNotifies(world, "T-REFUND", 1);
    const refund = await credit(world, shop, payId, 1200);
    assert.equal(refund.values.Status, "PENDING");
    assert.equal(refund.code, "6A200002");
    await advanceAmazon(world, 31);
    const notifies = await waitForNotifies(world, "T-REFUND", 2);
    const notified = readNotify(shop, creditNotify, (notifies[1] as { body: string }).body);
    assert.equal(notified.values.NotificationType, "CreditNotification");
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.values.AmountCred, "1200");
    assert.equal((await inquire(world, shop, payId)).values.AmountCred, "1200");
  });
});
