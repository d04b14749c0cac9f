import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ManualClock } from "../core/clock.js";
import { silentLogger } from "../log.js";
import type { Database } from "../store/database.js";
import { Accounting } from "./accounting.js";
import { SettlementImportJob } from "./import-job.js";
import { accountingDatabase, DAY_MS, FakeReports, insertPayment, settlementFile } from "./test-support.js";

const NOW = Date.UTC(2026, 2, 10, 12);
let db: Database;

before(async () => {
  db = await accountingDatabase(["shop", "other"]);
  await insertPayment(db, "shop", {
    payId: "a".repeat(32),
    chargeId: "S02-1111111-2222222-C000001",
    chargePermissionId: "S02-1111111-2222222",
    captured: 10_000,
    refunds: [{ id: "S02-1111111-2222222-R000001", amount: 2_500 }],
  });
  // The same Amazon ids under another merchant must never be matched for "shop".
  await insertPayment(db, "other", {
    payId: "b".repeat(32),
    chargeId: "S02-3333333-4444444-C000001",
    chargePermissionId: "S02-3333333-4444444",
    captured: 500,
  });
});
after(() => db.close());

const GOOD = settlementFile("4711000001", "2026-03-08T00:00:00 +0000", "2026-03-09T00:00:00 +0000", [
  {
    posted: "2026-03-08T10:00:00 +0000",
    id: "S02-1111111-2222222-C000001",
    type: "Capture",
    permission: "S02-1111111-2222222",
    order: "4711",
    amount: "100.00",
    pct: "-1.90",
    fixed: "-0.35",
  },
  {
    posted: "2026-03-08T11:00:00 +0000",
    id: "S02-1111111-2222222-R000001",
    type: "Refund",
    permission: "S02-1111111-2222222",
    order: "4711",
    amount: "-25.00",
    pct: "0.48",
  },
  {
    posted: "2026-03-08T12:00:00 +0000",
    id: "S02-3333333-4444444-C000001",
    type: "Capture",
    permission: "S02-3333333-4444444",
    amount: "5.00",
    pct: "-0.10",
    fixed: "-0.35",
  },
  { posted: "2026-03-09T00:00:00 +0000", type: "Transfer", amount: "-77.78" },
]);

function accountingWith(reports: FakeReports, clock = new ManualClock(NOW), createdAt = NOW - 10 * DAY_MS) {
  return new Accounting({
    db,
    clock,
    logger: silentLogger(),
    merchant: async (merchantId) => (merchantId === "shop" ? reports.merchant("shop", createdAt) : undefined),
    downloader: reports,
  });
}

