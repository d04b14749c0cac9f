import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type InitCommand, init } from "./init.js";
import { fakes, MERCHANT } from "./test-support.js";

const command: InitCommand = {
  transId: "T1",
  refnr: "REF-1",
  reqId: "INIT-1",
  countryCode: "EU",
  amount: 25_00,
  currency: "EUR",
  intent: "AuthorizeWithCapture",
  presentmentCurrency: undefined,
  softDescriptor: "Shop",
  noteToBuyer: undefined,
  simulationCode: undefined,
  scopes: undefined,
  deliverySpecifications: undefined,
  processOrder: false,
  addressDetails: undefined,
  recurring: undefined,
  returnsFor: (payId) => ({ review: `r/${payId}`, result: `s/${payId}`, cancel: `c/${payId}` }),
  door: { urlNotify: "https://shop.example/notify" },
};

describe("init step", () => {
  it("commits the payment, its door data and the ReqId at once; the signed payload names Kasse's returns", async () => {
    const { deps, store, amazon } = fakes();
    const done = await init(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(store.commits.length, 1);
    const [change] = store.commits;
    assert.equal(change?.replay?.reqId, "INIT-1");
    assert.deepEqual(change?.record?.context.shop, command.door);
    assert.equal(change?.record?.context.recurring, false);
    assert.equal(change?.record?.context.merchantReferenceId, "REF-1");
    const payload = JSON.parse(done.button.payload);
    assert.equal(payload.webCheckoutDetails.checkoutReviewReturnUrl, `r/${done.payment.payId}`);
    assert.equal(payload.paymentDetails.softDescriptor, "Shop");
    assert.equal(done.button.signature, `signed:${done.button.payload.length}`);
    assert.equal(amazon.calls.length, 0, "nothing is sent to Amazon before the buyer clicks");
  });

  it("answers a repeated ReqId with the first payment and button, writing nothing", async () => {
    const { deps, store } = fakes();
    const first = await init(deps, MERCHANT, command);
    const again = await init(deps, MERCHANT, { ...command, amount: 99_00 });
    assert.ok(first.ok && again.ok);
    assert.equal(again.payment.payId, first.payment.payId);
    assert.deepEqual(again.button, first.button);
    assert.equal(store.commits.length, 1);
  });

  it("refuses a marketplace the merchant's account is not in, and an invalid amount", async () => {
    const { deps } = fakes();
    const market = await init(deps, MERCHANT, { ...command, countryCode: "US" });
    assert.deepEqual(!market.ok && market.refusal, { kind: "marketNotConfigured" });
    const amount = await init(deps, MERCHANT, { ...command, reqId: undefined, amount: 0 });
    assert.equal(!amount.ok && amount.refusal.kind, "payment");
  });
});
