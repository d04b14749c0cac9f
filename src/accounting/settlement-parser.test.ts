import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import {
  csvRecords,
  parseSettlementAmount,
  parseSettlementDate,
  parseSettlementFile,
  SettlementFileError,
} from "./settlement-parser.js";

const GOLDEN = readFileSync(new URL("./settlement-parser.golden.csv", import.meta.url));
const text = GOLDEN.toString("utf8").slice(1);
const bytes = (content: string) => Buffer.from(content, "utf8");

test("golden file: BOM, CRLF, preamble, quoted cells with commas and quotes, a year boundary", () => {
  const file = parseSettlementFile(GOLDEN, "EUR");
  assert.equal(file.sellerId, "A2KASSEGOLDEN");
  assert.equal(file.settlementId, "4711000001");
  assert.equal(file.storeName, 'Kasse "Grün", Köln');
  assert.equal(file.start, Date.UTC(2025, 11, 30, 23));
  assert.equal(file.end, Date.UTC(2026, 0, 1, 11));
  assert.deepEqual(
    file.lines.map((line) => [
      line.lineNo,
      line.type,
      line.amount,
      line.percentageFee,
      line.fixedFee,
      line.totalFee,
      line.net,
    ]),
    [
      [1, "Capture", 10000, -190, -35, -225, 9775],
      [2, "Refund", -2500, 48, 0, 48, -2452],
      [3, "Reserve", 1000, 0, 0, 0, 1000],
      [4, "Transfer", -8323, 0, 0, 0, -8323],
    ],
  );
  assert.deepEqual(file.lines[0], {
    lineNo: 1,
    postedAt: Date.UTC(2025, 11, 30, 23, 4, 3),
    amazonTransactionId: "S02-1111111-2222222-C000001",
    sellerReferenceId: "Bestellung 4711",
    type: "Capture",
    chargePermissionId: "S02-1111111-2222222",
    sellerOrderId: "4711",
    description: "",
    amount: 10000,
    percentageFee: -190,
    fixedFee: -35,
    totalFee: -225,
    net: 9775,
  });
  assert.equal(file.lines[2]?.postedAt, Date.UTC(2026, 0, 1, 7), "offset without the space");
  assert.equal(
    file.lines.reduce((sum, line) => sum + line.net, 0),
    0,
  );
});

test("the same file without BOM and with LF line ends reads the same", () => {
  const lf = parseSettlementFile(bytes(text.replaceAll("\r\n", "\n")), "EUR");
  assert.deepEqual(lf, parseSettlementFile(GOLDEN, "EUR"));
});

