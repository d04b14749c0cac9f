import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EXTF_COLUMNS } from "./extf-columns.js";
import { ExtfValidator, splitExtfLine, validateExtf } from "./extf-validator.js";
import {
  bookingGuid,
  bookingLine,
  CRLF,
  columnsLine,
  datevAmount,
  type ExtfBooking,
  type ExtfHeader,
  encodedLine,
  extfFileName,
  headerLine,
} from "./extf-writer.js";

const HEADER: ExtfHeader = {
  createdAt: "20260203140440439",
  exportedBy: "Kasse",
  consultantNumber: 29098,
  clientNumber: 55003,
  fiscalYearStart: 20260101,
  accountLength: 4,
  from: 20260101,
  to: 20260131,
  label: "Amazon Pay 20260101-20260131",
  festschreibung: false,
  currency: "EUR",
  chart: "SKR03",
};

const BOOKING: ExtfBooking = {
  amount: 1000,
  currency: "EUR",
  konto: "1210",
  gegenkonto: "10000",
  buKey: "",
  day: 20260115,
  belegfeld1: "4711",
  buchungstext: "Amazon Pay Zahlung 4711",
  beleginfo: [["Amazon Txn", "S02-1111111-2222222-C000001"]],
  guid: bookingGuid("m|1|1|amount"),
  generalumkehr: false,
};

function file(bookings: readonly ExtfBooking[], header: ExtfHeader = HEADER): Buffer {
  return Buffer.concat([headerLine(header), columnsLine(), ...bookings.map(bookingLine)].map(encodedLine));
}

test("the header is DATEV's sample layout: 31 fields, quoting as in the official example", () => {
  assert.equal(
    headerLine(HEADER),
    '"EXTF";700;21;"Buchungsstapel";13;20260203140440439;;"RE";"Kasse";"";29098;55003;20260101;4;20260101;20260131;"Amazon Pay 20260101-20260131";"";1;0;0;"EUR";;"";;;"03";;;"";""',
  );
  assert.equal(
    splitExtfLine(headerLine({ ...HEADER, festschreibung: true, chart: "SKR04" }))?.[26]?.value,
    "04",
  );
  assert.equal(EXTF_COLUMNS.length, 125);
  assert.equal(EXTF_COLUMNS[102], "Buchungs GUID");
  assert.equal(EXTF_COLUMNS[124], "Abw. Skontokonto");
});

test("a booking line: 125 fields, decimal comma, S, TTMM, quoted text, Beleginfo, GUID", () => {
  const fields = splitExtfLine(bookingLine(BOOKING));
  assert.ok(fields);
  assert.equal(fields.length, 125);
  const value = (n: number) => fields[n - 1]?.value;
  assert.equal(value(1), "10,00");
  assert.equal(value(2), "S");
  assert.equal(value(7), "1210");
  assert.equal(value(8), "10000");
  assert.equal(value(10), "1501");
  assert.equal(value(11), "4711");
  assert.equal(value(21), "Amazon Txn");
  assert.equal(value(22), "S02-1111111-2222222-C000001");
  assert.match(value(103) ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(bookingGuid("m|1|1|amount"), BOOKING.guid, "stable");
  assert.deepEqual(validateExtf(file([BOOKING])), []);
});

test("amounts: any positive minor amount has one DATEV form; zero and negatives are refused", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), (minor) => {
      const text = datevAmount(minor, "EUR");
      assert.match(text, /^\d{1,10},\d{2}$/);
      assert.equal(Number(text.replace(",", "")), minor);
    }),
  );
  assert.equal(datevAmount(5, "EUR"), "0,05");
  assert.equal(datevAmount(1000, "JPY"), "1000,00");
  assert.throws(() => datevAmount(0, "EUR"));
  assert.throws(() => datevAmount(-1, "EUR"));
});

test("long and hostile texts are cut to DATEV's lengths, the reference kept whole in Beleginfo", () => {
  const reference = `Bestellung_${"ä".repeat(40)}-Ł€"x;y\r\n`;
  const line = bookingLine({
    ...BOOKING,
    belegfeld1: reference,
    buchungstext: `Amazon Pay Zahlung ${reference} ${"lang ".repeat(20)}`,
    beleginfo: [["Bestellnummer (vollständig)", reference]],
  });
  const fields = splitExtfLine(line);
  assert.ok(fields);
  assert.equal(fields.length, 125);
  assert.equal(fields[10]?.value.length, 36);
  assert.match(fields[10]?.value ?? "", /^[A-Za-z0-9$&%*+\-/]+$/);
  assert.equal([...(fields[13]?.value ?? "")].length, 60);
  assert.equal(fields[20]?.value, "Bestellnummer (volls");
  assert.equal(
    fields[21]?.value,
    `Bestellung_${"ä".repeat(40)}-?€"x;y  `,
    "whole, only the unencodable Ł and the line break replaced",
  );
  assert.deepEqual(
    validateExtf(file([{ ...BOOKING, belegfeld1: reference, buchungstext: reference.repeat(5) }])),
    [],
  );
  const bytes = encodedLine(line);
  assert.ok(bytes.includes(0x80), "€ is byte 0x80");
  assert.ok(bytes.includes(0xe4), "ä is byte 0xE4");
});

