import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AmazonPayApiError, AmazonPayConnectionError } from "../amazon/errors.js";
import { idempotencyKey } from "../core/idempotency.js";
import { capture } from "./capture.js";
import { charge, fakes, MERCHANT, paymentUntil, stored } from "./test-support.js";

const PAY_ID = "a".repeat(32);
const command = {
  payId: PAY_ID,
  transId: "CAP-1",
  reqId: undefined,
  amount: 60_00,
  currency: "EUR",
  softDescriptor: undefined,
  simulationCode: undefined,
} as const;

describe("capture step", () => {
  it("plans the capture with its key, then commits Amazon's answer with the capture's notification", async () => {
    const { deps, store, amazon, wakes } = fakes();
    stored(store, paymentUntil("authorized"));
    amazon.answer("captureCharge", () => charge("Captured"));
    const done = await capture(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.action.state, "succeeded");
    assert.equal(done.payment.captured, 60_00);
    const [begin, outcome] = store.commits;
    assert.equal(store.commits.length, 2, "one commit before the call, one after");
    assert.equal(begin?.call?.call.operation, "captureCharge");
    assert.deepEqual(begin?.call?.call.request, {
      chargeId: "C1",
      captureAmount: { amount: "60.00", currencyCode: "EUR" },
    });
    const key = idempotencyKey({ merchantId: MERCHANT, payId: PAY_ID, action: "capture", sequence: 4 });
    assert.equal(begin?.call?.idempotencyKey, key);
    assert.deepEqual(amazon.called("captureCharge")[0]?.slice(0, 2), [
      "C1",
      { captureAmount: { amount: "60.00", currencyCode: "EUR" } },
    ]);
    assert.equal(amazon.argument<{ idempotencyKey: string }>("captureCharge", 0, 2).idempotencyKey, key);
    assert.deepEqual(
      store.notified().map((n) => [n.kind, n.event.result, n.event.amount]),
      [["capture", "OK", 60_00]],
    );
    assert.deepEqual(
      outcome?.notifications?.map((n) =>
        n.message.channel === "urlnotify" ? n.message.url : n.message.channel,
      ),
      ["https://shop.example/notify"],
    );
    assert.equal(store.calls.get(`${MERCHANT}/${key}`)?.state, "succeeded");
    assert.equal(wakes(), 1);
  });

  it("waits for the shop's answer to the first notify when the door and the merchant ask for it", async () => {
    const { deps, store, amazon } = fakes({ link: { requireFirstNotifyAnswered: true } });
    stored(store, paymentUntil("authorized"));
    store.unansweredFirstNotify.add(`${MERCHANT}/${PAY_ID}`);
    const gated = { ...command, firstNotifyRule: true };
    const early = await capture(deps, MERCHANT, gated);
    assert.ok(!early.ok);
    assert.deepEqual(early.refusal, { kind: "firstNotifyUnanswered" });
    assert.equal(amazon.calls.length, 0, "nothing sent to Amazon");
    assert.equal(store.commits.length, 0, "nothing written");
    // A door without the rule (the JSON API) is not held back by the Paygate notify.
    amazon.answer("captureCharge", () => charge("Captured"));
    assert.ok((await capture(deps, MERCHANT, command)).ok);
  });

  it("captures once the first notify was answered, and ignores the rule for merchants without it", async () => {
    const answered = fakes({ link: { requireFirstNotifyAnswered: true } });
    stored(answered.store, paymentUntil("authorized"));
    answered.amazon.answer("captureCharge", () => charge("Captured"));
    assert.ok((await capture(answered.deps, MERCHANT, { ...command, firstNotifyRule: true })).ok);
    const notAsked = fakes();
    stored(notAsked.store, paymentUntil("authorized"));
    notAsked.store.unansweredFirstNotify.add(`${MERCHANT}/${PAY_ID}`);
    notAsked.amazon.answer("captureCharge", () => charge("Captured"));
    assert.ok((await capture(notAsked.deps, MERCHANT, { ...command, firstNotifyRule: true })).ok);
  });

  it("refuses a capture above the authorised amount without calling Amazon", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"));
    const done = await capture(deps, MERCHANT, { ...command, amount: 200_00 });
    assert.ok(!done.ok);
    assert.deepEqual(done.refusal, {
      kind: "payment",
      refusal: { operation: "capture", reason: "amountExceedsAuthorized", status: "Authorized" },
    });
    assert.equal(amazon.calls.length, 0);
    assert.equal(store.commits.length, 0);
  });

  it("answers an unknown payment and an unknown merchant as refusals", async () => {
    const { deps } = fakes();
    const unknownPayment = await capture(deps, MERCHANT, command);
    assert.deepEqual(!unknownPayment.ok && unknownPayment.refusal, { kind: "paymentUnknown" });
    const unknownMerchant = await capture(deps, "Other", command);
    assert.deepEqual(!unknownMerchant.ok && unknownMerchant.refusal, { kind: "merchantUnknown" });
  });

  it("keeps the capture in flight when Amazon's answer is lost, and a repeated ReqId resumes it with the same key", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"));
    amazon.answer("captureCharge", () => {
      throw new AmazonPayConnectionError({
        reasonCode: "Timeout",
        message: "no answer",
        outcome: "unknownOutcome",
      });
    });
    const first = await capture(deps, MERCHANT, { ...command, reqId: "R1" });
    assert.ok(first.ok);
    assert.equal(first.action.state, "inFlight");
    const [planned] = [...store.calls.values()];
    assert.equal(planned?.state, "unknown");

    amazon.answer("captureCharge", () => charge("Captured"));
    const again = await capture(deps, MERCHANT, { ...command, reqId: "R1", amount: 1_00 });
    assert.ok(again.ok);
    assert.equal(again.action.xid, first.action.xid, "the ReqId answers its own action");
    assert.equal(again.action.state, "succeeded");
    const keys = amazon
      .called("captureCharge")
      .map((args) => (args[2] as { idempotencyKey: string }).idempotencyKey);
    assert.deepEqual(keys, [planned?.idempotencyKey, planned?.idempotencyKey]);
    assert.deepEqual(
      amazon.called("captureCharge")[1]?.[1],
      { captureAmount: { amount: "60.00", currencyCode: "EUR" } },
      "the request planned first, not the repeat's amount",
    );
  });

  it("records Amazon's refusal on the action with its reason and message", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"));
    amazon.answer("captureCharge", () => {
      throw new AmazonPayApiError({
        reasonCode: "InvalidChargeStatus",
        message: "charge is closed",
        outcome: "fail",
      });
    });
    const done = await capture(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.action.state, "failed");
    assert.equal(done.action.reasonCode, "InvalidChargeStatus");
    assert.equal(done.amazonMessage, "charge is closed");
    assert.equal([...store.calls.values()][0]?.state, "failed");
  });

  it("decides again when another process saved the payment first", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"));
    amazon.answer("captureCharge", () => charge("Captured"));
    store.conflicts = 1;
    const done = await capture(deps, MERCHANT, command);
    assert.ok(done.ok);
    assert.equal(done.action.state, "succeeded");
    assert.equal(amazon.called("captureCharge").length, 1);
  });
});
