import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GATEWAY_MIGRATIONS_DIR } from "../gateway/index.js";
import { enqueueNotification } from "../gateway/store/notifications.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { claimDue, listNotifications, recordAttempt, resendNotification } from "./outbox.js";

let db: Database;
const T0 = Date.UTC(2026, 0, 1);

before(async () => {
  db = await openTestDatabase(GATEWAY_MIGRATIONS_DIR);
});
after(() => db.close());

async function enqueue(merchantId: string, xid: string): Promise<void> {
  const queued = await enqueueNotification(
    db,
    {
      merchantId,
      payId: "a".repeat(32),
      event: { type: "completion", xid },
      payload: { url: "https://shop.example/notify", body: `Len=1&Data=${xid}` },
    },
    T0,
  );
  assert.equal(queued, true);
}

describe("URLNotify outbox claims", () => {
  it("a leased row is not claimed twice; a claimant whose lease lapsed cannot record its attempt", async () => {
    await enqueue("m-lease", "x1");
    const [first] = await claimDue(db, T0, 1_000, 10);
    assert.ok(first);
    assert.equal(first.merchantId, "m-lease");
    assert.deepEqual(await claimDue(db, T0 + 999, 1_000, 10), [], "leased: nobody else gets it");
    const [second] = await claimDue(db, T0 + 1_000, 1_000, 10);
    assert.ok(second, "the lapsed lease lets another worker claim it");
    assert.notEqual(second.leaseToken, first.leaseToken);
    assert.equal(await recordAttempt(db, first, { delivered: true }, T0 + 1_100), false);
    assert.equal(await recordAttempt(db, second, { delivered: true }, T0 + 1_200), true);
    assert.deepEqual(await claimDue(db, T0 + 10_000, 1_000, 10), [], "delivered: never again");
    const [row] = await listNotifications(db, "m-lease", { limit: 10 });
    assert.equal(row?.status, "delivered");
    assert.equal(row?.attempts, 1, "only the lease holder's attempt counts");
  });

  it("failed attempts advance the schedule; a resend starts it afresh and makes the row due", async () => {
    await enqueue("m-resend", "x2");
    let now = T0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const [due] = await claimDue(db, now, 1_000, 10);
      assert.ok(due);
      assert.equal(due.retryIndex, attempt);
      const last = attempt === 2;
      await recordAttempt(
        db,
        due,
        { delivered: false, error: "HTTP 500", nextAttemptAt: last ? undefined : now + 10 },
        now,
      );
      now += 10;
    }
    const [failed] = await listNotifications(db, "m-resend", { status: "failed", limit: 10 });
    assert.equal(failed?.attempts, 3);
    assert.equal(failed?.lastError, "HTTP 500");
    assert.equal(failed?.nextAttemptAt, null);
    assert.deepEqual(await claimDue(db, now + 1_000_000, 1_000, 10), []);
    assert.equal(await resendNotification(db, "m-other", failed?.notificationId ?? 0, now), undefined);
    const resent = await resendNotification(db, "m-resend", failed?.notificationId ?? 0, now);
    assert.equal(resent?.status, "pending");
    const [again] = await claimDue(db, now, 1_000, 10);
    assert.equal(again?.retryIndex, 0);
    assert.equal(again?.attempts, 3);
  });
});
