import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { ManualClock } from "../core/clock.js";
import { silentLogger } from "../log.js";
import type { Database } from "../store/database.js";
import { Accounting } from "./accounting.js";
import { decodeCp1252 } from "./cp1252.js";
import { ExportError } from "./datev-export.js";
import { splitExtfLine, validateExtf } from "./extf-validator.js";
import { accountingDatabase, DAY_MS, FakeReports, insertPayment, settlementFile } from "./test-support.js";

const NOW = Date.UTC(2026, 2, 10, 12);
let db: Database;
let accounting: Accounting;
const clock = new ManualClock(NOW);
const reports = new FakeReports();

before(async () => {
  db = await accountingDatabase();
  await insertPayment(db, "shop", {
    payId: "c".repeat(32),
    chargeId: "S02-C1",
    chargePermissionId: "S02-P1",
    captured: 10_000,
  });
  accounting = new Accounting({
    db,
    clock,
    logger: silentLogger(),
    merchant: async () => reports.merchant("shop", NOW - DAY_MS),
    downloader: reports,
  });
  // One settlement whose capture is posted 23:30 UTC on 8 March: 9 March in Berlin.
  reports.add(
    "R1",
    NOW - 3_600_000,
    settlementFile("7000000001", "2026-03-08T00:00:00 +0000", "2026-03-09T12:00:00 +0000", [
      {
        posted: "2026-03-08T23:30:00 +0000",
        id: "S02-C1",
        type: "Capture",
        permission: "S02-P1",
        order: "Bestellung/4711 äöü €",
        amount: "100.00",
        pct: "-1.90",
        fixed: "-0.35",
      },
      { posted: "2026-03-09T12:00:00 +0000", type: "Transfer", amount: "-97.75" },
    ]),
  );
  await accounting.importSettlements("shop");
});
after(() => db.close());

async function rowsOf(files: { parts: readonly { path: string }[] }): Promise<string[][]> {
  const rows: string[][] = [];
  for (const part of files.parts) {
    const bytes = await readFile(part.path);
    assert.deepEqual(validateExtf(bytes), []);
    for (const line of (decodeCp1252(bytes) ?? "").split("\r\n").slice(2, -1)) {
      rows.push((splitExtfLine(line) ?? []).map((field) => field.value));
    }
  }
  return rows;
}

test("exports the period's bookings with the chart's accounts, Berlin dates and the references", async () => {
  const files = await accounting.exportDatev({
    merchantId: "shop",
    chart: "SKR03",
    fromDay: 20260301,
    toDay: 20260331,
  });
  try {
    assert.equal(files.rows, 3);
    assert.equal(files.parts.length, 1);
    assert.equal(files.parts[0]?.fileName, "EXTF_Buchungsstapel_shop_SKR03_20260301_20260331.csv");
    const rows = await rowsOf(files);
    assert.deepEqual(
      rows.map((row) => [row[0], row[1], row[6], row[7], row[9], row[10]]),
      [
        ["100,00", "S", "1210", "10000", "0903", "Bestellung/4711-aeoeue--"],
        ["2,25", "S", "4970", "1210", "0903", "Bestellung/4711-aeoeue--"],
        ["97,75", "S", "1360", "1210", "0903", "7000000001"],
      ],
    );
    assert.equal(rows[0]?.[13], "Amazon Pay Zahlung Bestellung/4711 äöü €");
    assert.equal(rows[1]?.[13], "Amazon Pay Gebühr Bestellung/4711 äöü €");
    assert.deepEqual(rows[0]?.slice(20, 26), [
      "Beleg",
      "Bestellung/4711 äöü €",
      "Settlement",
      "7000000001",
      "Settlement-Zeile",
      "1",
    ]);
    const bytes = await readFile(files.parts[0]?.path ?? "");
    assert.ok(
      bytes.includes(Buffer.from([0x34, 0x37, 0x31, 0x31, 0x20, 0xe4, 0xf6, 0xfc, 0x20, 0x80])),
      "umlauts and € in Windows-1252",
    );
  } finally {
    await files.dispose();
  }
});

