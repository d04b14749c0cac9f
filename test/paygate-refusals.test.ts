/**
 * Bad inputs get exactly the documented codes (reference §3.1, docs/paygate.md) and change
 * nothing: wrong MAC, missing and malformed parameters, garbage Data, unknown merchant, another
 * merchant's PayID. Also the transport variants every shop may use: GET or POST, any case of the
 * page name and the keys.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { buildRequest, readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import { encryptData } from "../src/paygate/crypto.js";
import { requestMac } from "../src/paygate/mac.js";
import {
  captureRequest,
  captureResponse,
  initRequest,
  initResponse,
  inquireRequest,
  inquireResponse,
  refusalAnswer,
  reviewRedirect,
} from "../src/paygate/tables.js";
import { browse, buyer, call, createShop, SHOP, send, startWorld, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials;
let other: ShopCredentials;

before(async () => {
  world = await startWorld();
  shop = await createShop(world, "shop-refusals");
  other = await createShop(world, "shop-other");
});
after(() => world.close());

const init = (overrides: Record<string, string | number | undefined> = {}) => ({
  TransID: "T-R1",
  CountryCode: "EU",
  Amount: 1000,
  Currency: "EUR",
  URLSuccess: `${SHOP}/success`,
  URLFailure: `${SHOP}/failure`,
  URLNotify: `${world.notify.url}/notify`,
  URLCancel: `${SHOP}/cancel`,
  ShopUrl: `${SHOP}/review`,
  ...overrides,
});

async function payments(merchantId: string): Promise<number> {
  const rows = await world.gateway.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM payments WHERE merchant_id = $1",
    [merchantId],
  );
  return rows[0]?.n ?? 0;
}

/** Sends a hand-made plaintext (for inputs the client's builder would not produce). */
async function sendPlain(credentials: ShopCredentials, page: string, plaintext: string) {
  const { data, len } = encryptData(plaintext, { blowfish: credentials.blowfishKey });
  const form = new URLSearchParams({ MerchantID: credentials.merchantId, Len: String(len), Data: data });
  return send(world, `/${page}`, { form: form.toString() });
}

function refusal(credentials: ShopCredentials, body: string) {
  const answer = readAnswer(credentials, refusalAnswer, body);
  assert.ok(answer.ok, `unreadable refusal: ${body}`);
  assert.equal(answer.values.Status, "FAILED");
  return answer;
}

/** A completed, authorised payment of `credentials`. */
async function authorisedPayment(credentials: ShopCredentials, transId: string): Promise<string> {
  const started = await call(
    world,
    credentials,
    "amazonAPA.aspx",
    initRequest,
    init({ TransID: transId, TxType: "Authorize" }),
    initResponse,
  );
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: started.values.buttonpayload,
    signature: started.values.buttonsignature,
    publicKeyId: started.values.buttonpublickeyid,
  });
  await browse(world, click.redirectUrl as string);
  const back = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
  await browse(world, back.redirectUrl as string);
  return started.values.PayID as string;
}