function refused(content: Uint8Array | string, code: string, pattern: RegExp, currency = "EUR") {
  assert.throws(
    () => parseSettlementFile(typeof content === "string" ? bytes(content) : content, currency),
    (error: unknown) => {
      assert.ok(error instanceof SettlementFileError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

test("a file cut anywhere inside its last line is truncated, naming the line", () => {
  const cut = text.lastIndexOf("\r\n", text.length - 3);
  for (const at of [cut + 5, cut + 40, text.length - 4, text.length - 1]) {
    refused(text.slice(0, at), "truncated", /^line 10: /);
  }
  refused(text.slice(0, text.indexOf("SellerId")), "truncated", /ends inside a quoted cell|middle of a line/);
});

test("malformed, unknown, foreign and inconsistent input is refused precisely", () => {
  refused("", "empty", /empty/);
  refused(new Uint8Array([0xff, 0xfe, 0x41]), "malformed", /UTF-8/);
  refused(text.replace('"TransactionPostedDate",', '"PostedDate",'), "missing_header", /no header line/);
  refused(text.replace(',"NetTransactionAmount",', ","), "missing_header", /^line 6: the header/);
  refused(
    text.replace('"Capture"', '"Fee"'),
    "unknown_transaction_type",
    /^line 7: unknown TransactionType "Fee"/,
  );
  refused(text, "foreign_currency", /^line 7: CurrencyCode "EUR" is not the ledger currency GBP/, "GBP");
  refused(text.replace('"100.00"', '"100,00"'), "invalid_amount", /^line 7: TransactionAmount "100,00"/);
  refused(text.replace('"100.00"', '"100.001"'), "invalid_amount", /^line 7: TransactionAmount/);
  refused(text.replace('"-2.25"', '"-2.26"'), "inconsistent_amounts", /^line 7: TotalTransactionFee/);
  refused(text.replace('"97.75"', '"97.76"'), "inconsistent_amounts", /^line 7: NetTransactionAmount/);
  refused(
    text.replace('"4711000001","S02-1111111-2222222-R', '"4711000002","S02-1111111-2222222-R'),
    "mixed_settlements",
    /^line 8:/,
  );
  refused(text.replace("2025-12-31T00:04:03", "2025-12-30T00:04:03"), "outside_period", /^line 7:/);
  refused(text.replace("2025-12-31T00:04:03", "2025-02-30T00:04:03"), "invalid_date", /^line 7:/);
  refused(text.replace('"A2KASSEGOLDEN"', '""'), "missing_header", /SellerId/);
  refused(text.replace('"Capture","S02', 'x"Capture","S02'), "malformed", /^line 7: unexpected/);
  refused(`${text.split("\r\n").slice(0, 6).join("\r\n")}\r\n`, "empty", /no transaction lines/);
});

test("amounts: every minor-unit integer survives its dot-decimal text exactly, in both signs", () => {
  fc.assert(
    fc.property(fc.integer({ min: -99_999_999_999, max: 99_999_999_999 }), (minor) => {
      const sign = minor < 0 ? "-" : "";
      const digits = String(Math.abs(minor)).padStart(3, "0");
      const text = minor === 0 ? "0" : `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
      assert.equal(parseSettlementAmount(text, "EUR"), minor);
      assert.equal(parseSettlementAmount(String(minor), "JPY"), minor);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 1, max: 9 }), (cents, extra) => {
      const digits = String(cents).padStart(3, "0");
      assert.equal(
        parseSettlementAmount(`${digits.slice(0, -2)}.${digits.slice(-2)}${extra}`, "EUR"),
        undefined,
      );
    }),
  );
  for (const bad of ["1e3", "+1.00", "1,00", " 1.00", "1.", ".5", "0x10", "NaN", "--1", ""]) {
    assert.equal(parseSettlementAmount(bad, "EUR"), undefined, bad);
  }
  assert.equal(parseSettlementAmount("1.5", "EUR"), 150);
  assert.equal(parseSettlementAmount("-0.30", "EUR"), -30);
});

test("quoted CSV: any cell text survives quoting, with commas, quotes and line breaks", () => {
  const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
      (rows) => {
        const csv = `${rows.map((row) => row.map(quote).join(",")).join("\n")}\n`;
        assert.deepEqual(
          csvRecords(csv).map((record) => record.cells),
          rows,
        );
      },
    ),
  );
});

test("dates: the fixtures' form, without space, with colon and Z; impossible dates refused", () => {
  assert.equal(parseSettlementDate("2018-09-11T00:04:03 -0700"), Date.UTC(2018, 8, 11, 7, 4, 3));
  assert.equal(parseSettlementDate("2015-05-18T14:37:01-0700"), Date.UTC(2015, 4, 18, 21, 37, 1));
  assert.equal(parseSettlementDate("2026-01-15T10:00:00+01:00"), Date.UTC(2026, 0, 15, 9));
  assert.equal(parseSettlementDate("2026-01-15T10:00:00Z"), Date.UTC(2026, 0, 15, 10));
  for (const bad of [
    "2026-02-29T10:00:00 +0000",
    "2026-01-15 10:00:00",
    "2026-01-15T25:00:00 +0000",
    "2026-01-15T10:00:00 +2500",
  ]) {
    assert.equal(parseSettlementDate(bad), undefined, bad);
  }
});
