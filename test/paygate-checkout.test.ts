/**
 * The standard checkout with review page through the Paygate wire protocol (reference §5.0 A),
 * end to end against the real gateway and emulator: init → button → review hand-off to ShopUrl →
 * UpdateAuthorizeAmount → completion → capture → refunds (partial, repeated, replayed, over the
 * ceiling) → inquire; Authorize and AuthorizeWithCapture; reverse; URLNotify for each.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import {
  captureNotify,
  captureRequest,
  captureResponse,
  completionResult,
  creditNotify,
  creditRequest,
  creditResponse,
  initRequest,
  initResponse,
  inquireRequest,
  inquireResponse,
  reverseRequest,
  reverseResponse,
  reviewRedirect,
  updateAmountRequest,
  updateAmountResponse,
} from "../src/paygate/tables.js";
import { browse, buyer, call, createShop, SHOP, startWorld, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld();
  shop = await createShop(world, "shop-checkout");
});
after(() => world.close());

function initValues(transId: string, amount: number, extra: Partial<Record<string, string | number>> = {}) {
  return {
    TransID: transId,
    CountryCode: "EU",
    Amount: amount,
    Currency: "EUR",
    URLSuccess: `${SHOP}/success`,
    URLFailure: `${SHOP}/failure`,
    URLNotify: `${world.notify.url}/notify`,
    URLCancel: `${SHOP}/cancel`,
    ShopUrl: `${SHOP}/review`,
    ...extra,
  };
}

/** Init, the buyer's click and sign-in: returns the PayID and the review hand-off. */
async function checkoutUntilReview(
  transId: string,
  amount: number,
  extra: Partial<Record<string, string | number>> = {},
  card = "1111",
) {
  const init = await call(
    world,
    shop,
    "amazonAPA.aspx",
    initRequest,
    initValues(transId, amount, extra),
    initResponse,
    {
      extra: [["UserData", `user-${transId}`]],
    },
  );
  assert.equal(init.values.Status, "OK");
  assert.equal(init.code, "00000000");
  assert.match(init.values.PayID ?? "", /^[0-9a-f]{32}$/);
  const payload = JSON.parse(init.values.buttonpayload as string);
  assert.equal(payload.webCheckoutDetails.checkoutReviewReturnUrl.startsWith(world.gateway.url), true);
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: init.values.buttonpayload,
    signature: init.values.buttonsignature,
    publicKeyId: init.values.buttonpublickeyid,
    buyer: { card },
  });
  const toShop = await browse(world, click.redirectUrl as string);
  assert.ok(toShop.startsWith(`${SHOP}/review?`), toShop);
  const review = readAnswer(shop, reviewRedirect, toShop);
  assert.ok(review.ok, "review hand-off unreadable");
  assert.equal(review.macVerified, true);
  return { payId: init.values.PayID as string, review, sessionId: click.checkoutSessionId as string };
}

/** The buyer confirms at Amazon (amazonPayRedirectUrl) and comes back through Kasse. */
async function confirm(sessionId: string): Promise<string> {
  const back = await buyer(world, `/__admin/checkout-sessions/${sessionId}/authenticate`);
  return browse(world, back.redirectUrl as string);
}

