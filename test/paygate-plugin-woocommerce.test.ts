/**
 * The WooCommerce "Computop Payments" plug-in (with its bundled computop-sdk), replayed exactly:
 * WordPress on default permalinks gives it `https://shop/?wc-api=computop_…` return and notify
 * URLs; it sends `MerchantId` (its PHP property's spelling), raw values (`sdPhone=+49 …`), a
 * lower-case MAC, `Len` in bytes, and reads answers without `Len` by `rtrim("\0")` and a split
 * on `&` and the first `=`. Its notify handler then calls inquire.aspx and compares AmountCap
 * with the order total; refunds go through credit.aspx. See docs/paygate-plugins.md.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { ShopCredentials } from "../src/paygate/client.js";
import { browse, buyer, createShop, SHOP, send, startWorld, type World } from "./paygate-support.js";
import { type Pairs, wooCommerce } from "./support/computop-plugins.js";

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld();
  shop = await createShop(world, "shop-woocommerce");
});
after(() => world.close());

const ORDER = { id: 1042, total: 2500, currency: "EUR" };
const TRANS_ID = `WOOCCPTTX${ORDER.id}`;

/** `getRequestId`: order id, gateway id and an md5 of the order, cut to 30 characters. */
const requestId = (salt: string) =>
  `${ORDER.id}_computop_amazonpay_${createHash("md5").update(salt).digest("hex")}`.slice(0, 30);

/** `WC()->api_request_url($name)` on default permalinks. */
const apiUrl = (base: string, name: string) => `${base}/?wc-api=${name}`;

/** `AbstractGateway::postData` for a request whose pairs come without the MAC: MAC second, as its property. */
async function post(page: string, pairs: Pairs, mac: string) {
  const [merchantIdPair, ...rest] = pairs;
  const form = wooCommerce.form(shop.merchantId, shop.blowfishKey, [
    merchantIdPair as Pairs[number],
    ["MAC", mac],
    ...rest,
  ]);
  const answer = await send(world, `/${page}`, { form });
  assert.equal(answer.status, 200, answer.body);
  // CurlClient: parse_str($rawResponse), then the SDK decrypts responseArray['Data'].
  const data = new URLSearchParams(answer.body).get("Data");
  assert.ok(data, `no Data in ${answer.body}`);
  return wooCommerce.read(data, shop.blowfishKey);
}

