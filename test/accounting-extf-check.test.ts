/**
 * An independent EXTF check of a real DATEV file (issue 11, "done when"): payments captured and
 * refunded through the gateway against the built-in emulator, the settlement period passed and
 * imported, the Buchungsstapel downloaded — then read here by a small reader of its own, written
 * from the DATEV-Format description alone (docs/accounting.md, "File layout") (not `src/accounting/extf-validator.ts`, not
 * `extf-columns.ts`): Windows-1252 bytes with the published 0x80–0x9F table, CRLF, the 31 header
 * fields of §2.2 with their quoting, the 125 headings of §2.3 verbatim, and every row against the
 * field rules of §2.4 and the checklist of §2.6. Finally the bookings are reconciled with the raw
 * settlement files Kasse stored (parsed here too): every capture, refund and fee is in the file with
 * its amount and direction, and the Amazon Pay account moves by each settlement's net.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import type { ShopCredentials } from "../src/paygate/client.js";
import {
  admin,
  advanceAmazon,
  capture,
  createAsyncShop,
  credit,
  pay,
  startAsyncWorld,
  startPayment,
  waitForNotifies,
} from "./async-support.js";
import { ADMIN_TOKEN, type World } from "./paygate-support.js";

// ─── the reader, from the DATEV-Format description ───────────────────────────────────────────────

/** Windows-1252 0x80–0x9F as published (0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined). */
const CP1252_80_9F = [
  "€",
  undefined,
  "‚",
  "ƒ",
  "„",
  "…",
  "†",
  "‡",
  "ˆ",
  "‰",
  "Š",
  "‹",
  "Œ",
  undefined,
  "Ž",
  undefined,
  undefined,
  "‘",
  "’",
  "“",
  "”",
  "•",
  "–",
  "—",
  "˜",
  "™",
  "š",
  "›",
  "œ",
  undefined,
  "ž",
  "Ÿ",
] as const;

function decodeCp1252(bytes: Uint8Array): string {
  let text = "";
  bytes.forEach((byte, at) => {
    if (byte >= 0x80 && byte <= 0x9f) {
      const char = CP1252_80_9F[byte - 0x80];
      assert.ok(char !== undefined, `byte ${at} is 0x${byte.toString(16)}, undefined in Windows-1252`);
      text += char;
    } else text += String.fromCharCode(byte); // 0x00–0x7F ASCII, 0xA0–0xFF = U+00A0–U+00FF
  });
  return text;
}

interface Field {
  readonly value: string;
  readonly quoted: boolean;
}

/** One DATEV line: `;` between fields, text in `"…"` with `""` for a quote (§2.1). */
function readLine(line: string, lineNo: number): Field[] {
  const fields: Field[] = [];
  let at = 0;
  for (;;) {
    if (line[at] === '"') {
      let value = "";
      at += 1;
      for (;;) {
        assert.ok(at < line.length, `line ${lineNo}: a quoted field is not closed`);
        if (line[at] === '"' && line[at + 1] === '"') {
          value += '"';
          at += 2;
        } else if (line[at] === '"') {
          at += 1;
          break;
        } else {
          value += line[at];
          at += 1;
        }
      }
      fields.push({ value, quoted: true });
    } else {
      const end = line.indexOf(";", at);
      const value = line.slice(at, end < 0 ? line.length : end);
      assert.ok(!value.includes('"'), `line ${lineNo}: a quote inside an unquoted field`);
      fields.push({ value, quoted: false });
      at = end < 0 ? line.length : end;
    }
    if (at === line.length) return fields;
    assert.equal(line[at], ";", `line ${lineNo}: ";" expected after field ${fields.length}`);
    at += 1;
  }
}

