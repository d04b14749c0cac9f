import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  admin,
  advanceClock,
  checkoutUntilResult,
  createMerchant,
  failure,
  headers,
  type SdkClient,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

let emulator: RunningEmulator;
let merchant: TestMerchant;
let client: SdkClient;

before(async () => {
  emulator = await startTestEmulator();
  merchant = await createMerchant(emulator, { region: "eu" });
  client = sdkClient(emulator, merchant, { algorithm: "AMZN-PAY-RSASSA-PSS-V2" });
});
after(() => emulator.close());

const eur = (amount: string) => ({ amount, currencyCode: "EUR" });

/** A completed Confirm-only checkout: a Chargeable permission over `amount`. */
async function confirmedPermission(
  amount: string,
  extra: Record<string, unknown> = {},
  card = "1111",
): Promise<string> {
  const id = await checkoutUntilResult(
    emulator,
    client,
    merchant,
    { paymentIntent: "Confirm", chargeAmount: eur(amount) },
    card,
    extra,
  );
  const completed = await client.completeCheckoutSession(id, { chargeAmount: eur(amount) });
  return completed.data.chargePermissionId;
}

describe("confirm-only permission, then charges (official SDK)", () => {
  it("charges, captures (partial), refunds up to the cap, and closes when fully captured", async () => {
    const permissionId = await confirmedPermission("100.00");
    const first = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("60.00"), captureNow: false },
      headers(),
    );
    assert.equal(first.status, 201);
    assert.equal(first.data.statusDetails.state, "Authorized");
    const over = await failure(
      client.createCharge({ chargePermissionId: permissionId, chargeAmount: eur("40.01") }, headers()),
    );
    assert.deepEqual([over.status, over.reasonCode], [400, "TransactionAmountExceeded"]);

    const tooMuch = await failure(
      client.captureCharge(first.data.chargeId, { captureAmount: eur("60.01") }, headers()),
    );
    assert.equal(tooMuch.reasonCode, "TransactionAmountExceeded");
    const captured = await client.captureCharge(
      first.data.chargeId,
      { captureAmount: eur("50.00") },
      headers(),
    );
    assert.equal(captured.status, 200);
    assert.equal(captured.data.statusDetails.state, "Captured");
    assert.deepEqual(captured.data.captureAmount, eur("50.00"));
    const twice = await failure(
      client.captureCharge(first.data.chargeId, { captureAmount: eur("1.00") }, headers()),
    );
    assert.deepEqual([twice.status, twice.reasonCode], [422, "InvalidChargeStatus"]);

    // Partial capture released the rest: the balance is 100 − 50.
    const permission = await client.getChargePermission(permissionId);
    assert.deepEqual(permission.data.limits.amountBalance, eur("50.00"));

    // Refunds: repeated partial refunds up to 50 + min(15 %, 75) = 57.50, then refused.
    const refund = await client.createRefund(
      { chargeId: first.data.chargeId, refundAmount: eur("20.00") },
      headers(),
    );
    assert.equal(refund.status, 201);
    assert.equal(refund.data.statusDetails.state, "RefundInitiated");
    assert.match(refund.data.refundId, /^S01-\d{7}-\d{7}-R\d{6}$/);
    await client.createRefund({ chargeId: first.data.chargeId, refundAmount: eur("37.50") }, headers());
    const capped = await failure(
      client.createRefund({ chargeId: first.data.chargeId, refundAmount: eur("0.01") }, headers()),
    );
    assert.deepEqual([capped.status, capped.reasonCode], [400, "TransactionAmountExceeded"]);

    await advanceClock(emulator, 30);
    const refunded = await client.getRefund(refund.data.refundId);
    assert.equal(refunded.data.statusDetails.state, "Refunded");
    const charge = await client.getCharge(first.data.chargeId);
    assert.deepEqual(charge.data.refundedAmount, eur("57.50"));

    const rest = await client.createCharge(
      {
        chargePermissionId: permissionId,
        chargeAmount: eur("50.00"),
        captureNow: true,
        softDescriptor: "SHOP",
      },
      headers(),
    );
    assert.equal(rest.data.statusDetails.state, "Captured");
    assert.equal(rest.data.softDescriptor, "SHOP");
    const closed = await client.getChargePermission(permissionId);
    assert.equal(closed.data.statusDetails.state, "Closed");
    const afterClose = await failure(
      client.createCharge({ chargePermissionId: permissionId, chargeAmount: eur("1.00") }, headers()),
    );
    assert.deepEqual([afterClose.status, afterClose.reasonCode], [422, "InvalidChargePermissionStatus"]);
  });

  it("refuses a refund on an uncaptured charge and a charge in another currency", async () => {
    const permissionId = await confirmedPermission("10.00");
    const wrong = await failure(
      client.createCharge(
        { chargePermissionId: permissionId, chargeAmount: { amount: "1.00", currencyCode: "GBP" } },
        headers(),
      ),
    );
    assert.equal(wrong.reasonCode, "CurrencyMismatch");
    const charge = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("5.00") },
      headers(),
    );
    const refused = await failure(
      client.createRefund({ chargeId: charge.data.chargeId, refundAmount: eur("1.00") }, headers()),
    );
    assert.deepEqual([refused.status, refused.reasonCode], [422, "InvalidChargeStatus"]);
  });

  it("cancels an authorized charge, and refuses to cancel it again", async () => {
    const permissionId = await confirmedPermission("10.00");
    const charge = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("10.00") },
      headers(),
    );
    const canceled = await client.cancelCharge(charge.data.chargeId, { cancellationReason: "out of stock" });
    assert.deepEqual(
      [
        canceled.data.statusDetails.state,
        canceled.data.statusDetails.reasonCode,
        canceled.data.statusDetails.reasonDescription,
      ],
      ["Canceled", "MerchantCanceled", "out of stock"],
    );
    const again = await failure(client.cancelCharge(charge.data.chargeId, {}));
    assert.equal(again.reasonCode, "InvalidChargeStatus");
    const balance = await client.getChargePermission(permissionId);
    assert.deepEqual(balance.data.limits.amountBalance, eur("10.00"));
  });

  it("declines by simulation code: a Declined charge exists, the answer is 422 HardDeclined", async () => {
    const permissionId = await confirmedPermission("10.00");
    const soft = await failure(
      client.createCharge(
        { chargePermissionId: permissionId, chargeAmount: eur("10.00") },
        headers({ "x-amz-pay-simulation-code": "SoftDeclined" }),
      ),
    );
    assert.equal(soft.reasonCode, "SoftDeclined");
    // A soft decline leaves the permission Chargeable (§4.4: retry may work).
    assert.equal((await client.getChargePermission(permissionId)).data.statusDetails.state, "Chargeable");
    const declined = await failure(
      client.createCharge(
        { chargePermissionId: permissionId, chargeAmount: eur("10.00") },
        headers({ "x-amz-pay-simulation-code": "HardDeclined" }),
      ),
    );
    assert.deepEqual([declined.status, declined.reasonCode], [422, "HardDeclined"]);
    // A hard decline needs another instrument first (§5.2 PaymentMethodInvalid).
    const blocked = await failure(
      client.createCharge({ chargePermissionId: permissionId, chargeAmount: eur("10.00") }, headers()),
    );
    assert.equal(blocked.reasonCode, "InvalidChargePermissionStatus");
    await admin(emulator, `/__admin/charge-permissions/${permissionId}/update-payment-method`);
    // The declined attempts hold nothing: the whole amount can still be charged.
    const ok = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("10.00") },
      headers(),
    );
    assert.equal(ok.data.statusDetails.state, "Authorized");
  });

  it("closing with cancelPendingCharges cancels open charges", async () => {
    const permissionId = await confirmedPermission("10.00");
    const charge = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("4.00") },
      headers(),
    );
    const closed = await client.closeChargePermission(permissionId, {
      closureReason: "order canceled",
      cancelPendingCharges: true,
    });
    assert.deepEqual(closed.data.statusDetails.reasons, [
      { reasonCode: "MerchantClosed", reasonDescription: "order canceled" },
    ]);
    const after = await client.getCharge(charge.data.chargeId);
    assert.deepEqual(
      [after.data.statusDetails.state, after.data.statusDetails.reasonCode],
      ["Canceled", "ChargePermissionCanceled"],
    );
    const modify = await failure(
      client.updateChargePermission(permissionId, { merchantMetadata: { noteToBuyer: "x" } }),
    );
    assert.equal(modify.reasonCode, "ChargePermissionNotModifiable");
  });

  it("concurrent requests: one key answers once, the balance is never overdrawn", async () => {
    const permissionId = await confirmedPermission("10.00");
    const key = { "x-amz-pay-idempotency-key": `race-${Date.now()}` };
    const same = await Promise.all(
      [1, 2, 3].map(() =>
        client.createCharge({ chargePermissionId: permissionId, chargeAmount: eur("2.00") }, key),
      ),
    );
    assert.equal(new Set(same.map((response) => response.data.chargeId)).size, 1);
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map(() =>
        client.createCharge({ chargePermissionId: permissionId, chargeAmount: eur("3.00") }, headers()),
      ),
    );
    assert.equal(results.filter((result) => result.status === "fulfilled").length, 2);
    const permission = await client.getChargePermission(permissionId);
    assert.deepEqual(permission.data.limits.amountBalance, eur("2.00"));
  });

  it("concurrent captures with one key: the later ones wait and replay the first answer", async () => {
    const permissionId = await confirmedPermission("10.00");
    const { data: charge } = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("10.00") },
      headers(),
    );
    const key = { "x-amz-pay-idempotency-key": `cap-race-${Date.now()}` };
    const answers = await Promise.all(
      [1, 2, 3].map(() => client.captureCharge(charge.chargeId, { captureAmount: eur("10.00") }, key)),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200],
    );
    for (const answer of answers) assert.deepEqual(answer.data, answers[0]?.data);
    assert.equal(answers[0]?.data.statusDetails.state, "Captured");
  });

  it("recurring permission: monthly limit → PeriodicAmountExceeded", async () => {
    const permissionId = await confirmedPermission("10.00", {
      chargePermissionType: "Recurring",
      recurringMetadata: { frequency: { unit: "Month", value: "1" } },
    });
    const permission = await client.getChargePermission(permissionId);
    assert.equal(permission.data.chargePermissionType, "Recurring");
    await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("450.00"), captureNow: true },
      headers(),
    );
    const exceeded = await failure(
      client.createCharge(
        { chargePermissionId: permissionId, chargeAmount: eur("50.01"), captureNow: true },
        headers(),
      ),
    );
    assert.deepEqual([exceeded.status, exceeded.reasonCode], [400, "PeriodicAmountExceeded"]);
  });
});

