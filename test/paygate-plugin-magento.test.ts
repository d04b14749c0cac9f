/**
 * FATCHIP's Magento 2 Computop plug-in (1.3.3), replayed exactly: Amazon Pay as the Additional
 * Payment Button with `checkoutMode=ProcessOrder` and no ShopUrl (its line is commented out),
 * the street split into `sdStreet` and `sdStreetNr`, `Len` in characters, a lower-case MAC last;
 * the inquiry with only `PayId` and `TransID` inside Data (no MerchantID, no MAC); the clean-up
 * cron's `inquire24.aspx` by TransID; and every answer read with `mb_substr(…, 0, Len)` and
 * `ctSplit`, which warns on a piece without `=`. See docs/paygate-plugins.md.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ShopCredentials } from "../src/paygate/client.js";
import { browse, buyer, createShop, SHOP, send, startWorld, type World } from "./paygate-support.js";
import { magento, type Pairs, type Split } from "./support/computop-plugins.js";

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld();
  shop = await createShop(world, "shop-magento");
});
after(() => world.close());

const SUCCESS = `${SHOP}/computop/onepage/returned/`;
const FAILURE = `${SHOP}/computop/onepage/failure/`;
const CANCEL = `${SHOP}/computop/onepage/cancel/`;

/** `Base::handleCurlRequest`: POST the form, `parse_str` the body, `ctDecrypt(Data, Len)`. */
async function post(page: string, pairs: Pairs): Promise<Split> {
  const answer = await send(world, `/${page}`, {
    form: magento.form(shop.merchantId, shop.blowfishKey, pairs),
  });
  assert.equal(answer.status, 200, answer.body);
  return read(new URLSearchParams(answer.body));
}

/** `$request->getParam('Data')`, `getParam('Len')`, then the Blowfish class's `ctDecrypt`. */
function read(fields: URLSearchParams): Split {
  const split = magento.read(fields.get("Data") as string, fields.get("Len") as string, shop.blowfishKey);
  assert.ok(split, "ctDecrypt refused: Len beyond the cipher");
  return split;
}

/** `Authorization::generateRequestFromOrder` for AmazonPay, MAC appended by `getParameters`. */
function amazonInit(transId: string, amount: number, street: string, name: [string, string]): Pairs {
  const [first, last] = name;
  const pairs: Array<readonly [string, string | number]> = [
    ["MerchantID", shop.merchantId],
    // getAddressParameters($shippingAddress, 'sd'): street and house number split.
    ["sdFirstName", first],
    ["sdLastName", last],
    ["sdZip", "80331"],
    ["sdCity", "München"],
    ["sdCountryCode", "DE"],
    ["sdStreet", street],
    ["sdStreetNr", "7"],
    // generateRequest
    ["Currency", "EUR"],
    ["Amount", amount],
    ["TransID", transId],
    // Payment::getRequestId: a random number and the time, new for every request.
    ["ReqId", `${transId.replace(/^0+/, "")}${Date.now()}`],
    ["EtiID", "Magento 2.4.7, Module version: 1.3.3"],
    ["RefNr", transId],
    ["URLSuccess", SUCCESS],
    ["URLFailure", FAILURE],
    ["URLBack", CANCEL],
    ["URLCancel", CANCEL],
    ["URLNotify", `${world.notify.url}/computop/notify/`],
    ["Response", "encrypt"],
    ["orderDesc", transId],
    // AmazonPay::getPaymentSpecificParameters ('ShopUrl' commented out)
    ["checkoutMode", "ProcessOrder"],
    ["TxType", "AuthorizeWithCapture"],
    ["CountryCode", "EU"],
    ["Name", `${first} ${last}`],
    ["SDZipcode", "80331"],
    ["sdPhone", "+49 89 1234567"],
  ];
  const mac = magento.mac(shop.hmacKey, { transId, merchantId: shop.merchantId, amount, currency: "EUR" });
  return [...pairs, ["MAC", mac]];
}

async function checkout(transId: string, card?: string) {
  const before = world.notify.received.length;
  const init = await post("amazonAPA.aspx", amazonInit(transId, 4990, "Marienplatz", ["Jürgen", "Groß"]));
  assert.deepEqual(init.warnings, []);
  assert.equal(init.values.Status, "OK", init.values.Description);
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: init.values.buttonpayload,
    signature: init.values.buttonsignature,
    publicKeyId: init.values.buttonpublickeyid,
    ...(card === undefined ? {} : { buyer: { card } }),
  });
  const location = await browse(world, click.redirectUrl as string);
  const [notify] = (await world.notify.waitFor(before + 1)).slice(before);
  assert.ok(notify);
  return { init, location, notify };
}

