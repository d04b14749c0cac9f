import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cancelCheckout } from "./cancel-checkout.js";
import { complete } from "./complete.js";
import { review } from "./review.js";
import { charge, fakes, MERCHANT, paymentUntil, session, stored } from "./test-support.js";

const PAY_ID = "a".repeat(32);

describe("buyer return steps", () => {
  it("review: updates Amazon's session, records the return and hands back the buyer's details", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("initialised"));
    amazon.answer("updateCheckoutSession", () => session("Open"));
    const done = await review(deps, MERCHANT, { payId: PAY_ID, checkoutSessionId: "session-1" });
    assert.equal(done.kind, "done");
    assert.ok(done.kind === "done");
    assert.equal(done.payment.status, "BuyerReturned");
    assert.equal(done.buyer.name, "Jane Doe");
    assert.equal(done.buyer.shippingAddress?.city, "Berlin");
    assert.equal(done.buyer.shippingAddress?.phoneNumber, undefined, "empty fields are absent");
    assert.equal(done.buyer.billingAddress, undefined);
    assert.equal(done.buyer.paymentDescriptor, "Visa ****1111");
    const [, update] = amazon.called("updateCheckoutSession")[0] ?? [];
    assert.deepEqual((update as { webCheckoutDetails: unknown }).webCheckoutDetails, {
      checkoutResultReturnUrl: "https://kasse/result",
    });
  });

  it("review: a session id that cannot be Amazon's is refused before any call", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("initialised"));
    const missing = await review(deps, MERCHANT, { payId: PAY_ID, checkoutSessionId: undefined });
    const invalid = await review(deps, MERCHANT, { payId: PAY_ID, checkoutSessionId: "<script>" });
    assert.deepEqual(missing.kind === "refused" && missing.refusal, { kind: "checkoutSessionMissing" });
    assert.deepEqual(invalid.kind === "refused" && invalid.refusal, { kind: "checkoutSessionInvalid" });
    assert.equal(
      (await review(deps, MERCHANT, { payId: "nope", checkoutSessionId: "s" })).kind,
      "paymentUnknown",
    );
    assert.equal(amazon.calls.length, 0);
  });

  it("complete: keeps the buyer's details before completing; the OK notification carries them", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("buyerReturned"));
    amazon.answer("getCheckoutSession", () => session("Open"));
    amazon.answer("completeCheckoutSession", () => session("Completed"));
    amazon.answer("getCharge", () => charge("Authorized"));
    const done = await complete(deps, MERCHANT, { payId: PAY_ID, checkoutSessionId: "session-1" });
    assert.ok(done.kind === "done");
    assert.equal(done.action.state, "succeeded");
    assert.equal(done.payment.status, "Authorized");
    assert.equal(done.buyer?.buyerId, "B1");
    const methods = amazon.calls.map((call) => call.method);
    assert.deepEqual(methods, ["getCheckoutSession", "completeCheckoutSession", "getCharge"]);
    const [notification] = store.notified();
    assert.equal(notification?.kind, "completion");
    assert.equal(notification?.event.result, "OK");
    assert.equal(notification?.buyer?.email, "jane@example.com");
    assert.equal((await store.load(MERCHANT, PAY_ID))?.context.buyer?.name, "Jane Doe");
  });

  it("complete: a session the buyer cancelled at Amazon fails the completion without completing it", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("buyerReturned"));
    amazon.answer("getCheckoutSession", () => session("Canceled", "BuyerCanceled"));
    const done = await complete(deps, MERCHANT, { payId: PAY_ID, checkoutSessionId: "session-1" });
    assert.ok(done.kind === "done");
    assert.equal(done.action.state, "failed");
    assert.equal(done.action.reasonCode, "BuyerCanceled");
    assert.equal(amazon.called("completeCheckoutSession").length, 0);
    assert.deepEqual(
      store.notified().map((n) => [n.kind, n.event.result, n.event.reasonCode]),
      [["completion", "FAILED", "BuyerCanceled"]],
    );
  });

  it("complete: another session than the one bound on review is refused", async () => {
    const { deps, store } = fakes();
    stored(store, paymentUntil("buyerReturned"));
    const done = await complete(deps, MERCHANT, { payId: PAY_ID, checkoutSessionId: "session-2" });
    assert.deepEqual(done.kind === "refused" && done.refusal, { kind: "checkoutSessionInvalid" });
  });

  it("cancel: fails the checkout with its FAILED notification; the door's remembered answer is replayed", async () => {
    const { deps, store } = fakes();
    stored(store, paymentUntil("initialised"));
    const done = await cancelCheckout(deps, MERCHANT, PAY_ID);
    assert.ok(done.kind === "done");
    assert.equal(done.payment.status, "Failed");
    assert.equal(done.action.reasonCode, "BuyerCanceled");
    assert.deepEqual(
      store.notified().map((n) => [n.kind, n.event.result, n.action.reasonCode]),
      [["completion", "FAILED", "BuyerCanceled"]],
    );
    const commits = store.commits.length;
    const again = await cancelCheckout(deps, MERCHANT, PAY_ID);
    assert.ok(again.kind === "done", "a cancel whose answer was not remembered is answered again");
    assert.equal(again.action.xid, done.action.xid);
    assert.equal(store.commits.length, commits, "nothing new is written");
    const { rememberAnswer } = await import("./buyer-return.js");
    await rememberAnswer(deps, MERCHANT, PAY_ID, "https://shop.example/cancel?x");
    assert.deepEqual(await cancelCheckout(deps, MERCHANT, PAY_ID), {
      kind: "answered",
      answer: "https://shop.example/cancel?x",
    });
  });
});
