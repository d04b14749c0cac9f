/**
 * Kasse's own connector (`src/amazon/client.ts`) against the real emulator over HTTPS with TLS
 * verification on (the emulator's certificate is passed as `ca`, nothing is switched off): a whole
 * payment, typed errors, and retries through injected faults that never move money twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AmazonPayApiError, AmazonPayClient } from "../src/amazon/index.js";
import { type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import { createCertificate } from "../src/http/tls.js";

const REVIEW_URL = "https://shop.example/review";
const RESULT_URL = "https://shop.example/result";

describe("connector against the emulator", () => {
  let emulator: RunningEmulator;
  let amazon: AmazonPayClient;
  let merchant: { merchantId: string; storeId: string; publicKeyId: string; privateKeyPem: string };

  const adminPost = async (url: string, payload: object = {}) => {
    const response = await emulator.app.inject({ method: "POST", url, payload });
    assert.ok(response.statusCode < 300, `${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };

  let sequence = 0;
  const key = (what: string) => `${what}-${process.pid}-${++sequence}`;

  /** Checkout with review page until the buyer is back on the result URL; returns the session id. */
  async function checkout(amount: string, paymentIntent: "Authorize" | "AuthorizeWithCapture") {
    const { body: created } = await amazon.createCheckoutSession(
      { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId },
      { idempotencyKey: key("cs") },
    );
    const id = created.checkoutSessionId;
    await adminPost(`/__admin/checkout-sessions/${id}/approve`, { buyer: { card: "1111" } });
    const { body: updated } = await amazon.updateCheckoutSession(id, {
      webCheckoutDetails: { checkoutResultReturnUrl: RESULT_URL },
      paymentDetails: { paymentIntent, chargeAmount: { amount, currencyCode: "EUR" } },
    });
    assert.deepEqual(updated.constraints, []);
    assert.match(updated.webCheckoutDetails.amazonPayRedirectUrl ?? "", /^https:\/\/127\.0\.0\.1:\d+\//);
    await adminPost(`/__admin/checkout-sessions/${id}/authenticate`);
    return id;
  }

  before(async () => {
    const tls = await createCertificate();
    emulator = await startEmulator({ port: 0, tls, ipn: false });
    merchant = await adminPost("/__admin/merchants", { region: "eu" });
    amazon = new AmazonPayClient({
      region: "eu",
      environment: "sandbox",
      publicKeyId: merchant.publicKeyId,
      privateKey: merchant.privateKeyPem,
      baseUrl: `127.0.0.1:${emulator.port}`,
      ca: tls.cert,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
  });
  after(async () => {
    await amazon.close();
    await emulator.close();
  });

  it("runs a checkout with review page, capture and two refunds", async () => {
    const id = await checkout("14.00", "Authorize");
    const { status, body: completed } = await amazon.completeCheckoutSession(id, {
      chargeAmount: { amount: "14.00", currencyCode: "EUR" },
    });
    assert.equal(status, 200);
    assert.equal(completed.statusDetails.state, "Completed");
    const chargeId = completed.chargeId as string;
    assert.equal((await amazon.getCharge(chargeId)).body.statusDetails.state, "Authorized");

    const { body: captured } = await amazon.captureCharge(
      chargeId,
      { captureAmount: { amount: "14.00", currencyCode: "EUR" } },
      { idempotencyKey: key("cap") },
    );
    assert.equal(captured.statusDetails.state, "Captured");
    assert.deepEqual(captured.captureAmount, { amount: "14.00", currencyCode: "EUR" });

    for (const amount of ["4.00", "5.00"]) {
      const { status: refundStatus, body: refund } = await amazon.createRefund(
        { chargeId, refundAmount: { amount, currencyCode: "EUR" } },
        { idempotencyKey: key("ref") },
      );
      assert.equal(refundStatus, 201);
      assert.equal(refund.statusDetails.state, "RefundInitiated");
    }
    const { body: permission } = await amazon.getChargePermission(completed.chargePermissionId as string);
    assert.equal(permission.chargePermissionId, completed.chargePermissionId);
  });

  it("surfaces Amazon's refusals as typed errors with reason code, status and request id", async () => {
    const id = await checkout("10.00", "AuthorizeWithCapture");
    const error = await amazon
      .completeCheckoutSession(id, { chargeAmount: { amount: "9.99", currencyCode: "EUR" } })
      .then(
        () => assert.fail("a mismatching amount must be refused"),
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof AmazonPayApiError);
    assert.equal(error.reasonCode, "AmountMismatch");
    assert.equal(error.httpStatus, 409);
    assert.equal(error.outcome, "fail");
    assert.ok(error.requestId);
  });

  it("retries injected 503s and 429s with the same idempotency key and captures exactly once", async () => {
    const id = await checkout("20.00", "Authorize");
    const { body: completed } = await amazon.completeCheckoutSession(id, {
      chargeAmount: { amount: "20.00", currencyCode: "EUR" },
    });
    const chargeId = completed.chargeId as string;
    await adminPost("/__admin/faults", {
      failures: [
        { operation: "captureCharge", status: 503, count: 1 },
        { operation: "captureCharge", status: 429, count: 1 },
      ],
    });
    const idempotencyKey = key("cap");
    const { body: captured } = await amazon.captureCharge(
      chargeId,
      { captureAmount: { amount: "20.00", currencyCode: "EUR" } },
      { idempotencyKey },
    );
    assert.equal(captured.statusDetails.state, "Captured");

    // A second capture with the same key is a replay of the first answer, not a second capture.
    const { body: replayed } = await amazon.captureCharge(
      chargeId,
      { captureAmount: { amount: "20.00", currencyCode: "EUR" } },
      { idempotencyKey },
    );
    assert.deepEqual(replayed, captured);
    // A new key is a new capture attempt, which Amazon refuses: the charge is already captured.
    await assert.rejects(
      amazon.captureCharge(
        chargeId,
        { captureAmount: { amount: "20.00", currencyCode: "EUR" } },
        { idempotencyKey: key("cap") },
      ),
      (thrown: unknown) => thrown instanceof AmazonPayApiError && thrown.reasonCode === "InvalidChargeStatus",
    );
  });

  /** Authorize-only checkout, completed: the id of its Authorized charge. */
  async function authorizedCharge(amount: string): Promise<string> {
    const id = await checkout(amount, "Authorize");
    const { body: completed } = await amazon.completeCheckoutSession(id, {
      chargeAmount: { amount, currencyCode: "EUR" },
    });
    return completed.chargeId as string;
  }

  /** Capture IPNs enqueued for a charge: one per state change the capture really made. */
  async function chargeNotices(chargeId: string): Promise<number> {
    const rows = await emulator.db.query<{ count: string }>(
      "select count(*) as count from ipn_outbox where object_id = $1",
      [chargeId],
    );
    return Number(rows[0]?.count);
  }

  for (const lost of [500, 503, 408, "dropConnection"] as const) {
    it(`retries a capture whose answer was lost after the commit (${lost}) and gets the original answer; captured once`, async () => {
      const chargeId = await authorizedCharge("25.00");
      const noticesBefore = await chargeNotices(chargeId);
      await adminPost("/__admin/faults", {
        failures: [{ operation: "captureCharge", status: lost, count: 1, phase: "afterCommit" }],
      });
      const idempotencyKey = key("cap");
      const capture = () =>
        amazon.captureCharge(
          chargeId,
          { captureAmount: { amount: "25.00", currencyCode: "EUR" } },
          { idempotencyKey },
        );
      // The first attempt captured and lost its answer; the retry (same key) replays the original.
      const { status, body: captured } = await capture();
      assert.equal(status, 200);
      assert.equal(captured.statusDetails.state, "Captured");
      assert.deepEqual(emulator.faults.settings.failures, [], "the lost-answer fault was used");
      const stored = await emulator.db.query<{ status: number; response: string }>(
        "select status, response from idempotency where key = $1",
        [idempotencyKey],
      );
      assert.equal(stored.length, 1);
      assert.deepEqual(JSON.parse(stored[0]?.response as string), captured);
      // Exactly one capture happened: one more CHARGE IPN (Authorized → Captured), same timestamp.
      assert.equal(await chargeNotices(chargeId), noticesBefore + 1);
      const { body: charge } = await amazon.getCharge(chargeId);
      assert.deepEqual(charge.captureAmount, { amount: "25.00", currencyCode: "EUR" });
      assert.equal(charge.statusDetails.lastUpdatedTimestamp, captured.statusDetails.lastUpdatedTimestamp);
      assert.deepEqual(await capture().then((replay) => replay.body), captured);
    });
  }

  it("a capture whose every answer is lost fails as unknown outcome, yet it happened once; the same key later replays it", async () => {
    const chargeId = await authorizedCharge("31.00");
    await adminPost("/__admin/faults", {
      failures: [{ operation: "captureCharge", status: 503, count: 4, phase: "afterCommit" }],
    });
    const idempotencyKey = key("cap");
    const capture = () =>
      amazon.captureCharge(
        chargeId,
        { captureAmount: { amount: "31.00", currencyCode: "EUR" } },
        { idempotencyKey },
      );
    const error = await capture().then(
      () => assert.fail("four lost answers exhaust the default four attempts"),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof AmazonPayApiError);
    assert.equal(error.outcome, "unknownOutcome");
    // Unlike a refusal before processing, the first attempt captured; the three retries replayed.
    const { body: charge } = await amazon.getCharge(chargeId);
    assert.equal(charge.statusDetails.state, "Captured");
    const { body: replayed } = await capture();
    assert.deepEqual(replayed, charge);
  });

  it("an afterCommit fault leaves requests that change nothing alone, and a refusal before processing changes nothing", async () => {
    const chargeId = await authorizedCharge("12.00");
    await adminPost("/__admin/faults", {
      failures: [
        { operation: "captureCharge", status: "dropConnection", count: 1 },
        { operation: "captureCharge", status: 500, count: 1, phase: "afterCommit" },
      ],
    });
    // Over the limit: refused inside the transaction (rolled back), so the afterCommit fault waits.
    const tooMuch = { captureAmount: { amount: "12.01", currencyCode: "EUR" } };
    const first = await amazon.captureCharge(chargeId, tooMuch, { idempotencyKey: key("cap") }).then(
      () => assert.fail("a dropped connection before processing, then a refusal"),
      (thrown: unknown) => thrown,
    );
    assert.ok(first instanceof AmazonPayApiError);
    assert.equal(first.reasonCode, "TransactionAmountExceeded");
    assert.equal(first.attempts, 2, "the dropped connection was retried once");
    assert.equal(emulator.faults.settings.failures.length, 1);
    assert.equal(emulator.faults.settings.failures[0]?.phase, "afterCommit");
    assert.equal((await amazon.getCharge(chargeId)).body.statusDetails.state, "Authorized");
    await adminPost("/__admin/faults", { reset: true });
  });

  it("gives up after the retry budget and classifies a lost money-moving answer as unknown outcome", async () => {
    const id = await checkout("30.00", "Authorize");
    const { body: completed } = await amazon.completeCheckoutSession(id, {
      chargeAmount: { amount: "30.00", currencyCode: "EUR" },
    });
    await adminPost("/__admin/faults", { failures: [{ operation: "captureCharge", status: 500, count: 4 }] });
    const error = await amazon
      .captureCharge(
        completed.chargeId as string,
        { captureAmount: { amount: "30.00", currencyCode: "EUR" } },
        { idempotencyKey: key("cap") },
      )
      .then(
        () => assert.fail("four 500s exhaust the default four attempts"),
        (thrown: unknown) => thrown,
      );
    assert.ok(error instanceof AmazonPayApiError);
    assert.equal(error.httpStatus, 500);
    assert.equal(error.outcome, "unknownOutcome");
    // Nothing was captured: the emulator refused before processing.
    assert.equal(
      (await amazon.getCharge(completed.chargeId as string)).body.statusDetails.state,
      "Authorized",
    );
  });
});