describe("FATCHIP Magento 2 against Kasse", () => {
  it("Amazon Pay APB without ShopUrl: init, URLSuccess and notify read whole by ctSplit", async () => {
    const { init, location, notify } = await checkout("000000042");
    const payload = JSON.parse(init.values.buttonpayload as string);
    assert.equal(payload.webCheckoutDetails.checkoutMode, "ProcessOrder");
    assert.equal(payload.addressDetails.addressLine1, "Marienplatz 7", "sdStreetNr joined to the street");
    assert.equal(payload.addressDetails.name, "Jürgen Groß");

    assert.ok(location.startsWith(`${SUCCESS}?Len=`), location);
    const returned = read(new URL(location).searchParams);
    assert.deepEqual(returned.warnings, []);
    assert.equal(returned.values.Status, "OK");
    assert.equal(returned.values.TransID, "000000042");
    assert.equal(returned.values.AddrName, "Jürgen Groß");
    assert.equal(returned.values.AddrCity, "München");

    // Controller/Notify/Index: decrypt(getParam('Data'), getParam('Len')), order by TransID.
    assert.equal(notify.path, "/computop/notify/");
    const notified = read(new URLSearchParams(notify.body));
    assert.deepEqual(notified.warnings, []);
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.values.Code, "00000000");
    assert.equal(notified.values.PayID, init.values.PayID);
    assert.equal(notified.values.AddrStreet, "Marienplatz 7");
    assert.match(notified.values.MAC ?? "", /^[0-9A-F]{64}$/, "the MAC is whole");
  });

  it("inquire.aspx with only PayId and TransID inside Data; inquire24.aspx by TransID", async () => {
    const { init } = await checkout("000000043");
    // Inquire::getPaymentStatus: the params replace the MerchantID parameter; no MAC.
    const inquiry = await post("inquire.aspx", [
      ["PayId", init.values.PayID],
      ["TransID", "000000043"],
    ]);
    assert.deepEqual(inquiry.warnings, []);
    assert.equal(inquiry.values.Status, "OK", inquiry.values.Description);
    assert.equal(inquiry.values.PayID, init.values.PayID);
    assert.equal(inquiry.values.AmountCap, "4990");
    assert.equal(inquiry.values.LastStatus, "CAPTURED");

    // CleanExpiredOrders: getPaymentStatusByTransId → inquire24.aspx with TransID alone.
    const byTransId = await post("inquire24.aspx", [["TransID", "000000043"]]);
    assert.deepEqual(byTransId.warnings, []);
    assert.equal(byTransId.values.Status, "OK");
    assert.equal(byTransId.values.PayID, init.values.PayID);
    assert.notEqual(byTransId.values.LastStatus, "FAILED", "the cron keeps a paid order");
  });

  it("the clean-up cron's two cancel signals: LastStatus FAILED and PAYMENT NOT FOUND", async () => {
    const { location } = await checkout("000000044", "3434");
    assert.ok(location.startsWith(`${FAILURE}?Len=`), location);
    const declined = await post("inquire24.aspx", [["TransID", "000000044"]]);
    assert.deepEqual(declined.warnings, []);
    assert.equal(declined.values.LastStatus, "FAILED");

    const unknown = await post("inquire24.aspx", [["TransID", "000000999"]]);
    assert.equal(unknown.values.Status, "FAILED");
    assert.equal(unknown.values.Description, "PAYMENT NOT FOUND");
  });

  it("an inquiry under another merchant's key is refused, and says so", async () => {
    const other = await createShop(world, "shop-magento-other");
    const form = magento.form(shop.merchantId, other.blowfishKey, [
      ["PayId", "0123456789abcdef0123456789abcdef"],
      ["TransID", "000000042"],
    ]);
    const answer = await send(world, "/inquire.aspx", { form });
    const refused = read(new URLSearchParams(answer.body));
    assert.equal(refused.values.Code, "20010003");
    assert.equal(refused.values.Description, "Data could not be decrypted with this merchant's key");
  });
});
