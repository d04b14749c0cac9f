import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { nextStepAfter } from "../../core/recurring.js";
import { insertMerchant } from "../../merchants/store.js";
import type { Database } from "../../store/database.js";
import { openTestDatabase } from "../../store/test-database.js";
import {
  claimDueSubscriptions,
  findSubscription,
  insertSubscription,
  type NewSubscription,
  recordAttempt,
  setSubscriptionStatus,
} from "./store.js";

const MIGRATIONS = fileURLToPath(new URL("../../store/migrations/", import.meta.url));
const NOW = Date.UTC(2031, 0, 1);
const HOUR = 3_600_000;
let db: Database;

function subscription(merchantId: string, subscriptionId: string, firstDueAt = NOW): NewSubscription {
  return {
    merchantId,
    subscriptionId,
    chargePermissionId: `S02-${subscriptionId}`,
    amount: 1500,
    currency: "EUR",
    countryCode: "EU",
    txType: "AuthorizeWithCapture",
    interval: { unit: "Month", value: 1 },
    firstDueAt,
    retryDelaysMs: [HOUR],
    notifyUrl: "https://shop.example/notify",
  };
}

describe("subscriptions store (PGlite, or PostgreSQL with DATABASE_URL)", () => {
  before(async () => {
    db = await openTestDatabase(MIGRATIONS);
    for (const merchantId of ["M1", "M2"]) {
      await insertMerchant(
        db,
        {
          merchantId,
          name: merchantId,
          amazon: {
            environment: "emulator",
            region: "eu",
            merchantId: "A1",
            storeId: "S1",
            publicKeyId: "K1",
          },
          settings: {},
          sealed: { hmacKey: "h", blowfishKey: "b", amazonPrivateKey: "p" },
        },
        NOW,
      );
    }
  });
  after(() => db.close());

  it("claims each due row once while its lease runs, across merchants, and none before it is due", async () => {
    await insertSubscription(db, subscription("M1", "a"), NOW);
    await insertSubscription(db, subscription("M2", "b"), NOW);
    await insertSubscription(db, subscription("M1", "later", NOW + HOUR), NOW);
    const [first, second] = await Promise.all([
      claimDueSubscriptions(db, NOW, 10 * 60_000, 20),
      claimDueSubscriptions(db, NOW, 10 * 60_000, 20),
    ]);
    const claimed = [...(first ?? []), ...(second ?? [])].map((s) => s.subscriptionId).sort();
    assert.deepEqual(claimed, ["a", "b"], "two workers at once: each row to one of them");
    assert.deepEqual(await claimDueSubscriptions(db, NOW + 60_000, 10 * 60_000, 20), [], "leased");
    const afterLease = await claimDueSubscriptions(db, NOW + HOUR, 10 * 60_000, 20);
    assert.deepEqual(afterLease.map((s) => s.subscriptionId).sort(), ["a", "b", "later"]);
  });

  it("records an attempt only at the cycle and attempt it was made for", async () => {
    const created = await insertSubscription(db, subscription("M1", "c"), NOW);
    const cursor = { ...created, frequency: created.interval };
    const charged = nextStepAfter(cursor, { kind: "charged" }, NOW);
    const last = { payId: "p1", result: "OK", reasonCode: undefined };
    assert.equal(await recordAttempt(db, created, charged, last, NOW), true);
    assert.equal(await recordAttempt(db, created, charged, last, NOW), false, "a late twin changes nothing");
    const stored = await findSubscription(db, "M1", "c");
    assert.equal(stored?.cycle, 2);
    assert.equal(stored?.nextAttemptAt, Date.UTC(2031, 1, 1));
    assert.equal(await findSubscription(db, "M2", "c"), undefined, "per merchant");
  });

  it("resume keeps the attempt count and restarts the retry budget; cancel is final", async () => {
    const created = await insertSubscription(db, subscription("M1", "d"), NOW);
    const paused = nextStepAfter(
      { ...created, frequency: created.interval },
      { kind: "failed", reasonCode: "HardDeclined" },
      NOW,
    );
    await recordAttempt(
      db,
      created,
      paused,
      { payId: "p2", result: "FAILED", reasonCode: "HardDeclined" },
      NOW,
    );
    const resumed = await setSubscriptionStatus(db, "M1", "d", "active", NOW + HOUR);
    assert.equal(resumed?.status, "active");
    assert.equal(resumed?.attempt, 1);
    assert.equal(resumed?.attemptBase, 1);
    assert.equal(resumed?.nextAttemptAt, NOW + HOUR);
    assert.equal((await setSubscriptionStatus(db, "M1", "d", "canceled", NOW))?.status, "canceled");
    assert.equal(await setSubscriptionStatus(db, "M1", "d", "active", NOW), undefined);
  });
});
