/**
 * Additional Payment Button (`checkoutMode=ProcessOrder`, seed 001) with the shipping address
 * validated per market (EU incl. UK, JP, US), and the unhappy ends of a checkout: a declined
 * card, a buyer who cancels at Amazon, and a buyer who leaves Amazon's page (URLCancel).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import {
  apbAddressEu,
  apbInitRequest,
  apbInitResponse,
  completionResult,
  initRequest,
  initResponse,
  refusalAnswer,
} from "../src/paygate/tables.js";
import { browse, buyer, call, createShop, SHOP, startWorld, type World } from "./paygate-support.js";

let world: World;
let eu: ShopCredentials;
let us: ShopCredentials;
let jp: ShopCredentials;

before(async () => {
  world = await startWorld();
  eu = await createShop(world, "shop-apb-eu", "eu");
  us = await createShop(world, "shop-apb-us", "na");
  jp = await createShop(world, "shop-apb-jp", "jp");
});
after(() => world.close());

const apb = (market: string, amount: number, currency: string, transId: string) => ({
  TransID: transId,
  CountryCode: market,
  Amount: amount,
  Currency: currency,
  URLSuccess: `${SHOP}/success`,
  URLFailure: `${SHOP}/failure`,
  URLNotify: `${world.notify.url}/notify`,
  checkoutMode: "ProcessOrder",
  ShopUrl: `${SHOP}/thanks`,
});

type Address = Record<string, string | undefined>;

const berlin: Address = {
  Name: "Anna Schmidt",
  sdStreet: "Hauptstr. 1",
  sdCity: "Berlin",
  SDZipcode: "10115",
  sdCountryCode: "DE",
  sdPhone: "+49 30 12345678",
};

/** APB init with an address: the address pairs go after the table's rows. */
function initApb(shop: ShopCredentials, values: ReturnType<typeof apb>, address: Address | undefined) {
  const extra = Object.entries(address ?? {}).filter(([, value]) => value !== undefined) as [
    string,
    string,
  ][];
  return call(world, shop, "amazonAPA.aspx", apbInitRequest, values, apbInitResponse, { extra });
}

describe("Additional Payment Button", () => {
  it("EU with shipping address: no review page, straight to URLSuccess and URLNotify", async () => {
    const before = world.notify.received.length;
    const init = await initApb(eu, apb("EU", 2500, "EUR", "APB-1"), berlin);
    assert.equal(init.code, "00000000");
    const payload = JSON.parse(init.values.buttonpayload as string);
    assert.equal(payload.webCheckoutDetails.checkoutMode, "ProcessOrder");
    assert.equal(payload.webCheckoutDetails.checkoutReviewReturnUrl, undefined);
    assert.deepEqual(payload.addressDetails, {
      name: "Anna Schmidt",
      addressLine1: "Hauptstr. 1",
      city: "Berlin",
      postalCode: "10115",
      countryCode: "DE",
      phoneNumber: "+49 30 12345678",
    });
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: init.values.buttonpayload,
      signature: init.values.buttonsignature,
      publicKeyId: init.values.buttonpublickeyid,
    });
    const success = await browse(world, click.redirectUrl as string);
    assert.ok(success.startsWith(`${SHOP}/success?`), success);
    const completion = readAnswer(eu, completionResult, success);
    assert.ok(completion.ok && completion.macVerified);
    assert.equal(completion.values.AmountCap, "2500");
    const [notify] = (await world.notify.waitFor(before + 1)).slice(before);
    const notified = readAnswer(eu, completionResult, (notify as { body: string }).body);
    assert.ok(notified.ok);
    assert.equal(notified.values.PayID, init.values.PayID);
  });

  it("EU rules: sdState refused for UK/GB, mandatory fields named", async () => {
    const gb = { ...berlin, sdCountryCode: "GB", SDZipcode: "SW1A 1AA", sdCity: "London", sdState: "London" };
    const refusedGb = await initApb(eu, apb("UK", 2500, "GBP", "APB-2"), gb);
    assert.equal(refusedGb.code, "20190038");
    const withoutState = await initApb(eu, apb("UK", 2500, "GBP", "APB-3"), { ...gb, sdState: undefined });
    assert.equal(withoutState.code, "00000000");
    const frState = await initApb(eu, apb("EU", 2500, "EUR", "APB-4"), {
      ...berlin,
      sdCountryCode: "FR",
      sdState: "IDF",
    });
    assert.equal(frState.code, "00000000", "other EU countries may send sdState");
    const noCity = await initApb(eu, apb("EU", 2500, "EUR", "APB-5"), { ...berlin, sdCity: undefined });
    assert.equal(noCity.code, "40100036");
    assert.match(noCity.values.Description ?? "", /sdCity/);
    const noName = await initApb(eu, apb("EU", 2500, "EUR", "APB-6"), { ...berlin, Name: undefined });
    assert.equal(noName.code, "40100032");
    assert.ok(apbAddressEu.rows.some((row) => row.key === "sdState"));
  });

  it("US: ZIP or ZIP+4 with hyphen; JP: state allowed, amount in yen", async () => {
    const seattle = {
      Name: "John Doe",
      sdStreet: "9999 First Avenue",
      sdCity: "Seattle",
      sdState: "WA",
      SDZipcode: "98104-3442",
      sdCountryCode: "US",
      sdPhone: "212555555",
    };
    assert.equal((await initApb(us, apb("US", 1000, "USD", "APB-US1"), seattle)).code, "00000000");
    const bare = await initApb(us, apb("US", 1000, "USD", "APB-US2"), { ...seattle, SDZipcode: "981043442" });
    assert.equal(bare.code, "20120039");
    const tokyo = {
      Name: "Taro Yamada",
      sdStreet: "1-1 Chiyoda",
      sdCity: "Chiyoda-ku",
      sdState: "Tokyo",
      SDZipcode: "100-0001",
      sdCountryCode: "JP",
      sdPhone: "0312345678",
    };
    const yen = await initApb(jp, apb("JP", 1500, "JPY", "APB-JP1"), tokyo);
    assert.equal(yen.code, "00000000");
    const payload = JSON.parse(yen.values.buttonpayload as string);
    assert.deepEqual(payload.paymentDetails.chargeAmount, { amount: "1500", currencyCode: "JPY" });
    assert.equal(payload.addressDetails.stateOrRegion, "Tokyo");
    const wrongMarket = await initApb(jp, apb("EU", 1500, "EUR", "APB-JP2"), tokyo);
    assert.equal(wrongMarket.code, "2A200107");
  });

  it("a digital good (no address) is PayOnly", async () => {
    const init = await initApb(eu, apb("EU", 999, "EUR", "APB-D1"), undefined);
    assert.equal(init.code, "00000000");
    assert.equal(JSON.parse(init.values.buttonpayload as string).addressDetails, undefined);
  });
});