describe("refused requests", () => {
  it("wrong MAC: 20010004, nothing stored", async () => {
    const before = await payments(shop.merchantId);
    const forged = { ...shop, hmacKey: "not-the-merchants-hmac-key-00000" };
    const answer = await call(world, forged, "amazonAPA.aspx", initRequest, init(), refusalAnswer);
    assert.equal(answer.code, "20010004");
    assert.equal(await payments(shop.merchantId), before);
  });

  it("missing parameter: 4010 + parameter id, Description names it", async () => {
    const mac = requestMac(shop.hmacKey, {
      transId: "T-R3",
      merchantId: shop.merchantId,
      amount: 100,
      currency: "EUR",
    });
    const plaintext = `MerchantID=${shop.merchantId}&TransID=T-R3&Amount=100&Currency=EUR&CountryCode=EU&URLSuccess=${SHOP}/s&URLFailure=${SHOP}/f&URLNotify=${world.notify.url}/n&URLCancel=${SHOP}/c&MAC=${mac}`;
    const answer = refusal(shop, (await sendPlain(shop, "amazonAPA.aspx", plaintext)).body);
    assert.equal(answer.code, "40100016");
    assert.match(answer.values.Description ?? "", /ShopUrl/);
  });

  it("malformed parameters: format, length, value codes", async () => {
    const plain = (amount: string, currency: string) => {
      const mac = requestMac(shop.hmacKey, {
        transId: "T-R2",
        merchantId: shop.merchantId,
        amount,
        currency,
      });
      return `MerchantID=${shop.merchantId}&TransID=T-R2&Amount=${amount}&Currency=${currency}&CountryCode=EU&URLSuccess=${SHOP}/s&URLFailure=${SHOP}/f&URLNotify=${world.notify.url}/n&URLCancel=${SHOP}/c&ShopUrl=${SHOP}/r&MAC=${mac}`;
    };
    assert.equal(
      refusal(shop, (await sendPlain(shop, "amazonAPA.aspx", plain("12a", "EUR"))).body).code,
      "20110007",
    );
    assert.equal(
      refusal(shop, (await sendPlain(shop, "amazonAPA.aspx", plain("100", "EURO"))).body).code,
      "20140008",
    );
    assert.equal(
      refusal(shop, (await sendPlain(shop, "amazonAPA.aspx", plain("100", "XXX"))).body).code,
      "20160008",
    );
    const scope = await call(
      world,
      shop,
      "amazonAPA.aspx",
      initRequest,
      init({ Scope: "name wallet" }),
      refusalAnswer,
    );
    assert.equal(scope.code, "20160019");
    const txType = await call(
      world,
      shop,
      "amazonAPA.aspx",
      initRequest,
      init({ TxType: "Sale" }),
      refusalAnswer,
    );
    assert.equal(txType.code, "20160017");
    const restriction = await call(
      world,
      shop,
      "amazonAPA.aspx",
      initRequest,
      init({ addressRestriction: Buffer.from('{"type":"Maybe"}').toString("base64") }),
      refusalAnswer,
    );
    assert.equal(restriction.code, "20120023");
    const notify = await call(
      world,
      shop,
      "amazonAPA.aspx",
      initRequest,
      init({ URLNotify: "http://shop.example/n" }),
      refusalAnswer,
    );
    assert.equal(notify.code, "20120014", "plain http off loopback is refused");
  });

  it("garbage Data, wrong Len, missing outer fields, unknown merchant", async () => {
    const garbage = await send(world, "/amazonAPA.aspx", {
      form: new URLSearchParams({ MerchantID: shop.merchantId, Len: "10", Data: "zz-not-hex" }).toString(),
    });
    assert.equal(refusal(shop, garbage.body).code, "20010003");
    const built = buildRequest(shop, initRequest, init());
    const wrongLen = await send(world, "/amazonAPA.aspx", {
      form: new URLSearchParams({ ...built.fields, Len: String(Number(built.fields.Len) + 40) }).toString(),
    });
    assert.equal(refusal(shop, wrongLen.body).code, "20010002");
    assert.match(
      refusal(shop, wrongLen.body).values.Description ?? "",
      new RegExp(
        `^Len ${Number(built.fields.Len) + 40} does not match the decrypted Data \\(\\d+ characters, \\d+ bytes\\)$`,
      ),
    );
    const noLen = new URLSearchParams(
      await (
        await send(world, "/amazonAPA.aspx", {
          form: new URLSearchParams({ MerchantID: shop.merchantId, Data: built.fields.Data }).toString(),
        })
      ).body,
    );
    assert.equal(noLen.get("Code"), "40100002");
    const unknown = new URLSearchParams(
      (
        await send(world, "/capture.aspx", {
          form: new URLSearchParams({ ...built.fields, MerchantID: "nobody" }).toString(),
        })
      ).body,
    );
    assert.equal(unknown.get("Status"), "FAILED");
    assert.equal(unknown.get("Code"), "20160001");
  });

  it("another merchant's PayID is unknown: no capture, no inquiry", async () => {
    const payId = await authorisedPayment(other, "T-OTHER");
    const capture = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { PayID: payId, TransID: "T-OTHER", Amount: 1000, Currency: "EUR" },
      refusalAnswer,
    );
    assert.equal(capture.code, "20160005");
    const inquiry = await call(world, shop, "inquire.aspx", inquireRequest, { PayID: payId }, refusalAnswer);
    assert.equal(inquiry.code, "20160005");
    const own = await call(world, other, "inquire.aspx", inquireRequest, { PayID: payId }, inquireResponse);
    assert.equal(own.values.AmountCap, "0", "the refused capture changed nothing");
    const operations = await world.gateway.db.query(
      "SELECT 1 FROM operations WHERE pay_id = $1 AND action = 'capture'",
      [payId],
    );
    assert.equal(operations.length, 0, "nothing was sent to Amazon");
  });

  it("a buyer return naming another merchant finds no payment and changes nothing", async () => {
    const started = await call(
      world,
      other,
      "amazonAPA.aspx",
      initRequest,
      init({ TransID: "T-RETURN", TxType: "Authorize" }),
      initResponse,
    );
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: started.values.buttonpayload,
      signature: started.values.buttonsignature,
      publicKeyId: started.values.buttonpublickeyid,
    });
    const reviewUrl = new URL(click.redirectUrl as string);
    assert.equal(
      reviewUrl.searchParams.get("mid"),
      other.merchantId,
      "Kasse's return URLs name the merchant",
    );
    reviewUrl.searchParams.set("mid", shop.merchantId);
    const response = await request(reviewUrl, { method: "GET", dispatcher: world.agent });
    await response.body.dump();
    assert.equal(response.statusCode, 404);
    const own = await call(
      world,
      other,
      "inquire.aspx",
      inquireRequest,
      { PayID: started.values.PayID },
      inquireResponse,
    );
    assert.equal(own.values.LastStatus, "AUTHORIZE_REQUEST", "the payment did not move");
  });

  it("capture with a wrong MAC or above the authorisation changes nothing", async () => {
    const payId = await authorisedPayment(shop, "T-CAP");
    const forged = { ...shop, hmacKey: "not-the-merchants-hmac-key-00000" };
    const values = { PayID: payId, TransID: "T-CAP", Amount: 1000, Currency: "EUR" };
    assert.equal(
      (await call(world, forged, "capture.aspx", captureRequest, values, refusalAnswer)).code,
      "20010004",
    );
    const over = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { ...values, Amount: 1001 },
      refusalAnswer,
    );
    assert.equal(over.code, "2A200202");
    const currency = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { ...values, Currency: "GBP" },
      refusalAnswer,
    );
    assert.equal(currency.code, "2A200208");
    const operations = await world.gateway.db.query(
      "SELECT 1 FROM operations WHERE pay_id = $1 AND action = 'capture'",
      [payId],
    );
    assert.equal(operations.length, 0);
    const done = await call(world, shop, "capture.aspx", captureRequest, values, captureResponse);
    assert.equal(done.code, "00000000");
  });

  it("accepts GET and any case of page name and keys; echoes Custom in clear", async () => {
    const built = buildRequest(shop, initRequest, init({ TransID: "T-GET" }), {
      extra: [["Custom", "session=abc|lang=de"]],
      hexCase: "upper",
    });
    const raw = await send(world, "/AMAZONapa.ASPX", {
      method: "GET",
      form: built.body.replace("MerchantID", "merchantid"),
    });
    assert.equal(raw.status, 200);
    const answer = readAnswer(shop, initResponse, raw.body);
    assert.ok(answer.ok);
    assert.equal(answer.code, "00000000");
    assert.equal(answer.clear.get("session"), "abc");
    assert.equal(answer.clear.get("lang"), "de");
    const missing = await send(world, "/nosuchpage.aspx", { method: "GET" });
    assert.equal(missing.status, 404);
  });

  it("AES merchants: AES requests are answered in AES, browser returns too", async () => {
    const aes = await createShop(world, "shop-aes", "eu", { aes: true });
    assert.equal(aes.scheme, "aes");
    const started = await call(
      world,
      aes,
      "amazonAPA.aspx",
      initRequest,
      init({ TransID: "T-AES" }),
      initResponse,
    );
    assert.equal(started.code, "00000000");
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: started.values.buttonpayload,
      signature: started.values.buttonsignature,
      publicKeyId: started.values.buttonpublickeyid,
    });
    const review = await browse(world, click.redirectUrl as string);
    assert.match(new URL(review).searchParams.get("Data") ?? "", /^[0-9a-f]{32}-[0-9a-f]+$/);
    const answer = readAnswer(aes, reviewRedirect, review);
    assert.ok(answer.ok && answer.macVerified);
    assert.equal(answer.values.Status, "PENDING");
  });
});