test("the validator finds what DATEV refuses", () => {
  const good = file([BOOKING]).toString("latin1");
  const codes = (bytes: Buffer) =>
    validateExtf(bytes).map((finding) => `${finding.line}:${finding.field ?? ""}:${finding.code}`);
  const row = (change: (fields: string[]) => void) => {
    const fields = bookingLine(BOOKING).split(";");
    change(fields);
    return file([]).toString("latin1") + fields.join(";") + CRLF;
  };
  const latin = (text: string) => Buffer.from(text, "latin1");
  assert.deepEqual(codes(latin(good.replaceAll("\r\n", "\n"))), [
    "1::line-end",
    "2::line-end",
    "3::line-end",
  ]);
  assert.deepEqual(codes(latin(good.slice(0, -2))), ["3::line-end"]);
  assert.deepEqual(codes(latin(good.replace('"EXTF";700', '"DTVF";700'))), ["1:1:header"]);
  assert.deepEqual(codes(file([BOOKING], { ...HEADER, to: 20270131 })), ["1:16:header", "1:13:header"]);
  assert.deepEqual(codes(file([BOOKING], { ...HEADER, consultantNumber: 999 })), ["1:11:header"]);
  assert.deepEqual(codes(latin(good.replace("Umsatz (ohne", "Betrag (ohne"))), ["2::columns"]);
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[0] = "10.00";
        }),
      ),
    ),
    ["3:1:format"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[0] = "0,00";
        }),
      ),
    ),
    ["3:1:amount-zero"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[1] = '"X"';
        }),
      ),
    ),
    ["3:2:format"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[7] = "1210";
        }),
      ),
    ),
    ["3:8:accounts"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[6] = "8400";
          f[8] = '"3"';
        }),
      ),
    ),
    ["3:9:bu-automatic"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[9] = "3002";
        }),
      ),
    ),
    ["3:10:date"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[9] = "0102";
        }),
      ),
    ),
    ["3:10:date"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[10] = '"a_b"';
        }),
      ),
    ),
    ["3:11:beleg1-chars"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[13] = `"${"x".repeat(61)}"`;
        }),
      ),
    ),
    ["3:14:length"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[13] = "unquoted";
        }),
      ),
    ),
    ["3:14:quoting"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f.pop();
        }),
      ),
    ),
    ["3::columns"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[102] = '"not-a-guid"';
        }),
      ),
    ),
    ["3:103:format"],
  );
  assert.deepEqual(
    codes(
      latin(
        row((f) => {
          f[13] = '"tab\there"';
        }),
      ),
    ),
    ["3:14:control"],
  );
  assert.deepEqual(codes(Buffer.concat([file([]), Buffer.from([0x81, 0x0d, 0x0a])])), ["3::encoding"]);
});

test("the validator takes the file in chunks of any size and counts rows", () => {
  const bytes = file([
    BOOKING,
    { ...BOOKING, amount: 99 },
    { ...BOOKING, konto: "4970", gegenkonto: "1210" },
  ]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 50 }), (sizes) => {
      const validator = new ExtfValidator();
      let offset = 0;
      for (const size of sizes) {
        validator.push(bytes.subarray(offset, offset + size));
        offset += size;
      }
      validator.push(bytes.subarray(offset));
      assert.deepEqual(validator.finish(), []);
      assert.equal(validator.rows, 3);
    }),
    { numRuns: 50 },
  );
});

test("file names carry DATEV's EXTF_ prefix and only safe characters", () => {
  assert.equal(
    extfFileName("shop.1", "SKR04", 20260101, 20260131, 1, 1),
    "EXTF_Buchungsstapel_shop-1_SKR04_20260101_20260131.csv",
  );
  assert.equal(
    extfFileName("s", "SKR03", 20260101, 20261231, 2, 3),
    "EXTF_Buchungsstapel_s_SKR03_20260101_20261231_2von3.csv",
  );
});