/** §2.3, written out: 1–20, Beleginfo 21–36, 37–47, Zusatzinformation 48–87, 88–125. */
const HEADINGS: readonly string[] = [
  "Umsatz (ohne Soll/Haben-Kz)",
  "Soll/Haben-Kennzeichen",
  "WKZ Umsatz",
  "Kurs",
  "Basis-Umsatz",
  "WKZ Basis-Umsatz",
  "Konto",
  "Gegenkonto (ohne BU-Schlüssel)",
  "BU-Schlüssel",
  "Belegdatum",
  "Belegfeld 1",
  "Belegfeld 2",
  "Skonto",
  "Buchungstext",
  "Postensperre",
  "Diverse Adressnummer",
  "Geschäftspartnerbank",
  "Sachverhalt",
  "Zinssperre",
  "Beleglink",
  ...[1, 2, 3, 4, 5, 6, 7, 8].flatMap((n) => [`Beleginfo - Art ${n}`, `Beleginfo - Inhalt ${n}`]),
  "KOST1 - Kostenstelle",
  "KOST2 - Kostenstelle",
  "Kost-Menge",
  "EU-Land u. UStID (Bestimmung)",
  "EU-Steuersatz (Bestimmung)",
  "Abw. Versteuerungsart",
  "Sachverhalt L+L",
  "Funktionsergänzung L+L",
  "BU 49 Hauptfunktionstyp",
  "BU 49 Hauptfunktionsnummer",
  "BU 49 Funktionsergänzung",
  ...Array.from({ length: 20 }, (_, i) => [
    `Zusatzinformation - Art ${i + 1}`,
    `Zusatzinformation- Inhalt ${i + 1}`,
  ]).flat(),
  "Stück",
  "Gewicht",
  "Zahlweise",
  "Forderungsart",
  "Veranlagungsjahr",
  "Zugeordnete Fälligkeit",
  "Skontotyp",
  "Auftragsnummer",
  "Buchungstyp",
  "USt-Schlüssel (Anzahlungen)",
  "EU-Land (Anzahlungen)",
  "Sachverhalt L+L (Anzahlungen)",
  "EU-Steuersatz (Anzahlungen)",
  "Erlöskonto (Anzahlungen)",
  "Herkunft-Kz",
  "Buchungs GUID",
  "KOST-Datum",
  "SEPA-Mandatsreferenz",
  "Skontosperre",
  "Gesellschaftername",
  "Beteiligtennummer",
  "Identifikationsnummer",
  "Zeichnernummer",
  "Postensperre bis",
  "Bezeichnung SoBil-Sachverhalt",
  "Kennzeichen SoBil-Buchung",
  "Festschreibung",
  "Leistungsdatum",
  "Datum Zuord. Steuerperiode",
  "Fälligkeit",
  "Generalumkehr (GU)",
  "Steuersatz",
  "Land",
  "Abrechnungsreferenz",
  "BVV-Position",
  "EU-Land u. UStID (Ursprung)",
  "EU-Steuersatz (Ursprung)",
  "Abw. Skontokonto",
];

/** §2.4 BU-Schlüssel: the automatic accounts the reference names (none may carry a key). */
const AUTOMATIC = new Set([
  "8400",
  "8300",
  "8125",
  "8336",
  "8338",
  "8920",
  "8921",
  "8922",
  "8923",
  "8924",
  "8925",
  "4400",
  "4300",
  "4125",
]);

/** CR, LF, TAB and the other C0 controls and DEL, which §2.1 forbids inside text. */
const hasControl = (text: string) =>
  [...text].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

function yyyymmdd(text: string, what: string): Date {
  assert.match(text, /^\d{8}$/, `${what} is YYYYMMDD`);
  const date = new Date(
    Date.UTC(Number(text.slice(0, 4)), Number(text.slice(4, 6)) - 1, Number(text.slice(6, 8))),
  );
  assert.equal(date.toISOString().slice(0, 10).replaceAll("-", ""), text, `${what} ${text} is a real day`);
  return date;
}

interface Header {
  readonly sachkontenlaenge: number;
  readonly from: Date;
  readonly to: Date;
  readonly fields: Field[];
}