async function count(table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE merchant_id = 'shop'`,
  );
  return Number(row?.n);
}

test("imports, matches by Amazon ids within the merchant, books gross and reconciles; twice imports nothing", async () => {
  const reports = new FakeReports();
  reports.add("R1", NOW - DAY_MS, GOOD);
  const accounting = accountingWith(reports);
  const result = await accounting.importSettlements("shop");
  assert.deepEqual(
    {
      listed: result.listed,
      imported: result.imported,
      lines: result.lines,
      bookings: result.bookings,
      failed: result.failed,
      missing: result.missingPeriods,
    },
    { listed: 1, imported: 1, lines: 4, bookings: 7, failed: [], missing: [] },
  );
  assert.deepEqual(result.matched, { payments: 1, refunds: 1, chargebacks: 0 });
  assert.equal(result.unmatched, 1, "the other merchant's capture is not ours");
  const [settlement] = result.settlements;
  assert.ok(settlement);
  assert.equal(settlement.reconciled, true, JSON.stringify(settlement.differences));
  assert.deepEqual(
    [settlement.gross, settlement.fees, settlement.net, settlement.payout, settlement.bookedNet],
    [8000, -222, 0, 7778, 0],
  );
  assert.deepEqual(
    settlement.differences.map((difference) => [difference.code, difference.lineNo]),
    [["not_a_kasse_transaction", 3]],
  );
  const [raw] = await db.query<{ sha256: string; content: Uint8Array }>(
    "SELECT sha256, content FROM settlement_reports WHERE merchant_id = 'shop'",
  );
  assert.deepEqual(Buffer.from(raw?.content ?? []), GOOD, "stored unchanged");
  assert.match(raw?.sha256 ?? "", /^[0-9a-f]{64}$/);

  const again = await accounting.importSettlements("shop");
  assert.deepEqual([again.imported, again.alreadyImported, again.bookings], [0, 1, 0]);
  assert.equal(await count("bookings"), 7);
  assert.equal(reports.downloads, 1, "a stored report is not downloaded again");
  await assert.rejects(db.query("UPDATE bookings SET amount = 1 WHERE merchant_id = 'shop'"), /append-only/);
  await assert.rejects(db.query("DELETE FROM settlement_reports WHERE merchant_id = 'shop'"), /append-only/);
});

test("bad reports are refused precisely and leave nothing; the checkpoint waits for them", async () => {
  const reports = new FakeReports();
  const period = (id: string, rows: Parameters<typeof settlementFile>[3], seller?: string) =>
    settlementFile(id, "2026-03-09T00:00:00 +0000", "2026-03-10T00:00:00 +0000", rows, seller);
  const capture = {
    posted: "2026-03-09T10:00:00 +0000",
    id: "X-C1",
    type: "Capture",
    amount: "10.00",
    pct: "-0.19",
    fixed: "-0.35",
  };
  const good = period("5000000001", [capture]);
  reports.add("T1", NOW - 5 * 3_600_000, good.subarray(0, good.length - 20));
  reports.add("U1", NOW - 4 * 3_600_000, period("5000000002", [{ ...capture, type: "Fee" }]));
  reports.add("C1", NOW - 3 * 3_600_000, period("5000000003", [{ ...capture, currency: "USD" }]));
  reports.add("S1", NOW - 2 * 3_600_000, period("5000000004", [capture], "A9SOMEONEELSE"));
  reports.add("P1", NOW - 3_600_000, undefined, "IN_PROGRESS");
  const before = await Promise.all(
    ["settlement_reports", "settlements", "settlement_lines", "bookings"].map(count),
  );
  const result = await accountingWith(reports).importSettlements("shop");
  assert.equal(result.imported, 0);
  assert.equal(result.skipped, 1);
  assert.deepEqual(
    result.failed.map((failure) => [failure.reportId, failure.code, failure.line ?? null]),
    [
      ["T1", "truncated", 7],
      ["U1", "unknown_transaction_type", 7],
      ["C1", "foreign_currency", 7],
      ["S1", "foreign_seller", null],
    ],
  );
  assert.match(result.failed[1]?.message ?? "", /report U1: line 7: unknown TransactionType "Fee"/);
  assert.match(result.failed[2]?.message ?? "", /CurrencyCode "USD" is not the ledger currency EUR/);
  assert.deepEqual(
    await Promise.all(["settlement_reports", "settlements", "settlement_lines", "bookings"].map(count)),
    before,
  );
  const [state] = await db.query<{ checkpoint: number; last_error: string }>(
    "SELECT checkpoint, last_error FROM settlement_import_state WHERE merchant_id = 'shop'",
  );
  assert.equal(
    state?.checkpoint,
    NOW - DAY_MS,
    "still the last good report's time: not past the first refused one",
  );
  assert.match(state?.last_error ?? "", /truncated|ends/);
});

test("a window older than Amazon's 90 days that was never imported is reported as missing", async () => {
  const reports = new FakeReports();
  const accounting = new Accounting({
    db,
    clock: new ManualClock(NOW),
    logger: silentLogger(),
    merchant: async () => reports.merchant("other", NOW - 200 * DAY_MS),
    downloader: reports,
  });
  const result = await accounting.importSettlements("other");
  assert.equal(result.missingPeriods.length, 1);
  assert.equal(result.missingPeriods[0]?.from, new Date(NOW - 200 * DAY_MS).toISOString());
  assert.equal(result.missingPeriods[0]?.to, new Date(NOW - 90 * DAY_MS).toISOString());
  assert.match(result.missingPeriods[0]?.message ?? "", /90-day retention/);
});

test("the scheduled job claims due merchants once per interval by the injected clock", async () => {
  const clock = new ManualClock(NOW);
  const imported: string[] = [];
  const job = new SettlementImportJob({
    db,
    clock,
    logger: silentLogger(),
    intervalMs: 3_600_000,
    accounting: {
      importSettlements: async (merchantId: string) => {
        imported.push(merchantId);
        return { failed: [], missingPeriods: [] } as never;
      },
    },
  });
  await db.query("DELETE FROM settlement_import_state");
  assert.deepEqual(await job.runDue(), [], "a merchant first seen is due one interval later");
  clock.advance(3_600_000);
  assert.deepEqual((await job.runDue()).sort(), ["other", "shop"]);
  assert.deepEqual(await job.runDue(), [], "not due again before the interval");
  clock.advance(3_600_000);
  const [first, second] = await Promise.all([job.runDue(), job.runDue()]);
  assert.deepEqual(
    [...(first ?? []), ...(second ?? [])].sort(),
    ["other", "shop"],
    "two claimants never take one merchant",
  );
  assert.equal(imported.length, 4);
});