describe("standard checkout with review page", () => {
  it("Authorize: review data, amount update, completion, capture, refunds, inquire, notifies", async () => {
    const { payId, review, sessionId } = await checkoutUntilReview("T-1001", 4990, { TxType: "Authorize" });
    assert.equal(review.values.Status, "PENDING");
    assert.equal(review.values.PayID, payId);
    assert.equal(review.values.TransID, "T-1001");
    assert.equal(review.values.buyerName, "Anna Schmidt");
    assert.equal(review.values.AddrCity, "Berlin");
    assert.equal(review.values.AmazoncheckoutSessionid, sessionId);
    assert.ok(review.values.AmazonpayRedirectUrl?.startsWith(world.emulator.url));
    assert.equal(review.extra.get("userdata"), "user-T-1001");

    const updated = await call(
      world,
      shop,
      "amazonAPA.aspx",
      updateAmountRequest,
      { PayID: payId, EventToken: "UpdateAuthorizeAmount", Amount: 5490, Currency: "EUR", CountryCode: "EU" },
      updateAmountResponse,
    );
    assert.equal(updated.values.Status, "AUTHORIZE_REQUEST");
    assert.equal(updated.code, "00000000");

    const success = await confirm(sessionId);
    assert.ok(success.startsWith(`${SHOP}/success?`), success);
    const completion = readAnswer(shop, completionResult, success);
    assert.ok(completion.ok);
    assert.equal(completion.macVerified, true);
    assert.equal(completion.values.Status, "OK");
    assert.equal(completion.code, "00000000");
    assert.equal(completion.values.AmountAuth, "5490");
    assert.equal(completion.values.AmountCap, "0");
    assert.ok(completion.values.chargeid);
    assert.ok(completion.values.chargepermissionid);
    assert.equal(completion.values.AmazonStatus, "Completed");

    const [completionNotify] = await world.notify.waitFor(1);
    const notified = readAnswer(shop, completionResult, (completionNotify as { body: string }).body);
    assert.ok(notified.ok && notified.macVerified);
    assert.equal(notified.values.PayID, payId);
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.extra.get("userdata"), "user-T-1001");

    // A reload of the result page sends the buyer where the first visit went, nothing new.
    const back = await buyer(world, `/__admin/checkout-sessions/${sessionId}/authenticate`).catch(
      () => undefined,
    );
    assert.equal(back, undefined, "the session is completed; the buyer cannot authenticate again");

    const capture = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { PayID: payId, TransID: "T-1001", Amount: 5490, Currency: "EUR" },
      captureResponse,
    );
    assert.equal(capture.values.Status, "OK");
    assert.equal(capture.code, "00000000");
    assert.equal(capture.values.AmountCap, "5490");
    const captureNotified = readAnswer(
      shop,
      captureNotify,
      ((await world.notify.waitFor(2))[1] as { body: string }).body,
    );
    assert.ok(captureNotified.ok);
    assert.equal(captureNotified.values.NotificationType, "CaptureNotification");

    const again = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { PayID: payId, TransID: "T-1001", Amount: 5490, Currency: "EUR" },
      captureResponse,
    );
    assert.equal(again.code, "2A200201", "one capture per payment");

    const credit = (amount: number, reqId: string) =>
      call(
        world,
        shop,
        "credit.aspx",
        creditRequest,
        { PayID: payId, TransID: "T-1001", Amount: amount, Currency: "EUR" },
        creditResponse,
        { extra: [["ReqId", reqId]] },
      );
    const first = await credit(1000, "R1");
    assert.equal(first.values.Status, "PENDING");
    assert.equal(first.code, "6A200002");
    assert.ok(first.values.refundid);
    const replay = await credit(1000, "R1");
    assert.equal(replay.values.XID, first.values.XID, "a repeated ReqId answers the original action");
    const second = await credit(2000, "R2");
    assert.notEqual(second.values.XID, first.values.XID);
    const tooMuch = await credit(5000, "R3");
    assert.equal(tooMuch.code, "2A200204");

    // Amazon settles the refunds 30 s later; inquire (and the worker's poll) notice it.
    await buyer(world, "/__admin/clock", { advanceSeconds: 31 });
    const inquiry = await call(
      world,
      shop,
      "inquire.aspx",
      inquireRequest,
      { PayID: payId },
      inquireResponse,
    );
    assert.equal(inquiry.values.AmountAuth, "5490");
    assert.equal(inquiry.values.AmountCap, "5490");
    assert.equal(inquiry.values.AmountCred, "3000");
    assert.equal(inquiry.values.LastStatus, "CREDITED");
    const notifies = await world.notify.waitFor(4);
    const credits = notifies
      .slice(2)
      .map((n) => readAnswer(shop, creditNotify, n.body))
      .map((a) => (a.ok ? a.values : {}));
    assert.deepEqual(credits.map((v) => v.NotificationType).sort(), [
      "CreditNotification",
      "CreditNotification",
    ]);
    assert.deepEqual(credits.map((v) => v.Amount).sort(), ["1000", "2000"]);
  });

  it("AuthorizeWithCapture: captured at completion; reverse is refused afterwards", async () => {
    const before = world.notify.received.length;
    const { payId, sessionId } = await checkoutUntilReview("T-1002", 1999);
    const completion = readAnswer(shop, completionResult, await confirm(sessionId));
    assert.ok(completion.ok);
    assert.equal(completion.values.AmountCap, "1999");
    await world.notify.waitFor(before + 1);
    const reverse = await call(
      world,
      shop,
      "reverse.aspx",
      reverseRequest,
      { PayID: payId },
      reverseResponse,
    );
    assert.equal(reverse.code, "2A200205");
  });

  it("reverse cancels an uncaptured authorisation", async () => {
    const { payId, sessionId } = await checkoutUntilReview("T-1003", 1500, { TxType: "Authorize" });
    await confirm(sessionId);
    const reverse = await call(
      world,
      shop,
      "reverse.aspx",
      reverseRequest,
      { PayID: payId },
      reverseResponse,
    );
    assert.equal(reverse.values.Status, "OK");
    assert.equal(reverse.code, "00000000");
    assert.equal(reverse.values.AmazonStatus, "Canceled");
    const inquiry = await call(
      world,
      shop,
      "inquire.aspx",
      inquireRequest,
      { PayID: payId },
      inquireResponse,
    );
    assert.equal(inquiry.values.LastStatus, "REVERSED");
    const capture = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { PayID: payId, TransID: "T-1003", Amount: 1500, Currency: "EUR" },
      captureResponse,
    );
    assert.equal(capture.code, "2A200200");
  });

  it("nothing twice: an init ReqId replays the button, parallel captures make one Amazon call", async () => {
    const values = initValues("T-1004", 2200, { TxType: "Authorize" });
    const first = await call(world, shop, "amazonAPA.aspx", initRequest, values, initResponse, {
      extra: [["ReqId", "INIT-1004"]],
    });
    const replay = await call(world, shop, "amazonAPA.aspx", initRequest, values, initResponse, {
      extra: [["ReqId", "INIT-1004"]],
    });
    assert.equal(replay.values.PayID, first.values.PayID);
    assert.equal(replay.values.buttonsignature, first.values.buttonsignature);
    const payId = first.values.PayID as string;
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: first.values.buttonpayload,
      signature: first.values.buttonsignature,
      publicKeyId: first.values.buttonpublickeyid,
    });
    await browse(world, click.redirectUrl as string);
    const before = world.notify.received.length;
    await confirm(click.checkoutSessionId as string);
    await world.notify.waitFor(before + 1);

    const capture = () =>
      call(
        world,
        shop,
        "capture.aspx",
        captureRequest,
        { PayID: payId, TransID: "T-1004", Amount: 2200, Currency: "EUR" },
        captureResponse,
      );
    const answers = await Promise.all([capture(), capture()]);
    const ok = answers.filter((answer) => answer.code === "00000000");
    assert.ok(
      ok.length >= 1,
      answers.map((answer) => `${answer.code} ${answer.values.CodeExt} ${answer.values.ErrorText}`).join(","),
    );
    for (const answer of answers) assert.ok(["00000000", "2A200201"].includes(answer.code as string));
    assert.equal(new Set(ok.map((answer) => answer.values.XID)).size, 1, "one capture action");
    const operations = await world.gateway.db.query(
      "SELECT idempotency_key FROM operations WHERE pay_id = $1 AND action = 'capture'",
      [payId],
    );
    assert.equal(operations.length, 1, "one planned Amazon call");
    const inquiry = await call(
      world,
      shop,
      "inquire.aspx",
      inquireRequest,
      { PayID: payId },
      inquireResponse,
    );
    assert.equal(inquiry.values.AmountCap, "2200");

    const late = await call(
      world,
      shop,
      "amazonAPA.aspx",
      updateAmountRequest,
      { PayID: payId, EventToken: "UpdateAuthorizeAmount", Amount: 100, Currency: "EUR", CountryCode: "EU" },
      updateAmountResponse,
    );
    assert.equal(late.code, "2A200206", "the amount can no longer change");
    assert.equal(late.values.Status, "FAILED");
  });

  it("the buyer changes the address from the review page: ShopUrl again with the new address", async () => {
    const { review, sessionId } = await checkoutUntilReview("T-1005", 1000);
    const changed = await buyer(world, `/__admin/checkout-sessions/${sessionId}/change`, {
      changeAction: "changeAddress",
    });
    const again = readAnswer(shop, reviewRedirect, await browse(world, changed.redirectUrl as string));
    assert.ok(again.ok && again.macVerified);
    assert.equal(again.values.PayID, review.values.PayID);
    assert.notEqual(
      `${again.values.AddrStreet} ${again.values.AddrCity}`,
      `${review.values.AddrStreet} ${review.values.AddrCity}`,
    );
    const success = readAnswer(shop, completionResult, await confirm(sessionId));
    assert.ok(success.ok);
    assert.equal(success.values.AddrStreet, again.values.AddrStreet);
  });
});