describe("pending authorisations and timers on the emulated clock", () => {
  it("card 0701: complete answers 202 AuthorizationInitiated, Authorized 30 s later", async () => {
    const id = await checkoutUntilResult(
      emulator,
      client,
      merchant,
      { paymentIntent: "Authorize", canHandlePendingAuthorization: true, chargeAmount: eur("15.00") },
      "0701",
    );
    const completed = await client.completeCheckoutSession(id, { chargeAmount: eur("15.00") });
    assert.equal(completed.status, 202);
    const pending = await client.getCharge(completed.data.chargeId);
    assert.equal(pending.data.statusDetails.state, "AuthorizationInitiated");
    await advanceClock(emulator, 29);
    assert.equal(
      (await client.getCharge(completed.data.chargeId)).data.statusDetails.state,
      "AuthorizationInitiated",
    );
    await advanceClock(emulator, 1);
    assert.equal((await client.getCharge(completed.data.chargeId)).data.statusDetails.state, "Authorized");
  });

  it("card 4354: declined HardDeclined after 30 s (the sweep moves it without a read)", async () => {
    const id = await checkoutUntilResult(
      emulator,
      client,
      merchant,
      { paymentIntent: "Authorize", canHandlePendingAuthorization: true, chargeAmount: eur("15.00") },
      "4354",
    );
    const completed = await client.completeCheckoutSession(id, { chargeAmount: eur("15.00") });
    await advanceClock(emulator, 30);
    const rows = await emulator.db.query<{ state: string }>(
      "select state from objects where kind = 'Charge' and id = $1",
      [completed.data.chargeId],
    );
    assert.equal(rows[0]?.state, "Declined");
    const outbox = await emulator.db.query<{ notification_type: string }>(
      "select notification_type from ipn_outbox where object_id = $1",
      [completed.data.chargeId],
    );
    assert.equal(outbox.length, 2);
  });

  it("capture after 7 days is asynchronous; an unused authorization expires after 30 days", async () => {
    const permissionId = await confirmedPermission("50.00");
    const late = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("20.00") },
      headers(),
    );
    const unused = await client.createCharge(
      { chargePermissionId: permissionId, chargeAmount: eur("20.00") },
      headers(),
    );
    await advanceClock(emulator, 8 * 24 * 3600);
    const initiated = await client.captureCharge(
      late.data.chargeId,
      { captureAmount: eur("20.00") },
      headers(),
    );
    assert.equal(initiated.data.statusDetails.state, "CaptureInitiated");
    await advanceClock(emulator, 30);
    assert.equal((await client.getCharge(late.data.chargeId)).data.statusDetails.state, "Captured");
    await advanceClock(emulator, 22 * 24 * 3600);
    const expired = await client.getCharge(unused.data.chargeId);
    assert.deepEqual(
      [expired.data.statusDetails.state, expired.data.statusDetails.reasonCode],
      ["Canceled", "ExpiredUnused"],
    );
  });
});
