/**
 * Data retention (reference §4.2, §5.5): a Checkout Session is deleted 30 days after creation —
 * Get answers 404 ResourceNotFound, the sweep removes the row — while the Charge Permission it
 * created stays.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  advanceClock,
  checkoutUntilResult,
  createMerchant,
  failure,
  headers,
  REVIEW_URL,
  type SdkClient,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

const DAY = 86_400;

let emulator: RunningEmulator;
let merchant: TestMerchant;
let client: SdkClient;

before(async () => {
  emulator = await startTestEmulator();
  merchant = await createMerchant(emulator, { region: "eu" });
  client = sdkClient(emulator, merchant);
});
after(() => emulator.close());

const eur = (amount: string) => ({ amount, currencyCode: "EUR" });

async function rowExists(id: string): Promise<boolean> {
  const rows = await emulator.db.query("select 1 from objects where kind = 'CheckoutSession' and id = $1", [
    id,
  ]);
  return rows.length === 1;
}

describe("Checkout Session retention", () => {
  it("open and completed sessions are deleted 30 days after creation; the permission stays", async () => {
    const open = (
      await client.createCheckoutSession(
        { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId },
        headers(),
      )
    ).data.checkoutSessionId as string;
    const completedId = await checkoutUntilResult(emulator, client, merchant, {
      paymentIntent: "Confirm",
      chargeAmount: eur("5.00"),
    });
    const completed = await client.completeCheckoutSession(completedId, { chargeAmount: eur("5.00") });
    const permissionId = completed.data.chargePermissionId as string;

    await advanceClock(emulator, 30 * DAY - 60);
    const expired = (await client.getCheckoutSession(open)).data.statusDetails;
    assert.deepEqual([expired.state, expired.reasonCode], ["Canceled", "Expired"]);
    assert.equal((await client.getCheckoutSession(completedId)).data.statusDetails.state, "Completed");

    await advanceClock(emulator, 60);
    for (const id of [open, completedId]) {
      assert.equal(await rowExists(id), false, "the sweep deleted the row");
      const gone = await failure(client.getCheckoutSession(id));
      assert.deepEqual([gone.status, gone.reasonCode], [404, "ResourceNotFound"]);
    }
    const gonePage = await emulator.app.inject({
      method: "GET",
      url: `/buyer/confirm?amazonCheckoutSessionId=${open}`,
    });
    assert.equal(gonePage.statusCode, 404);
    assert.equal((await client.getChargePermission(permissionId)).status, 200);
  });

  it("a session past retention is gone for readers even before the sweep ran", async () => {
    const id = (
      await client.createCheckoutSession(
        { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId },
        headers(),
      )
    ).data.checkoutSessionId as string;
    // Moves the emulated clock without the sweep that POST /__admin/clock runs.
    await emulator.clock.advance(emulator.db, 30 * DAY * 1000);
    assert.equal(await rowExists(id), true);
    const gone = await failure(client.updateCheckoutSession(id, { merchantMetadata: { noteToBuyer: "x" } }));
    assert.deepEqual([gone.status, gone.reasonCode], [404, "ResourceNotFound"]);
    await emulator.sweep();
    assert.equal(await rowExists(id), false);
  });
});