/** §2.2 field by field, and §2.6's header checklist. */
function checkHeader(fields: Field[]): Header {
  assert.equal(fields.length, 31, "the header has 31 fields");
  const f = (n: number) => fields[n - 1] as Field;
  const text = (n: number, pattern: RegExp) => {
    assert.ok(f(n).quoted, `header field ${n} is quoted`);
    assert.match(f(n).value, pattern, `header field ${n}`);
  };
  const number = (n: number, pattern: RegExp) => {
    assert.ok(!f(n).quoted, `header field ${n} is a number, unquoted`);
    assert.match(f(n).value, pattern, `header field ${n}`);
  };
  text(1, /^EXTF$/);
  number(2, /^700$/);
  number(3, /^21$/);
  text(4, /^Buchungsstapel$/);
  number(5, /^13$/);
  number(6, /^\d{17}$/);
  const created = f(6).value;
  yyyymmdd(created.slice(0, 8), "Erzeugt am");
  assert.ok(
    Number(created.slice(8, 10)) < 24 &&
      Number(created.slice(10, 12)) < 60 &&
      Number(created.slice(12, 14)) < 60,
  );
  assert.equal(f(7).value, "", "Importiert is left to DATEV");
  text(8, /^.{2}$/);
  text(9, /^.{0,25}$/);
  text(10, /^$/);
  number(11, /^\d+$/);
  assert.ok(Number(f(11).value) >= 1001 && Number(f(11).value) <= 9_999_999, "Beraternummer 1001–9999999");
  number(12, /^\d+$/);
  assert.ok(Number(f(12).value) >= 1 && Number(f(12).value) <= 99_999, "Mandantennummer 1–99999");
  number(13, /^\d{8}$/);
  number(14, /^[4-8]$/);
  number(15, /^\d{8}$/);
  number(16, /^\d{8}$/);
  const wj = yyyymmdd(f(13).value, "WJ-Beginn");
  const from = yyyymmdd(f(15).value, "Datum vom");
  const to = yyyymmdd(f(16).value, "Datum bis");
  assert.ok(from <= to, "Datum vom ≤ Datum bis");
  assert.equal(from.getUTCFullYear(), to.getUTCFullYear(), "one calendar year");
  const wjEnd = new Date(Date.UTC(wj.getUTCFullYear() + 1, wj.getUTCMonth(), wj.getUTCDate()));
  assert.ok(wj <= from && to < wjEnd, "the period lies inside the fiscal year");
  text(17, /^.{0,30}$/);
  text(18, /^([A-Z]{2})?$/);
  number(19, /^[12]$/);
  number(20, /^(0|30|40|50|64)$/);
  number(21, /^[01]$/);
  text(22, /^[A-Z]{3}$/);
  assert.equal(f(23).value, "");
  text(24, /^$/);
  assert.equal(f(25).value, "");
  assert.equal(f(26).value, "");
  text(27, /^0[34]$/);
  assert.equal(f(28).value, "");
  assert.equal(f(29).value, "");
  text(30, /^$/);
  text(31, /^.{0,16}$/);
  return { sachkontenlaenge: Number(f(14).value), from, to, fields };
}

interface Row {
  readonly lineNo: number;
  readonly minor: number;
  readonly soll: boolean;
  readonly konto: string;
  readonly gegenkonto: string;
  readonly belegfeld1: string;
  readonly buchungstext: string;
  readonly beleginfo: ReadonlyMap<string, string>;
  readonly generalumkehr: boolean;
}

