/**
 * DATEV's Sachkontenlänge (EXTF header field 14) with accounts longer than 4 digits: the file's
 * header names the length of the rule set the bookings were made under, every account in the file
 * has it (a Debitor one digit more), a period whose bookings were made under rule versions of
 * different lengths is refused with the reason, and the validator finds an account of another length.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { ManualClock } from "../core/clock.js";
import { silentLogger } from "../log.js";
import type { Database } from "../store/database.js";
import { Accounting } from "./accounting.js";
import { decodeCp1252 } from "./cp1252.js";
import { ExportError } from "./datev-export.js";
import { splitExtfLine, validateExtf } from "./extf-validator.js";
import { bookingGuid, bookingLine, columnsLine, encodedLine, headerLine } from "./extf-writer.js";
import { accountingDatabase, DAY_MS, FakeReports, settlementFile } from "./test-support.js";

const NOW = Date.UTC(2026, 5, 20, 12);
const FIVE = { amazonPay: "12100", transit: "13600", fees: "49700", reserve: "15000", adjustments: "15900" };
let db: Database;
const reports = new FakeReports();
const clock = new ManualClock(NOW);
let accounting: Accounting;

/** A day's settlement in June 2026: one capture with its fee, paid out. */
function june(id: string, day: number, capture: string) {
  const date = `2026-06-${String(day).padStart(2, "0")}`;
  return settlementFile(id, `${date}T00:00:00Z`, `${date}T23:59:59Z`, [
    {
      posted: `${date}T10:00:00Z`,
      id: capture,
      type: "Capture",
      amount: "50.00",
      pct: "-0.95",
      fixed: "-0.35",
    },
    { posted: `${date}T20:00:00Z`, type: "Transfer", amount: "-48.70" },
  ]);
}

before(async () => {
  db = await accountingDatabase(["shop"]);
  accounting = new Accounting({
    db,
    clock,
    logger: silentLogger(),
    merchant: async () => reports.merchant("shop", NOW - 30 * DAY_MS),
    downloader: reports,
  });
});
after(() => db.close());

async function exportRows(fromDay: number, toDay: number) {
  const files = await accounting.exportDatev({ merchantId: "shop", chart: "SKR03", fromDay, toDay });
  try {
    const bytes = await readFile(files.parts[0]?.path ?? "");
    assert.deepEqual(validateExtf(bytes), []);
    const lines = (decodeCp1252(bytes) ?? "").split("\r\n").slice(0, -1);
    const fields = lines.map((line) => (splitExtfLine(line) ?? []).map((field) => field.value));
    return { header: fields[0] ?? [], rows: fields.slice(2) };
  } finally {
    await files.dispose();
  }
}

test("rules changed from 4 to 5 digits: a period with bookings under both is refused; each side exports with its length", async () => {
  // A settlement booked under the default (4-digit) rules on 2 June, one under 5-digit rules on 10 June.
  reports.add("R1", Date.UTC(2026, 5, 3, 2), june("8000000001", 2, "S02-0000001-0000001-C000001"));
  await accounting.importSettlements("shop");
  await accounting.saveRules("shop", "SKR03", { accounts: FIVE });
  reports.add("R2", Date.UTC(2026, 5, 11, 2), june("8000000002", 10, "S02-0000002-0000002-C000001"));
  await accounting.importSettlements("shop");

  await assert.rejects(
    () => accounting.exportDatev({ merchantId: "shop", chart: "SKR03", fromDay: 20260601, toDay: 20260630 }),
    (error: unknown) =>
      error instanceof ExportError &&
      error.code === "mixed_account_lengths" &&
      error.field === "from" &&
      /4 digits: version 0; 5 digits: version 1/.test(error.message) &&
      /export the periods before and after the change on their own/.test(error.message),
  );

  const five = await exportRows(20260610, 20260610);
  assert.equal(five.header[13], "5", "Sachkontenlänge");
  assert.deepEqual(
    five.rows.map((row) => [row[0], row[6], row[7]]),
    [
      ["50,00", "12100", "100000"],
      ["1,30", "49700", "12100"],
      ["48,70", "13600", "12100"],
    ],
  );
  for (const row of five.rows)
    for (const account of [row[6] ?? "", row[7] ?? ""]) assert.ok([5, 6].includes(account.length), account);
  const four = await exportRows(20260601, 20260609);
  assert.equal(four.header[13], "4");
  assert.deepEqual(
    four.rows.map((row) => [row[6], row[7]]),
    [
      ["1210", "10000"],
      ["4970", "1210"],
      ["1360", "1210"],
    ],
  );
  // SKR04 never changed: its one (4-digit) rule set serves the whole month.
  const skr04 = await accounting.exportDatev({
    merchantId: "shop",
    chart: "SKR04",
    fromDay: 20260601,
    toDay: 20260630,
  });
  try {
    assert.equal(skr04.rows, 6);
  } finally {
    await skr04.dispose();
  }
});

test("the validator finds an account whose length is not the header's Sachkontenlänge", () => {
  const header = {
    createdAt: "20260620140440439",
    exportedBy: "Kasse",
    consultantNumber: 29098,
    clientNumber: 55003,
    fiscalYearStart: 20260101,
    accountLength: 5,
    from: 20260601,
    to: 20260630,
    label: "Amazon Pay",
    festschreibung: false,
    currency: "EUR",
    chart: "SKR03" as const,
  };
  const booking = {
    amount: 1000,
    currency: "EUR",
    konto: "12100",
    gegenkonto: "100000",
    buKey: "",
    day: 20260615,
    belegfeld1: "4711",
    buchungstext: "Amazon Pay Zahlung 4711",
    beleginfo: [] as [string, string][],
    guid: bookingGuid("m|1|1|amount"),
    generalumkehr: false,
  };
  const file = (...bookings: (typeof booking)[]) =>
    Buffer.concat([headerLine(header), columnsLine(), ...bookings.map(bookingLine)].map(encodedLine));
  assert.deepEqual(validateExtf(file(booking)), []);
  const findings = validateExtf(file({ ...booking, konto: "4970" }, { ...booking, gegenkonto: "1234" }));
  assert.deepEqual(
    findings.map((finding) => [finding.line, finding.field, finding.code]),
    [
      [3, 7, "account-length"],
      [4, 8, "account-length"],
    ],
  );
  assert.match(findings[0]?.message ?? "", /Konto 4970 has 4 digits; the header's Sachkontenlänge is 5/);
});
