/**
 * Gaps between settlement periods (docs/accounting.md "Gaps"): a span between two imported
 * settlements that none covers is flagged only when Kasse recorded a capture or refund in it that
 * no settlement lists — in the import result, as a `period_gap` difference of the settlement after
 * it, and in `/metrics`; a quiet span (the emulator settles only days with transactions) and a
 * capture Amazon settled in the next period are not gaps; uploading the missing report closes it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Fastify from "fastify";
import { ManualClock } from "../core/clock.js";
import { healthRoutes } from "../gateway/health.js";
import { GATEWAY_MIGRATIONS_DIR } from "../gateway/index.js";
import type { SecretBox } from "../gateway/secrets.js";
import { silentLogger } from "../log.js";
import type { Database } from "../store/database.js";
import { Accounting } from "./accounting.js";
import { periodGapCounts } from "./settlement-gaps.js";
import {
  accountingDatabase,
  DAY_MS,
  FakeReports,
  insertPayment,
  type Row,
  settlementFile,
} from "./test-support.js";

const DAY1 = Date.UTC(2026, 4, 4);
const day = (n: number, hours = 10) => DAY1 + (n - 1) * DAY_MS + hours * 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const charge = (n: number) => `S02-0000000-000000${n}-C000001`;
const refund = "S02-0000000-0000002-R000001";
let db: Database;

/** A succeeded Amazon call of Kasse's, as the gateway's operations table records it. */
async function operation(payId: string, xid: string, amazonOperation: string, at: number) {
  await db.query(
    `INSERT INTO operations (merchant_id, idempotency_key, pay_id, xid, sequence, action, amazon_operation, request, state, created_at, updated_at)
     VALUES ('shop', $1, $2, $3, 2, 'capture', $4, '{}', 'succeeded', $5, $5)`,
    [`${payId}-${xid}`, payId, xid, amazonOperation, at],
  );
}

/** One day's settlement: its lines posted that day, paid out at its end. */
function settlementOf(id: string, n: number, rows: readonly Row[]): Buffer {
  const start = DAY1 + (n - 1) * DAY_MS;
  const net = rows.reduce((sum, row) => sum + Math.round(Number(row.amount) * 100), 0);
  return settlementFile(id, iso(start), iso(start + DAY_MS - 1000), [
    ...rows,
    { posted: iso(start + DAY_MS - 2000), type: "Transfer", amount: (-net / 100).toFixed(2) },
  ]);
}

const capture = (n: number, posted: number): Row => ({
  posted: iso(posted),
  id: charge(n),
  type: "Capture",
  amount: "10.00",
});

before(async () => {
  db = await accountingDatabase(["shop"]);
  for (const n of [1, 2, 3, 4, 5]) {
    const payId = String(n).repeat(32);
    await insertPayment(db, "shop", {
      payId,
      chargeId: charge(n),
      chargePermissionId: `S02-0000000-000000${n}`,
      captured: 1000,
      ...(n === 2 ? { refunds: [{ id: refund, amount: 1000 }] } : {}),
    });
    // Payment 2 was captured on day 1 and refunded on day 2; payment 4 captured a moment before
    // day 5 by Kasse's clock, settled by Amazon on day 5.
    await operation(payId, "x2", "captureCharge", n === 2 ? day(1, 11) : n === 4 ? day(5, 0) - 500 : day(n));
  }
  await operation("2".repeat(32), "r0", "createRefund", day(2));
});
after(() => db.close());

async function scrape(): Promise<string> {
  const app = Fastify();
  await app.register(healthRoutes, {
    db,
    secrets: {} as SecretBox,
    migrationsDir: GATEWAY_MIGRATIONS_DIR,
    clock: new ManualClock(day(6, 3)),
  });
  const answer = await app.inject({ method: "GET", url: "/metrics" });
  await app.close();
  return answer.body;
}

test("a span without a settlement but with Kasse's captures or refunds is a gap; quiet spans are not; the upload closes it", async () => {
  const reports = new FakeReports();
  reports.add("R1", day(2, 2), settlementOf("5000000001", 1, [capture(1, day(1)), capture(2, day(1, 11))]));
  // Day 2 (the refund) was never imported; day 4 has no transaction Amazon settled on it.
  reports.add("R3", day(4, 2), settlementOf("5000000003", 3, [capture(3, day(3))]));
  reports.add(
    "R5",
    day(6, 2),
    settlementOf("5000000005", 5, [capture(4, day(5, 0) + 1000), capture(5, day(5))]),
  );
  const clock = new ManualClock(day(6, 3));
  const accounting = new Accounting({
    db,
    clock,
    logger: silentLogger(),
    merchant: async (merchantId) => (merchantId === "shop" ? reports.merchant("shop", day(1, 0)) : undefined),
    downloader: reports,
  });
  const result = await accounting.importSettlements("shop");
  assert.equal(result.imported, 3);
  assert.equal(result.gaps.length, 1, JSON.stringify(result.gaps));
  const [gap] = result.gaps;
  assert.deepEqual(
    [gap?.from, gap?.to, gap?.afterSettlementId, gap?.beforeSettlementId],
    [new Date(day(2, 0) - 1000).toISOString(), new Date(day(3, 0)).toISOString(), "5000000001", "5000000003"],
  );
  // Only the refund: payment 4's capture (Kasse's clock a moment before day 5) is in day 5's settlement.
  assert.deepEqual(
    gap?.transactions.map((transaction) => [transaction.kind, transaction.amazonTransactionId]),
    [["refund", refund]],
  );
  assert.match(gap?.message ?? "", /no imported settlement covers .*\(S02-0000000-0000002-R000001\)/);

  const listed = await accounting.settlements("shop");
  const gapsOf = (settlementId: string) =>
    listed
      .find((settlement) => settlement.settlementId === settlementId)
      ?.differences.filter((difference) => difference.code === "period_gap").length;
  assert.deepEqual(
    ["5000000001", "5000000003", "5000000005"].map(gapsOf),
    [0, 1, 0],
    "the gap is a difference of the settlement after it",
  );
  assert.deepEqual(await periodGapCounts(db), [{ merchantId: "shop", gaps: 1 }]);
  assert.match(await scrape(), /^kasse_accounting_settlement_gaps\{merchant_id="shop"\} 1$/m);

  // The missing day's report, uploaded, closes the gap.
  const uploaded = await accounting.importSettlementFile(
    "shop",
    settlementOf("5000000002", 2, [
      {
        posted: iso(day(2)),
        id: refund,
        type: "Refund",
        permission: "S02-0000000-0000002",
        amount: "-10.00",
      },
    ]),
  );
  assert.deepEqual([uploaded.imported, uploaded.failed, uploaded.gaps], [1, [], []]);
  assert.equal(uploaded.matched.refunds, 1);
  assert.deepEqual(await accounting.gaps("shop"), []);
  assert.equal(
    (await accounting.settlements("shop"))
      .flatMap((settlement) => settlement.differences)
      .filter((difference) => difference.code === "period_gap").length,
    0,
  );
  assert.match(await scrape(), /^kasse_accounting_settlement_gaps\{merchant_id="shop"\} 0$/m);
  // The same file again imports nothing new.
  const again = await accounting.importSettlementFile(
    "shop",
    settlementOf("5000000002", 2, [
      {
        posted: iso(day(2)),
        id: refund,
        type: "Refund",
        permission: "S02-0000000-0000002",
        amount: "-10.00",
      },
    ]),
  );
  assert.deepEqual([again.imported, again.alreadyImported], [0, 1]);
});