/** §2.4 and §2.6 for one booking row. */
function checkRow(fields: Field[], header: Header, lineNo: number): Row {
  assert.equal(fields.length, 125, `line ${lineNo} has 125 fields`);
  const f = (n: number) => fields[n - 1] as Field;
  const where = (n: number) =>
    `line ${lineNo}, field ${n} (${HEADINGS[n - 1]}) ${JSON.stringify(f(n).value)}`;
  for (const [n, field] of fields.entries()) {
    assert.ok(!hasControl(field.value), `line ${lineNo}, field ${n + 1}: no control characters`);
  }
  // 1 Umsatz: positive, not zero, decimal comma, no thousands separator, a number (unquoted).
  assert.ok(!f(1).quoted, where(1));
  assert.match(f(1).value, /^\d{1,10},\d{2}$/, where(1));
  const minor = Number(f(1).value.replace(",", ""));
  assert.ok(minor > 0, `${where(1)} is not zero`);
  // 2 S/H, 3 WKZ, 4–6 only for a foreign currency.
  assert.ok(f(2).quoted && (f(2).value === "S" || f(2).value === "H"), where(2));
  assert.ok(f(3).quoted, where(3));
  assert.match(f(3).value, /^([A-Z]{3})?$/, where(3));
  assert.deepEqual(
    [f(4).value, f(5).value, f(6).value],
    ["", "", ""],
    `line ${lineNo}: no Kurs/Basis-Umsatz in EUR`,
  );
  // 7/8 Konto and Gegenkonto: digits, the header's Sachkontenlänge or one more (a Personenkonto).
  for (const n of [7, 8]) {
    assert.ok(!f(n).quoted, where(n));
    assert.match(f(n).value, /^\d{1,9}$/, where(n));
    assert.ok(
      [header.sachkontenlaenge, header.sachkontenlaenge + 1].includes(f(n).value.length),
      `${where(n)} has ${header.sachkontenlaenge} digits, or ${header.sachkontenlaenge + 1} for a Personenkonto`,
    );
  }
  assert.notEqual(f(7).value, f(8).value, `line ${lineNo}: Konto ≠ Gegenkonto`);
  // 9 BU-Schlüssel: quoted, empty or up to 4 digits, never on an automatic account.
  assert.ok(f(9).quoted, where(9));
  assert.match(f(9).value, /^(\d{1,4})?$/, where(9));
  if (f(9).value !== "") {
    assert.ok(
      !AUTOMATIC.has(f(7).value) && !AUTOMATIC.has(f(8).value),
      `${where(9)} on an automatic account`,
    );
  }
  // 10 Belegdatum TTMM with leading zero, a real day of the header's year, inside Datum vom/bis.
  assert.ok(!f(10).quoted, where(10));
  assert.match(f(10).value, /^\d{4}$/, where(10));
  const year = header.from.getUTCFullYear();
  const day = yyyymmdd(`${year}${f(10).value.slice(2)}${f(10).value.slice(0, 2)}`, where(10));
  assert.ok(header.from <= day && day <= header.to, `${where(10)} lies in Datum vom/bis`);
  // 11 Belegfeld 1, 12 Belegfeld 2, 14 Buchungstext.
  assert.ok(f(11).quoted, where(11));
  assert.ok(f(11).value.length >= 1 && f(11).value.length <= 36, `${where(11)}: 1–36 characters`);
  assert.match(f(11).value, /^[A-Za-z0-9$&%*+\-/]*$/, where(11));
  assert.ok(f(12).value.length <= 12, where(12));
  assert.equal(f(13).value, "", where(13));
  assert.ok(f(14).quoted && f(14).value.length <= 60, where(14));
  // 21–36 Beleginfo: Art ≤ 20, Inhalt ≤ 210, Art and Inhalt together.
  const beleginfo = new Map<string, string>();
  for (let n = 21; n <= 35; n += 2) {
    const [art, inhalt] = [f(n), f(n + 1)];
    assert.ok(art.value.length <= 20, where(n));
    assert.ok(inhalt.value.length <= 210, where(n + 1));
    assert.equal(
      art.value === "",
      inhalt.value === "",
      `line ${lineNo}: Beleginfo ${n}/${n + 1} come together`,
    );
    if (art.value !== "") beleginfo.set(art.value, inhalt.value);
  }
  // 103 Buchungs GUID; 114 Festschreibung and 118 Generalumkehr 0/1/empty; 119 Steuersatz; 120 Land.
  assert.match(f(103).value, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, where(103));
  assert.match(f(114).value, /^[01]?$/, where(114));
  assert.match(f(118).value, /^[01]?$/, where(118));
  assert.match(f(119).value, /^(\d{1,2},\d{2})?$/, where(119));
  assert.match(f(120).value, /^([A-Z]{2})?$/, where(120));
  return {
    lineNo,
    minor,
    soll: f(2).value === "S",
    konto: f(7).value,
    gegenkonto: f(8).value,
    belegfeld1: f(11).value,
    buchungstext: f(14).value,
    beleginfo,
    generalumkehr: f(118).value === "1",
  };
}

