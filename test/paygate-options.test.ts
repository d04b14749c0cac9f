/**
 * The init options of reference §5.1 as they reach Amazon (LocalCurrency, Scope, ChDesc,
 * addressRestriction, OrderDesc, AmazonpaySimulationCode), an asynchronous capture settled later
 * with its CaptureNotification, and URLNotify retries when the shop's receiver fails.
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
  refusalAnswer,
} from "../src/paygate/tables.js";
import { browse, buyer, call, createShop, SHOP, startWorld, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld();
  shop = await createShop(world, "shop-options");
});
after(() => world.close());

const init = (transId: string, extra: Record<string, string | number> = {}) => ({
  TransID: transId,
  CountryCode: "EU",
  Amount: 3000,
  Currency: "EUR",
  URLSuccess: `${SHOP}/success`,
  URLFailure: `${SHOP}/failure`,
  URLNotify: `${world.notify.url}/notify`,
  URLCancel: `${SHOP}/cancel`,
  ShopUrl: `${SHOP}/review`,
  ...extra,
});

async function start(transId: string, extra: Record<string, string | number> = {}) {
  const answer = await call(world, shop, "amazonAPA.aspx", initRequest, init(transId, extra), initResponse);
  assert.equal(answer.code, "00000000", answer.values.Description);
  return { answer, payload: JSON.parse(answer.values.buttonpayload as string) };
}

/** Button, sign-in, review, confirmation: where the buyer ends up. */
async function pay(answer: Awaited<ReturnType<typeof start>>["answer"]): Promise<string> {
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: answer.values.buttonpayload,
    signature: answer.values.buttonsignature,
    publicKeyId: answer.values.buttonpublickeyid,
  });
  await browse(world, click.redirectUrl as string);
  const back = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
  return browse(world, back.redirectUrl as string);
}

describe("init options reach Amazon", () => {
  it("LocalCurrency: presentment currency on EU/UK only, equal to Currency", async () => {
    const { answer, payload } = await start("T-MC", { Currency: "USD", LocalCurrency: "USD" });
    assert.equal(payload.paymentDetails.presentmentCurrency, "USD");
    assert.deepEqual(payload.paymentDetails.chargeAmount, { amount: "30.00", currencyCode: "USD" });
    const done = readAnswer(shop, completionResult, await pay(answer));
    assert.ok(done.ok);
    assert.equal(done.code, "00000000");
    const mismatch = await call(
      world,
      shop,
      "amazonAPA.aspx",
      initRequest,
      init("T-MC2", { LocalCurrency: "USD" }),
      refusalAnswer,
    );
    assert.equal(mismatch.code, "20120018");
  });

  it("Scope, ChDesc, addressRestriction, OrderDesc", async () => {
    // The seed's own style: JSON with spaces and line breaks, then base64.
    const restriction = Buffer.from(
      '{\n "type": "Allowed",\n "restrictions": { "DE": {}, "AT": { "zipCodes": ["1010"] } }\n}',
    ).toString("base64");
    const { payload } = await start("T-OPT", {
      Scope: "name email",
      ChDesc: "Shop Order 7",
      addressRestriction: restriction,
      OrderDesc: "Two blue shirts",
    });
    assert.deepEqual(payload.scopes, ["name", "email"]);
    assert.equal(payload.paymentDetails.softDescriptor, "Shop Order 7");
    assert.deepEqual(payload.deliverySpecifications, {
      addressRestrictions: { type: "Allowed", restrictions: { DE: {}, AT: { zipCodes: ["1010"] } } },
    });
    assert.equal(payload.merchantMetadata.noteToBuyer, "Two blue shirts");
    const test = await start("T-OPT2", { OrderDesc: "Test:0000", TxType: "Authorize", ChDesc: "Later" });
    assert.equal(test.payload.merchantMetadata.noteToBuyer, undefined, "the simulation switch is not a note");
    assert.equal(
      test.payload.paymentDetails.softDescriptor,
      undefined,
      "Amazon takes ChDesc only when capturing",
    );
  });

  it("AmazonpaySimulationCode reaches Amazon's completion (BuyerCanceled → URLCancel)", async () => {
    const { answer } = await start("T-SIM", { AmazonpaySimulationCode: "BuyerCanceled" });
    const cancel = await pay(answer);
    assert.ok(cancel.startsWith(`${SHOP}/cancel?`), cancel);
    const refused = readAnswer(shop, refusalAnswer, cancel);
    assert.ok(refused.ok);
    assert.equal(refused.code, "22890703");
  });
});