describe("unhappy ends of a checkout", () => {
  const standard = (transId: string) => ({
    TransID: transId,
    CountryCode: "EU",
    Amount: 1200,
    Currency: "EUR",
    URLSuccess: `${SHOP}/success`,
    URLFailure: `${SHOP}/failure`,
    URLNotify: `${world.notify.url}/notify`,
    URLCancel: `${SHOP}/cancel`,
    ShopUrl: `${SHOP}/review`,
  });

  async function untilResult(transId: string, card: string): Promise<string> {
    const init = await call(world, eu, "amazonAPA.aspx", initRequest, standard(transId), initResponse);
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: init.values.buttonpayload,
      signature: init.values.buttonsignature,
      publicKeyId: init.values.buttonpublickeyid,
      buyer: { card },
    });
    await browse(world, click.redirectUrl as string);
    const back = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
    return browse(world, back.redirectUrl as string);
  }

  it("declined card: URLFailure with Amazon's reason in CodeExt, and a FAILED notify", async () => {
    const before = world.notify.received.length;
    const failure = await untilResult("T-DECLINE", "3434");
    assert.ok(failure.startsWith(`${SHOP}/failure?`), failure);
    const answer = readAnswer(eu, refusalAnswer, failure);
    assert.ok(answer.ok && answer.macVerified);
    assert.equal(answer.values.Status, "FAILED");
    assert.equal(answer.code, "2A200100");
    assert.equal(answer.values.CodeExt, "Declined");
    const [notify] = (await world.notify.waitFor(before + 1)).slice(before);
    const notified = readAnswer(eu, refusalAnswer, (notify as { body: string }).body);
    assert.ok(notified.ok);
    assert.equal(notified.code, "2A200100");
  });

  it("buyer cancels at Amazon: URLCancel", async () => {
    const cancel = await untilResult("T-CANCEL", "3064");
    assert.ok(cancel.startsWith(`${SHOP}/cancel?`), cancel);
    const answer = readAnswer(eu, refusalAnswer, cancel);
    assert.ok(answer.ok);
    assert.equal(answer.code, "22890703");
  });

  it("buyer leaves Amazon's page (checkoutCancelUrl): URLCancel, a reload goes there again", async () => {
    const init = await call(world, eu, "amazonAPA.aspx", initRequest, standard("T-LEAVE"), initResponse);
    const payload = JSON.parse(init.values.buttonpayload as string);
    const first = await browse(world, payload.webCheckoutDetails.checkoutCancelUrl);
    assert.ok(first.startsWith(`${SHOP}/cancel?`), first);
    assert.equal(readAnswer(eu, refusalAnswer, first).ok, true);
    assert.equal(await browse(world, payload.webCheckoutDetails.checkoutCancelUrl), first);
  });

  it("a result return with another checkout session than the review's is refused", async () => {
    const init = await call(world, eu, "amazonAPA.aspx", initRequest, standard("T-SWAP"), initResponse);
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: init.values.buttonpayload,
      signature: init.values.buttonsignature,
      publicKeyId: init.values.buttonpublickeyid,
    });
    await browse(world, click.redirectUrl as string);
    const payload = JSON.parse(init.values.buttonpayload as string);
    const result = payload.webCheckoutDetails.checkoutReviewReturnUrl.replace("Review", "Result");
    const swapped = await browse(
      world,
      `${result}&amazonCheckoutSessionId=00000000-0000-4000-8000-000000000000`,
    );
    assert.ok(swapped.startsWith(`${SHOP}/failure?`), swapped);
    const answer = readAnswer(eu, refusalAnswer, swapped);
    assert.ok(answer.ok);
    assert.equal(answer.code, "20120046");
  });
});