/** The whole file: bytes, lines, header, headings, rows (§2.1, §2.6). */
function readExtf(bytes: Uint8Array): { header: Header; rows: Row[] } {
  const text = decodeCp1252(bytes);
  assert.ok(text.endsWith("\r\n"), "CRLF after the last line too");
  const lines = text.slice(0, -2).split("\r\n");
  for (const [i, line] of lines.entries()) {
    assert.ok(!/[\r\n]/.test(line), `line ${i + 1}: no CR or LF but the CRLF line end`);
  }
  assert.ok(lines.length >= 3, "header, headings and at least one booking");
  assert.ok(lines.length - 2 <= 99_999, "at most 99,999 bookings per file");
  const header = checkHeader(readLine(lines[0] as string, 1));
  const headings = readLine(lines[1] as string, 2);
  assert.equal(HEADINGS.length, 125);
  assert.deepEqual(
    headings.map((field) => field.value),
    HEADINGS,
    "line 2: the 125 headings of Formatversion 13, verbatim",
  );
  const rows = lines.slice(2).map((line, i) => checkRow(readLine(line, i + 3), header, i + 3));
  return { header, rows };
}

// ─── the raw settlement file, from Amazon's settlement report layout ───────────────────────────────

interface SettlementFileLine {
  readonly settlementId: string;
  readonly type: string;
  readonly amazonTransactionId: string;
  readonly amount: number;
  readonly totalFee: number;
  readonly net: number;
}

/** UTF-8 with BOM, comma-separated, every field quoted; the header found by its first name. */
function readSettlementFile(bytes: Uint8Array): SettlementFileLine[] {
  const text = Buffer.from(bytes)
    .toString("utf8")
    .replace(/^\ufeff/, "");
  const records = text
    .split(/\r?\n/)
    .filter((line) => line !== "")
    .map((line) =>
      [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => (match[1] as string).replaceAll('""', '"')),
    );
  const at = records.findIndex((cells) => cells[0] === "TransactionPostedDate");
  assert.ok(at > 0, "the settlement file has its header");
  const names = records[at] as string[];
  const column = (cells: string[], name: string) => cells[names.indexOf(name)] as string;
  const cents = (text: string) => {
    assert.match(text, /^-?\d+(\.\d{2})?$/);
    const [units = "", decimals = "00"] = text.replace("-", "").split(".");
    return (text.startsWith("-") ? -1 : 1) * (Number(units) * 100 + Number(decimals));
  };
  return records.slice(at + 1).map((cells) => ({
    settlementId: column(cells, "SettlementId"),
    type: column(cells, "TransactionType"),
    amazonTransactionId: column(cells, "AmazonTransactionId"),
    amount: cents(column(cells, "TransactionAmount")),
    totalFee: cents(column(cells, "TotalTransactionFee")),
    net: cents(column(cells, "NetTransactionAmount")),
  }));
}

// ─── the scenario ─────────────────────────────────────────────────────────────────────────────

let world: World;
let shop: ShopCredentials & { amazonMerchantId: string };
const year = new Date().getUTCFullYear();
const period = `from=${year}-01-01&to=${year}-12-31`;
/** A shop order number longer than Belegfeld 1's 36 characters, with an umlaut and an underscore. */
const LONG_ORDER = "T-EXTF-Bestellung_Müller/2026.0001-mit-Zusatz";