describe("OrderDesc=Test:nnnn", () => {
  it("Test:0000 succeeds; any other code declines the completion", async () => {
    const ok = await start("T-TEST0", { OrderDesc: "Test:0000" });
    assert.ok((await pay(ok.answer)).startsWith(`${SHOP}/success?`));
    const failing = await start("T-TEST1", { OrderDesc: "Test:0305" });
    const failure = await pay(failing.answer);
    assert.ok(failure.startsWith(`${SHOP}/failure?`), failure);
    const refused = readAnswer(shop, refusalAnswer, failure);
    assert.ok(refused.ok);
    assert.equal(refused.code, "2A200100");
  });

  it("a credit with Test:nnnn is declined by Amazon later: PENDING, then a FAILED CreditNotification", async () => {
    const { answer } = await start("T-TESTCR");
    const before = world.notify.received.length;
    await pay(answer);
    await world.notify.waitFor(before + 1);
    const payId = answer.values.PayID as string;
    const credit = await call(
      world,
      shop,
      "credit.aspx",
      creditRequest,
      { PayID: payId, TransID: "T-TESTCR", Amount: 500, Currency: "EUR", OrderDesc: "Test:0305" },
      creditResponse,
    );
    assert.equal(credit.values.Status, "PENDING");
    await buyer(world, "/__admin/clock", { advanceSeconds: 31 });
    const inquiry = await call(
      world,
      shop,
      "inquire.aspx",
      inquireRequest,
      { PayID: payId },
      inquireResponse,
    );
    assert.equal(inquiry.values.AmountCred, "0");
    const [notify] = (await world.notify.waitFor(before + 2)).slice(before + 1);
    const notified = readAnswer(shop, creditNotify, (notify as { body: string }).body);
    assert.ok(notified.ok && notified.macVerified);
    assert.equal(notified.values.NotificationType, "CreditNotification");
    assert.equal(notified.values.Status, "FAILED");
    assert.equal(notified.values.CodeExt, "AmazonReje");
  });
});

describe("asynchronous capture and notify retries", () => {
  it("CaptureInitiated: PENDING with a 6 code, then AmountCap and CaptureNotification once Amazon settles", async () => {
    const { answer } = await start("T-ASYNC", { TxType: "Authorize" });
    const completed = world.notify.received.length;
    await pay(answer);
    await world.notify.waitFor(completed + 1);
    const payId = answer.values.PayID as string;
    const capture = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      {
        PayID: payId,
        TransID: "T-ASYNC",
        Amount: 3000,
        Currency: "EUR",
        AmazonpaySimulationCode: "CaptureInitiated",
      },
      captureResponse,
    );
    assert.equal(capture.values.Status, "PENDING");
    assert.equal(capture.code, "6A200001");
    assert.equal(capture.values.AmountCap, "0");
    await buyer(world, "/__admin/clock", { advanceSeconds: 31 });
    const inquiry = await call(
      world,
      shop,
      "inquire.aspx",
      inquireRequest,
      { PayID: payId },
      inquireResponse,
    );
    assert.equal(inquiry.values.AmountCap, "3000");
    const notifies = await world.notify.waitFor(completed + 2);
    const notified = readAnswer(shop, captureNotify, (notifies[completed + 1] as { body: string }).body);
    assert.ok(notified.ok && notified.macVerified);
    assert.equal(notified.values.NotificationType, "CaptureNotification");
    assert.equal(notified.values.Status, "OK");
  });

  it("a failing URLNotify is retried until the shop answers 2xx", async () => {
    const before = world.notify.received.length;
    const hits = world.notify.hits;
    world.notify.failures = [500];
    const { answer } = await start("T-RETRY");
    await pay(answer);
    const [notify] = (await world.notify.waitFor(before + 1)).slice(before);
    assert.equal(readAnswer(shop, completionResult, (notify as { body: string }).body).ok, true);
    assert.equal(world.notify.hits - hits, 2, "one refused attempt, one delivery");
  });
});
