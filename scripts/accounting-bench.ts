/**
 * Benchmark of the DATEV export's memory (docs/accounting.md "Scale"): for each size, one process
 * fills a database with that many booking lines, then a fresh process exports them all (EXTF
 * files of ≤ 99,999 rows, each validated) and reports its peak RSS. Not a test: it prints figures.
 *
 *   node --import tsx scripts/accounting-bench.ts [--sizes 10000,100000,1000000]
 *
 * PGlite in a temporary directory by default; with DATABASE_URL, a fresh schema per size on that
 * PostgreSQL server (then the RSS is the exporting Node process alone).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Accounting } from "../src/accounting/accounting.js";
import { ManualClock } from "../src/core/clock.js";
import { GATEWAY_MIGRATIONS_DIR } from "../src/gateway/index.js";
import { silentLogger } from "../src/log.js";
import { type Database, openDatabase } from "../src/store/database.js";

const [mode, target, sizeText] = process.argv.slice(2);

function open(where: string): Promise<Database> {
  const url = process.env.DATABASE_URL;
  return url
    ? openDatabase({ migrationsDir: GATEWAY_MIGRATIONS_DIR, url, schema: where, poolSize: 2 })
    : openDatabase({ migrationsDir: GATEWAY_MIGRATIONS_DIR, dataDir: where });
}

/** One settlement of `size` capture lines, one booking each, all on 15 January 2026. */
async function fill(db: Database, size: number): Promise<void> {
  await db.exec(`
    INSERT INTO merchants (merchant_id, name, hmac_key_enc, blowfish_key_enc, amazon_environment, amazon_region,
      amazon_merchant_id, amazon_store_id, amazon_public_key_id, amazon_private_key_enc, created_at, updated_at)
    VALUES ('bench', 'Bench', 'x', 'x', 'emulator', 'eu', 'A2BENCH', 'store', 'key', 'x', 0, 0);
    INSERT INTO settlement_reports (merchant_id, report_id, report_document_id, report_type, created_time, sha256, content, fetched_at)
    VALUES ('bench', 'R', 'D', 'settlement', 0, 'x', '\\x00', 0);
    INSERT INTO settlements (merchant_id, settlement_id, report_id, seller_id, currency, period_start, period_end,
      line_count, gross, fees, net, payout, imported_at)
    VALUES ('bench', '1', 'R', 'A2BENCH', 'EUR', 0, 0, ${size}, 0, 0, 0, 0, 0);`);
  const chunk = 100_000;
  for (let first = 1; first <= size; first += chunk) {
    const last = Math.min(size, first + chunk - 1);
    await db.exec(`
      INSERT INTO settlement_lines (merchant_id, settlement_id, line_no, posted_at, transaction_type, amazon_transaction_id,
        seller_reference_id, charge_permission_id, seller_order_id, description, amount, percentage_fee, fixed_fee,
        total_fee, net, match_kind)
      SELECT 'bench', '1', i, 1768471200000 + i, 'Capture', 'S02-' || lpad(i::text, 7, '0') || '-0000000-C000001',
        'Bestellung ' || i, 'S02-' || lpad(i::text, 7, '0') || '-0000000', 'Bestellung ' || i, '', 1000 + i % 9000, 0, 0, 0,
        1000 + i % 9000, 'none'
      FROM generate_series(${first}, ${last}) AS i;
      INSERT INTO bookings (merchant_id, settlement_id, line_no, leg, kind, booking_day, posted_at, debit_role, credit_role,
        amount, currency, document_ref, amazon_transaction_id, charge_permission_id, seller_order_id, rules_version, created_at)
      SELECT 'bench', '1', i, 'amount', 'capture', 20260115, 1768471200000 + i, 'amazonPay', 'receivables', 1000 + i % 9000,
        'EUR', 'Bestellung ' || i, 'S02-' || lpad(i::text, 7, '0') || '-0000000-C000001', 'S02-' || lpad(i::text, 7, '0') || '-0000000',
        'Bestellung ' || i, 0, 0
      FROM generate_series(${first}, ${last}) AS i;`);
  }
}

async function child(): Promise<void> {
  const size = Number(sizeText);
  const db = await open(target as string);
  try {
    if (mode === "--fill") {
      await fill(db, size);
      return;
    }
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const accounting = new Accounting({
      db,
      clock: new ManualClock(Date.UTC(2026, 1, 1)),
      logger: silentLogger(),
    });
    const files = await accounting.exportDatev({
      merchantId: "bench",
      chart: "SKR03",
      fromDay: 20260101,
      toDay: 20260131,
    });
    const seconds = (performance.now() - started) / 1000;
    await files.dispose();
    process.stdout.write(
      `${JSON.stringify({
        rows: files.rows,
        files: files.parts.length,
        seconds: Number(seconds.toFixed(1)),
        rssBeforeExportMb: Math.round(before / 1_048_576),
        peakRssMb: Math.round((process.resourceUsage().maxRSS * 1024) / 1_048_576),
      })}\n`,
    );
  } finally {
    await db.close();
  }
}

async function parent(): Promise<void> {
  const at = process.argv.indexOf("--sizes");
  const sizes = (at < 0 ? "10000,100000,1000000" : (process.argv[at + 1] ?? "")).split(",").map(Number);
  const engine = process.env.DATABASE_URL ? "postgres" : "pglite";
  for (const size of sizes) {
    const dir = await mkdtemp(join(tmpdir(), "kasse-accounting-bench-"));
    const where = engine === "postgres" ? `bench_accounting_${process.pid}_${size}` : join(dir, "db");
    const run = (flag: string) =>
      spawnSync(
        process.execPath,
        ["--import", "tsx", new URL(import.meta.url).pathname, flag, where, String(size)],
        {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
    try {
      const filled = run("--fill");
      if (filled.status !== 0) throw new Error(`filling ${size} rows failed`);
      const exported = run("--export");
      if (exported.status !== 0) throw new Error(`exporting ${size} rows failed`);
      process.stdout.write(`${JSON.stringify({ engine, size, ...JSON.parse(exported.stdout) })}\n`);
    } finally {
      if (engine === "postgres") {
        const db = await openDatabase({
          migrationsDir: GATEWAY_MIGRATIONS_DIR,
          url: process.env.DATABASE_URL as string,
        });
        await db.exec(`DROP SCHEMA IF EXISTS ${where} CASCADE`);
        await db.close();
      }
      await rm(dir, { recursive: true, force: true });
    }
  }
}

await (mode === "--fill" || mode === "--export" ? child() : parent());
