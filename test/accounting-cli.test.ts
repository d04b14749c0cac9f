/**
 * `kasse export datev|csv` as a user runs them: no server, only the data directory of a gateway
 * whose settlement was imported; the files it writes pass the validator.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Accounting, validateExtf } from "../src/accounting/index.js";
import { FakeReports, insertMerchantRow, settlementFile } from "../src/accounting/test-support.js";
import { ManualClock } from "../src/core/clock.js";
import { GATEWAY_MIGRATIONS_DIR } from "../src/gateway/index.js";
import { silentLogger } from "../src/log.js";
import { openDatabase } from "../src/store/database.js";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
let dataDir = "";

function kasse(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kasse-export-"));
  const db = await openDatabase({ migrationsDir: GATEWAY_MIGRATIONS_DIR, dataDir: join(dataDir, "gateway") });
  await insertMerchantRow(db, "shop");
  const reports = new FakeReports();
  const now = Date.UTC(2026, 2, 10);
  reports.add(
    "R1",
    now,
    settlementFile("8000000001", "2026-03-08T00:00:00 +0000", "2026-03-09T00:00:00 +0000", [
      {
        posted: "2026-03-08T10:00:00 +0000",
        id: "S02-X-C1",
        type: "Capture",
        order: "Auftrag 1",
        amount: "19.99",
        pct: "-0.38",
        fixed: "-0.35",
      },
      { posted: "2026-03-09T00:00:00 +0000", type: "Transfer", amount: "-19.26" },
    ]),
  );
  const accounting = new Accounting({
    db,
    clock: new ManualClock(now),
    logger: silentLogger(),
    merchant: async () => reports.merchant("shop", now - 86_400_000),
    downloader: reports,
  });
  assert.equal((await accounting.importSettlements("shop")).imported, 1);
  await db.close();
});
after(() => rm(dataDir, { recursive: true, force: true }));

describe("kasse export", () => {
  it("datev: writes the validated EXTF file without a server, progress on stderr", async () => {
    const out = join(dataDir, "out");
    const run = await kasse([
      "export",
      "datev",
      "--merchant",
      "shop",
      "--from",
      "2026-03-01",
      "--to",
      "2026-03-31",
      "--chart",
      "SKR04",
      "--data",
      dataDir,
      "--out",
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as { rows: number; files: { file: string; sha256: string }[] };
    assert.equal(answer.rows, 3);
    assert.equal(answer.files[0]?.file, join(out, "EXTF_Buchungsstapel_shop_SKR04_20260301_20260331.csv"));
    const bytes = await readFile(answer.files[0]?.file ?? "");
    assert.deepEqual(validateExtf(bytes), []);
    assert.match(bytes.toString("latin1"), /^"EXTF";700;21;"Buchungsstapel";13;/);
    assert.match(run.stderr, /exported 3\/3 rows \(100%\)/);
  });

  it("csv: writes the bookings for Excel", async () => {
    const file = join(dataDir, "bookings.csv");
    const run = await kasse([
      "export",
      "csv",
      "--merchant",
      "shop",
      "--from",
      "2026-03-01",
      "--to",
      "2026-03-31",
      "--data",
      dataDir,
      "--out",
      file,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const text = (await readFile(file)).toString("utf8");
    assert.ok(text.startsWith("\ufeff"));
    assert.equal(text.split("\r\n").length, 5);
  });

  it("refuses what it cannot do, with the reason and exit code 2", async () => {
    const across = await kasse([
      "export",
      "datev",
      "--merchant",
      "shop",
      "--from",
      "2025-12-01",
      "--to",
      "2026-01-31",
      "--data",
      dataDir,
    ]);
    assert.equal(across.code, 2);
    assert.match(across.stderr, /kasse export datev: from and to must lie in one calendar year/);
    const unknown = await kasse([
      "export",
      "datev",
      "--merchant",
      "nobody",
      "--from",
      "2026-03-01",
      "--to",
      "2026-03-31",
      "--data",
      dataDir,
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no merchant nobody/);
    const empty = await kasse([
      "export",
      "datev",
      "--merchant",
      "shop",
      "--from",
      "2026-03-01",
      "--to",
      "2026-03-31",
      "--data",
      join(dataDir, "none"),
    ]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no gateway database/);
  });
});