async function adminPut(path: string, body: object): Promise<number> {
  const response = await request(`${world.gateway.url}/api/admin${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    dispatcher: world.agent,
  });
  await response.body.dump();
  return response.statusCode;
}

async function download(path: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await request(`${world.gateway.url}/api/admin${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    dispatcher: world.agent,
  });
  return { status: response.statusCode, bytes: Buffer.from(await response.body.arrayBuffer()) };
}

before(async () => {
  world = await startAsyncWorld();
  shop = await createAsyncShop(world, "extf-shop");
  // A: sale with capture (long order number), then a partial refund Amazon settles 30 s later.
  const a = await startPayment(world, shop, LONG_ORDER, {
    TxType: "AuthorizeWithCapture",
    Amount: 12345,
    URLNotify: `${world.notify.url}/notify/T-EXTF-A`, // the order number's "/" would split the path
  });
  await pay(world, a);
  await waitForNotifies(world, "T-EXTF-A", 1);
  const refund = await credit(world, shop, a.values.PayID as string, 2345);
  assert.equal(refund.values.Status, "PENDING");
  await advanceAmazon(world, 31);
  await waitForNotifies(world, "T-EXTF-A", 2);
  // B: authorised, then captured by the shop.
  const b = await startPayment(world, shop, "T-EXTF-B", { TxType: "Authorize", Amount: 999 });
  await pay(world, b);
  await waitForNotifies(world, "T-EXTF-B", 1);
  const captured = await capture(world, shop, b.values.PayID as string, { TransID: "T-EXTF-B", Amount: 999 });
  assert.equal(captured.code, "00000000", captured.values.Description);
  // The Kanzlei's numbers and a name with an umlaut in the header; locked on import.
  assert.equal(
    await adminPut(`/merchants/${shop.merchantId}/accounting/datev`, {
      consultantNumber: 29098,
      clientNumber: 55003,
      fiscalYearStartMonth: 1,
      festschreibung: true,
      exportedBy: "Buchhaltung Kühn",
    }),
    200,
  );
  await advanceAmazon(world, 86_400);
  const imported = await admin(world, "POST", `/merchants/${shop.merchantId}/settlements/import`);
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  assert.deepEqual(imported.body.failed, []);
});
after(() => world.close());