describe("WooCommerce Computop Payments against Kasse", () => {
  it("Amazon Pay on default permalinks: init, buyer, URLSuccess, notify, inquire, refund", async () => {
    const notifyUrl = apiUrl(world.notify.url, "computop_notify");
    const urlSuccess = apiUrl(SHOP, "computop_success");
    const urlFailure = apiUrl(SHOP, "computop_failure");
    // AmazonPay::process_payment: addOrderData, addAmazonPayAddress, URLCancel = URLFailure,
    // ShopUrl = URLSuccess; pairs in the order of the SDK's PHP properties.
    const init = await post(
      "amazonAPA.aspx",
      [
        ["MerchantId", shop.merchantId],
        ["TransID", TRANS_ID],
        ["Amount", ORDER.total],
        ["Currency", ORDER.currency],
        ["RefNr", `WC-${ORDER.id}`],
        ["OrderDesc", String(ORDER.id)],
        ["URLSuccess", urlSuccess],
        ["URLFailure", urlFailure],
        ["URLNotify", notifyUrl],
        ["Response", "encrypt"],
        ["EtiID", "WooCommerce v9.4.2, Plugin v1.0.2"],
        ["ReqId", requestId("a")],
        ["CountryCode", "EU"],
        ["checkoutMode", "ProcessOrder"],
        ["ShopUrl", urlSuccess],
        ["Name", "Jürgen Groß"],
        ["SDZipcode", "40212"],
        ["sdPhone", "+49 211 1234567"],
        ["URLCancel", urlFailure],
        ["sdCountryCode", "DE"],
        ["sdStreet", "Königsallee 1 – Büro €"],
        ["sdCity", "Düsseldorf"],
      ],
      wooCommerce.mac(shop.hmacKey, {
        transId: TRANS_ID,
        merchantId: shop.merchantId,
        amount: ORDER.total,
        currency: ORDER.currency,
      }),
    );
    assert.deepEqual(init.warnings, []);
    assert.equal(init.values.Status, "OK", init.values.Description);
    assert.equal(init.values.Code, "00000000");
    const payload = JSON.parse(init.values.buttonpayload as string);
    assert.equal(payload.webCheckoutDetails.checkoutMode, "ProcessOrder");
    assert.equal(payload.addressDetails.name, "Jürgen Groß");
    assert.equal(payload.addressDetails.addressLine1, "Königsallee 1 – Büro €");
    assert.equal(payload.addressDetails.phoneNumber, "+49 211 1234567");

    // amazon_pay.js hands the three button values to amazon.Pay.initCheckout.
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: init.values.buttonpayload,
      signature: init.values.buttonsignature,
      publicKeyId: init.values.buttonpublickeyid,
    });
    const success = await browse(world, click.redirectUrl as string);
    assert.ok(success.startsWith(`${urlSuccess}&Len=`), success);
    // ReturnController: $_GET['Data'], decrypt, Response::createFromResponseString.
    const returned = wooCommerce.read(new URL(success).searchParams.get("Data") as string, shop.blowfishKey);
    assert.deepEqual(returned.warnings, []);
    assert.equal(returned.values.Status, "OK");
    assert.equal(returned.values.TransID, TRANS_ID);
    assert.equal(returned.values.PayID, init.values.PayID);
    assert.equal(returned.values.AddrName, "Jürgen Groß");
    assert.equal(returned.values.AddrStreet, "Königsallee 1 – Büro €");
    assert.equal(returned.values.AddrCity, "Düsseldorf");

    // The notify goes to the URL exactly as given, query and all.
    const [notify] = await world.notify.waitFor(1);
    assert.ok(notify);
    assert.equal(notify.path, "/?wc-api=computop_notify");
    const notified = wooCommerce.read(
      new URLSearchParams(notify.body).get("Data") as string,
      shop.blowfishKey,
    );
    assert.deepEqual(notified.warnings, []);
    assert.equal(notified.values.TransID, TRANS_ID);
    assert.equal(notified.values.PayID, init.values.PayID);
    assert.equal(notified.values.AddrStreet, "Königsallee 1 – Büro €");
    assert.deepEqual(
      Object.keys(notified.values).filter((key) => notified.values[key]?.match(/[\0 ]$/)),
      [],
      "no value carries padding",
    );

    // WebhookController::notifyAction → fetchPaymentStatus: InquireRequestData (Amount 0, Currency '').
    const payId = notified.values.PayID as string;
    const inquiry = await post(
      "inquire.aspx",
      [
        ["MerchantId", shop.merchantId],
        ["TransID", TRANS_ID],
        ["Amount", 0],
        ["Currency", ""],
        ["PayID", payId],
      ],
      wooCommerce.mac(shop.hmacKey, {
        payId,
        transId: TRANS_ID,
        merchantId: shop.merchantId,
        amount: 0,
        currency: "",
      }),
    );
    assert.deepEqual(inquiry.warnings, []);
    assert.equal(Number(inquiry.values.AmountCap), ORDER.total, "payment_complete()");

    // process_refund: BaseCreditRequestData (sandbox: OrderDesc Test:0000; Reason '' is sent).
    const refund = 1000;
    const credit = await post(
      "credit.aspx",
      [
        ["MerchantId", shop.merchantId],
        ["TransID", TRANS_ID],
        ["Amount", refund],
        ["Currency", ORDER.currency],
        ["PayID", payId],
        ["OrderDesc", "Test:0000"],
        ["ReqId", `R${requestId("r")}`],
        ["Reason", ""],
      ],
      wooCommerce.mac(shop.hmacKey, {
        payId,
        transId: TRANS_ID,
        merchantId: shop.merchantId,
        amount: refund,
        currency: ORDER.currency,
      }),
    );
    assert.deepEqual(credit.warnings, []);
    assert.ok(["OK", "PENDING"].includes(credit.values.Status as string), credit.values.Description);
  });

  it("a URLNotify that breaks a rule is refused with the rule in Description", async () => {
    const refused = await post(
      "amazonAPA.aspx",
      [
        ["MerchantId", shop.merchantId],
        ["TransID", "WOOCCPTTX1043"],
        ["Amount", 100],
        ["Currency", "EUR"],
        ["URLSuccess", apiUrl(SHOP, "computop_success")],
        ["URLFailure", apiUrl(SHOP, "computop_failure")],
        ["URLNotify", apiUrl("http://shop.example", "computop_notify")],
        ["CountryCode", "EU"],
        ["checkoutMode", "ProcessOrder"],
      ],
      wooCommerce.mac(shop.hmacKey, {
        transId: "WOOCCPTTX1043",
        merchantId: shop.merchantId,
        amount: 100,
        currency: "EUR",
      }),
    );
    assert.equal(refused.values.Code, "20120014");
    assert.equal(refused.values.Description, "Parameter URLNotify is invalid: URLNotify must use https");
  });
});