test("a repeated download is the same file; new bookings only in a new export; reexport on request; rebuilt byte for byte", async () => {
  const first = await accounting.exportDatev({
    merchantId: "shop",
    chart: "SKR04",
    fromDay: 20260301,
    toDay: 20260331,
  });
  const again = await accounting.exportDatev({
    merchantId: "shop",
    chart: "SKR04",
    fromDay: 20260301,
    toDay: 20260331,
  });
  try {
    assert.equal(again.repeated, true);
    assert.equal(again.exportId, first.exportId);
    assert.deepEqual(await readFile(again.parts[0]?.path ?? ""), await readFile(first.parts[0]?.path ?? ""));
    assert.deepEqual(
      (await rowsOf(first)).map((row) => [row[6], row[7]]),
      [
        ["1810", "10000"],
        ["6855", "1810"],
        ["1460", "1810"],
      ],
    );
  } finally {
    await first.dispose();
    await again.dispose();
  }
  await assert.rejects(
    accounting.exportDatev({ merchantId: "shop", chart: "SKR04", fromDay: 20260309, toDay: 20260309 }),
    (error: unknown) => error instanceof ExportError && error.code === "nothing_to_export",
  );
  const reexport = await accounting.exportDatev({
    merchantId: "shop",
    chart: "SKR04",
    fromDay: 20260309,
    toDay: 20260309,
    reexport: true,
  });
  assert.equal(reexport.rows, 3);
  await reexport.dispose();

  // The fee account changes; the settlement is rebooked: reversals under the old accounts, new bookings under the new.
  await accounting.saveRules("shop", "SKR04", { accounts: { fees: "6856" } });
  assert.deepEqual(await accounting.rebook("shop", "7000000001"), {
    reversed: 3,
    booked: 3,
    rulesVersion: 1,
  });
  assert.deepEqual(
    await accounting.rebook("shop", "7000000001"),
    { reversed: 0, booked: 0, rulesVersion: 1 },
    "idempotent",
  );
  const correction = await accounting.exportDatev({
    merchantId: "shop",
    chart: "SKR04",
    fromDay: 20260301,
    toDay: 20260331,
  });
  const rows = await rowsOf(correction);
  assert.deepEqual(
    rows.map((row) => [row[0], row[6], row[7], row[117]]),
    [
      ["100,00", "1810", "10000", "1"],
      ["2,25", "6855", "1810", "1"],
      ["97,75", "1460", "1810", "1"],
      ["100,00", "1810", "10000", ""],
      ["2,25", "6856", "1810", ""],
      ["97,75", "1460", "1810", ""],
    ],
  );
  assert.match(rows[0]?.[13] ?? "", /^Storno Amazon Pay Zahlung/);
  const settlement = await accounting.settlement("shop", "7000000001");
  assert.equal(settlement?.reconciliation.reconciled, true, "reversal and new bookings still reconcile");
  assert.equal(settlement?.reconciliation.bookings, 9);

  const rebuilt = await accounting.reproduceExport("shop", first.exportId);
  assert.deepEqual((await rowsOf(rebuilt)).length, 3, "the first export still rebuilds to its logged hash");
  await rebuilt.dispose();
  await correction.dispose();
});

test("more rows than fit in one file are split into parts, each valid and logged", async () => {
  const files = await accounting.exportDatev({
    merchantId: "shop",
    chart: "SKR03",
    fromDay: 20260301,
    toDay: 20260331,
    reexport: true,
    rowsPerFile: 4,
  });
  try {
    assert.deepEqual(
      files.parts.map((part) => [part.fileName.endsWith(`_${part.part}von3.csv`), part.rows]),
      [
        [true, 4],
        [true, 4],
        [true, 1],
      ],
    );
    assert.equal((await rowsOf(files)).length, 9);
    const [logged] = await accounting.exports("shop", 1);
    assert.deepEqual(
      logged?.partHashes,
      files.parts.map((part) => part.sha256),
    );
    const second = await accounting.reproduceExport("shop", files.exportId, 2);
    assert.equal(second.parts[0]?.sha256, files.parts[1]?.sha256);
    await second.dispose();
  } finally {
    await files.dispose();
  }
});

test("a period across two calendar years, or backwards, is refused", async () => {
  for (const [fromDay, toDay, pattern] of [
    [20251201, 20260131, /one calendar year/],
    [20260301, 20260201, /from is after to/],
  ] as const) {
    await assert.rejects(
      accounting.exportDatev({ merchantId: "shop", chart: "SKR03", fromDay, toDay }),
      (error: unknown) => {
        assert.ok(error instanceof ExportError);
        assert.equal(error.code, "invalid_period");
        assert.match(error.message, pattern);
        return true;
      },
    );
  }
  await accounting.saveDatevSettings("shop", { fiscalYearStartMonth: 7 });
  await assert.rejects(
    accounting.exportDatev({ merchantId: "shop", chart: "SKR03", fromDay: 20260601, toDay: 20260731 }),
    /one fiscal year/,
  );
  await accounting.saveDatevSettings("shop", { fiscalYearStartMonth: 1 });
});

test("the CSV export: BOM, ; and decimal comma, every booking, formulas defused", async () => {
  let text = "";
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const rows = await accounting.exportBookingsCsv("shop", "SKR03", 20260301, 20260331, out);
  assert.equal(rows, 9);
  assert.ok(text.startsWith('\ufeff"Buchung";"Datum"'));
  const lines = text.split("\r\n");
  assert.equal(lines.length, 11);
  assert.match(
    lines[1] ?? "",
    /^"\d+";"09\.03\.2026";"1210";"10000";"100,00";"EUR";"";"Bestellung\/4711 äöü €";/,
  );
});