describe("an independent EXTF check of the DATEV file the gateway hands out", () => {
  for (const chart of ["SKR03", "SKR04"] as const) {
    it(`${chart}: the file keeps every rule of reference §2 and reconciles with the raw settlements`, async () => {
      const file = await download(`/merchants/${shop.merchantId}/exports/datev?${period}&chart=${chart}`);
      assert.equal(file.status, 200, file.bytes.toString());
      const { header, rows } = readExtf(file.bytes);
      const h = (n: number) => (header.fields[n - 1] as Field).value;
      assert.deepEqual(
        [h(9), h(11), h(12), h(13), h(14), h(15), h(16), h(21), h(22), h(27)],
        [
          "Buchhaltung Kühn",
          "29098",
          "55003",
          `${year}0101`,
          "4",
          `${year}0101`,
          `${year}1231`,
          "1",
          "EUR",
          chart.slice(3),
        ],
      );
      assert.ok(file.bytes.includes(0xfc), "ü is the single Windows-1252 byte 0xFC");

      // The raw settlement files as Amazon (the emulator) sent them, kept unchanged by Kasse.
      const reports = await world.gateway.db.query<{ content: Uint8Array; sha256: string }>(
        "SELECT content, sha256 FROM settlement_reports WHERE merchant_id = $1 ORDER BY report_id",
        [shop.merchantId],
      );
      assert.ok(reports.length >= 1);
      const lines: SettlementFileLine[] = [];
      for (const report of reports) {
        assert.equal(createHash("sha256").update(report.content).digest("hex"), report.sha256);
        lines.push(...readSettlementFile(report.content));
      }
      const amazonPay = chart === "SKR03" ? "1210" : "1810";
      const transit = chart === "SKR03" ? "1360" : "1460";
      const fees = chart === "SKR03" ? "4970" : "6855";
      /** What a row does to the Amazon Pay account: + debited, − credited; 0 when not involved. */
      const onAmazonPay = (row: Row) => {
        const debit = row.soll ? row.konto : row.gegenkonto;
        const credit = row.soll ? row.gegenkonto : row.konto;
        const sign = row.generalumkehr ? -1 : 1;
        return sign * (debit === amazonPay ? row.minor : credit === amazonPay ? -row.minor : 0);
      };
      assert.ok(
        rows.every((row) => onAmazonPay(row) !== 0),
        "every booking moves the Amazon Pay account",
      );

      // Every capture, refund and fee of the settlements is in the file, amount and direction.
      const transactions = lines.filter((line) => line.type === "Capture" || line.type === "Refund");
      assert.equal(transactions.filter((line) => line.type === "Capture").length, 2);
      assert.equal(transactions.filter((line) => line.type === "Refund").length, 1);
      for (const line of transactions) {
        const booked = rows.filter((row) => row.beleginfo.get("Amazon Txn") === line.amazonTransactionId);
        const amount = booked.filter((row) => ![row.konto, row.gegenkonto].includes(fees));
        const fee = booked.filter((row) => [row.konto, row.gegenkonto].includes(fees));
        assert.deepEqual(
          amount.map(onAmazonPay),
          [line.amount],
          `${line.type} ${line.amazonTransactionId}: its amount`,
        );
        assert.deepEqual(
          fee.map(onAmazonPay),
          line.totalFee === 0 ? [] : [line.totalFee],
          `${line.amazonTransactionId}: its fee`,
        );
        assert.equal(
          booked.reduce((sum, row) => sum + onAmazonPay(row), 0),
          line.net,
          `${line.amazonTransactionId}: amount and fee come to NetTransactionAmount`,
        );
        for (const row of booked) assert.equal(row.beleginfo.get("Settlement"), line.settlementId);
      }
      // The payouts go through Geldtransit.
      const payouts = lines.filter((line) => line.type === "Transfer" || line.type === "Debt");
      const transitRows = rows.filter((row) => [row.konto, row.gegenkonto].includes(transit));
      assert.equal(
        transitRows.reduce((sum, row) => sum + onAmazonPay(row), 0),
        payouts.reduce((sum, line) => sum + line.net, 0),
      );
      // Per settlement and in all: the bookings move Amazon Pay by Σ NetTransactionAmount.
      for (const settlementId of new Set(lines.map((line) => line.settlementId))) {
        assert.equal(
          rows
            .filter((row) => row.beleginfo.get("Settlement") === settlementId)
            .reduce((sum, row) => sum + onAmazonPay(row), 0),
          lines.filter((line) => line.settlementId === settlementId).reduce((sum, line) => sum + line.net, 0),
          `settlement ${settlementId}: the bookings equal its net`,
        );
      }
      const moneyLines = lines.reduce(
        (n, line) => n + (line.amount !== 0 ? 1 : 0) + (line.totalFee !== 0 ? 1 : 0),
        0,
      );
      assert.equal(rows.length, moneyLines, "one booking per amount and per fee, nothing else");

      // The long order number: cut and cleaned in Belegfeld 1, kept whole in Beleginfo.
      const longRows = rows.filter((row) => row.beleginfo.get("Beleg") === LONG_ORDER);
      assert.equal(longRows.length, 4, "capture, its fee, the refund and its returned fee");
      for (const row of longRows) {
        assert.equal(row.belegfeld1.length, 36);
        assert.ok(row.belegfeld1.startsWith("T-EXTF-Bestellung-Mueller/2026-0001"), row.belegfeld1);
      }
    });
  }
});
