/**
 * Checks a DATEV Buchungsstapel file byte by byte before Kasse hands it out, against DATEV's rules
 * (docs/accounting.md "Validator") rather than against what the writer meant: it shares no code
 * path with `extf-writer.ts`, only the data both follow (column headings, automatic accounts, the
 * Windows-1252 table). Fed in chunks, so a file of any size is checked in constant memory.
 */
import { AUTOMATIC_ACCOUNTS, type Chart } from "./booking-rules.js";
import { decodeCp1252 } from "./cp1252.js";
import { EXTF_COLUMNS } from "./extf-columns.js";

export interface ExtfFinding {
  /** Physical line, 1-based. */
  readonly line: number;
  /** 1-based field number, when one field is at fault. */
  readonly field?: number;
  readonly code: string;
  readonly message: string;
}

interface Field {
  readonly value: string;
  readonly quoted: boolean;
}

const MAX_FINDINGS = 100;
const CONTROL = /\p{Cc}/u;
const MAX_ROWS = 99_999;

/** Splits one line at `;` outside quotes; a quoted field's `""` is one quote. `undefined` if unbalanced. */
export function splitExtfLine(line: string): Field[] | undefined {
  const fields: Field[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i += 1;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return undefined;
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      if (i < line.length && line[i] !== ";") return undefined;
      fields.push({ value, quoted: true });
    } else {
      const end = line.indexOf(";", i);
      const value = end < 0 ? line.slice(i) : line.slice(i, end);
      if (value.includes('"')) return undefined;
      fields.push({ value, quoted: false });
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return fields;
    i += 1;
    if (i === line.length) {
      fields.push({ value: "", quoted: false });
      return fields;
    }
  }
}

function validDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function dayNumber(text: string): number | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  return validDay(year, month, day) ? Number(text) : undefined;
}

interface HeaderFacts {
  readonly from: number;
  readonly to: number;
  readonly accountLength: number;
  readonly chart: Chart | undefined;
}

export class ExtfValidator {
  readonly #findings: ExtfFinding[] = [];
  #pending: Buffer = Buffer.alloc(0);
  #line = 0;
  #header: HeaderFacts | undefined;
  #rows = 0;
  #finished = false;

  /** Feeds the next bytes of the file. */
  push(chunk: Uint8Array): void {
    let buffer = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    for (;;) {
      const lf = buffer.indexOf(0x0a);
      if (lf < 0) break;
      this.#line += 1;
      if (lf === 0 || buffer[lf - 1] !== 0x0d) {
        this.#add({ line: this.#line, code: "line-end", message: "line ends with LF instead of CRLF" });
        this.#checkLine(buffer.subarray(0, lf));
      } else {
        this.#checkLine(buffer.subarray(0, lf - 1));
      }
      buffer = buffer.subarray(lf + 1);
    }
    this.#pending = Buffer.from(buffer);
  }

  /** Ends the file; the findings (empty = valid). */
  finish(): ExtfFinding[] {
    if (!this.#finished) {
      this.#finished = true;
      if (this.#pending.length > 0) {
        this.#line += 1;
        this.#add({ line: this.#line, code: "line-end", message: "the last line has no CRLF" });
        this.#checkLine(this.#pending);
      }
      if (this.#line < 2)
        this.#add({
          line: this.#line,
          code: "structure",
          message: "a file has a header line and a column line at least",
        });
      if (this.#rows > MAX_ROWS)
        this.#add({
          line: this.#line,
          code: "rows",
          message: `${this.#rows} bookings; a file holds at most ${MAX_ROWS}`,
        });
    }
    return [...this.#findings];
  }

  get rows(): number {
    return this.#rows;
  }

  #add(finding: ExtfFinding): void {
    if (this.#findings.length < MAX_FINDINGS) this.#findings.push(finding);
  }

  #checkLine(bytes: Uint8Array): void {
    const line = this.#line;
    if (bytes.includes(0x0d)) this.#add({ line, code: "control", message: "a CR inside a line" });
    const text = decodeCp1252(bytes);
    if (text === undefined) {
      this.#add({
        line,
        code: "encoding",
        message: "a byte Windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90, 0x9D)",
      });
      return;
    }
    if (line === 1) this.#checkHeader(text);
    else if (line === 2) {
      if (text !== EXTF_COLUMNS.join(";"))
        this.#add({
          line,
          code: "columns",
          message: "line 2 is not the 125 column headings of format version 13",
        });
    } else {
      this.#rows += 1;
      this.#checkRow(text);
    }
  }

  #checkHeader(text: string): void {
    const line = 1;
    const fields = splitExtfLine(text);
    if (fields?.length !== 31) {
      this.#add({
        line,
        code: "header",
        message: `the header has ${fields?.length ?? "unbalanced"} fields, expected 31`,
      });
      return;
    }
    const value = (n: number) => (fields[n - 1] as Field).value;
    const expect = (n: number, expected: string, quoted: boolean) => {
      const field = fields[n - 1] as Field;
      if (field.value !== expected || field.quoted !== quoted) {
        this.#add({
          line,
          field: n,
          code: "header",
          message: `header field ${n} must be ${quoted ? `"${expected}"` : expected}`,
        });
      }
    };
    expect(1, "EXTF", true);
    expect(2, "700", false);
    expect(3, "21", false);
    expect(4, "Buchungsstapel", true);
    expect(5, "13", false);
    if (!/^\d{17}$/.test(value(6)) || dayNumber(value(6).slice(0, 8)) === undefined) {
      this.#add({ line, field: 6, code: "header", message: "Erzeugt am must be YYYYMMDDHHMMSSFFF" });
    }
    if (value(9).length > 25)
      this.#add({ line, field: 9, code: "header", message: "Exportiert von is at most 25 characters" });
    const range = (n: number, name: string, min: number, max: number) => {
      const number = /^\d+$/.test(value(n)) ? Number(value(n)) : Number.NaN;
      if (!(number >= min && number <= max))
        this.#add({ line, field: n, code: "header", message: `${name} must be ${min}–${max}` });
      return number;
    };
    range(11, "Beraternummer", 1001, 9_999_999);
    range(12, "Mandantennummer", 1, 99_999);
    const accountLength = range(14, "Sachkontenlänge", 4, 8);
    const fiscalStart = dayNumber(value(13));
    const from = dayNumber(value(15));
    const to = dayNumber(value(16));
    if (fiscalStart === undefined)
      this.#add({ line, field: 13, code: "header", message: "WJ-Beginn must be a date YYYYMMDD" });
    if (from === undefined || to === undefined) {
      this.#add({
        line,
        field: from === undefined ? 15 : 16,
        code: "header",
        message: "Datum vom/bis must be dates YYYYMMDD",
      });
    } else {
      if (from > to) this.#add({ line, field: 15, code: "header", message: "Datum vom is after Datum bis" });
      if (Math.floor(from / 10_000) !== Math.floor(to / 10_000)) {
        this.#add({
          line,
          field: 16,
          code: "header",
          message: "Datum vom and bis must lie in one calendar year",
        });
      }
      if (fiscalStart !== undefined && (from < fiscalStart || to >= fiscalStart + 10_000)) {
        this.#add({
          line,
          field: 13,
          code: "header",
          message: "the batch must lie inside the fiscal year starting at WJ-Beginn",
        });
      }
    }
    if (value(17).length > 30)
      this.#add({ line, field: 17, code: "header", message: "Bezeichnung is at most 30 characters" });
    if (value(18) !== "" && !/^[A-Z]{2}$/.test(value(18)))
      this.#add({ line, field: 18, code: "header", message: "Diktatkürzel is two capital letters" });
    expect(19, "1", false);
    if (value(21) !== "0" && value(21) !== "1")
      this.#add({ line, field: 21, code: "header", message: "Festschreibung must be 0 or 1" });
    if (!/^[A-Z]{3}$/.test(value(22)))
      this.#add({ line, field: 22, code: "header", message: "WKZ must be three capital letters" });
    const chart = value(27) === "03" ? "SKR03" : value(27) === "04" ? "SKR04" : undefined;
    if (!chart)
      this.#add({ line, field: 27, code: "header", message: 'Sachkontenrahmen must be "03" or "04"' });
    if (value(31).length > 16)
      this.#add({
        line,
        field: 31,
        code: "header",
        message: "Anwendungsinformation is at most 16 characters",
      });
    if (from !== undefined && to !== undefined) this.#header = { from, to, accountLength, chart };
  }

  #checkRow(text: string): void {
    const line = this.#line;
    const fields = splitExtfLine(text);
    if (!fields) {
      this.#add({ line, code: "quoting", message: "unbalanced quotes" });
      return;
    }
    if (fields.length !== EXTF_COLUMNS.length) {
      this.#add({
        line,
        code: "columns",
        message: `${fields.length} fields, expected ${EXTF_COLUMNS.length}`,
      });
      return;
    }
    const add = (field: number, code: string, message: string) => this.#add({ line, field, code, message });
    const at = (n: number) => fields[n - 1] as Field;
    const numberField = (n: number, name: string, pattern: RegExp, required: boolean) => {
      const field = at(n);
      if (field.quoted) add(n, "quoting", `${name} is a number and is not quoted`);
      else if (field.value === "" ? required : !pattern.test(field.value))
        add(n, "format", `${name} ${JSON.stringify(field.value)} has the wrong format`);
      return field.value;
    };
    const textField = (n: number, name: string, max: number) => {
      const field = at(n);
      if (field.value !== "" && !field.quoted) add(n, "quoting", `${name} is text and must be quoted`);
      if (field.value.length > max) add(n, "length", `${name} is longer than ${max} characters`);
      return field.value;
    };
    // One look at the whole line; only a line with a control character is searched field by field.
    if (CONTROL.test(text)) {
      for (let n = 1; n <= fields.length; n += 1) {
        if (CONTROL.test(at(n).value)) add(n, "control", `field ${n} holds a control character`);
      }
    }
    const amount = numberField(1, "Umsatz", /^\d{1,10},\d{2}$/, true);
    if (/^0+,00$/.test(amount)) add(1, "amount-zero", "Umsatz must not be zero");
    const sh = textField(2, "Soll/Haben-Kennzeichen", 1);
    if (sh !== "S" && sh !== "H") add(2, "format", 'Soll/Haben-Kennzeichen must be "S" or "H"');
    const wkz = textField(3, "WKZ Umsatz", 3);
    if (wkz !== "" && !/^[A-Z]{3}$/.test(wkz)) add(3, "format", "WKZ Umsatz is three capital letters");
    const kurs = numberField(4, "Kurs", /^[1-9]\d{0,3},\d{2,6}$/, false);
    const basis = numberField(5, "Basis-Umsatz", /^\d{1,10},\d{2}$/, false);
    const basisWkz = textField(6, "WKZ Basis-Umsatz", 3);
    if ((basis === "") !== (basisWkz === ""))
      add(5, "pair", "Basis-Umsatz and WKZ Basis-Umsatz come together");
    if (kurs !== "" && basis === "") add(4, "pair", "Kurs needs Basis-Umsatz");
    const length = this.#header?.accountLength ?? 8;
    const account = new RegExp(`^\\d{1,${length + 1}}$`);
    const konto = numberField(7, "Konto", account, true);
    const gegenkonto = numberField(8, "Gegenkonto", account, true);
    // The header's Sachkontenlänge is every account's: a Sachkonto has that many digits, a
    // Personenkonto (Debitor/Kreditor) one more — a shorter number would be read as another account.
    if (this.#header) {
      for (const [n, name, number] of [
        [7, "Konto", konto],
        [8, "Gegenkonto", gegenkonto],
      ] as const) {
        if (/^\d+$/.test(number) && number.length !== length && number.length !== length + 1)
          add(
            n,
            "account-length",
            `${name} ${number} has ${number.length} digits; the header's Sachkontenlänge is ${length} (Sachkonto ${length}, Personenkonto ${length + 1} digits)`,
          );
      }
    }
    if (konto !== "" && konto === gegenkonto) add(8, "accounts", "Konto and Gegenkonto are the same account");
    const bu = textField(9, "BU-Schlüssel", 4);
    if (bu !== "") {
      if (!/^\d{1,4}$/.test(bu)) add(9, "format", "BU-Schlüssel is 1–4 digits");
      const chart = this.#header?.chart;
      if (
        chart &&
        bu !== "40" &&
        (AUTOMATIC_ACCOUNTS[chart].has(konto) || AUTOMATIC_ACCOUNTS[chart].has(gegenkonto))
      ) {
        add(9, "bu-automatic", "a BU-Schlüssel on an automatic account");
      }
    }
    const belegdatum = numberField(10, "Belegdatum", /^\d{4}$/, true);
    if (/^\d{4}$/.test(belegdatum) && this.#header) {
      const year = Math.floor(this.#header.from / 10_000);
      const day = Number(belegdatum.slice(0, 2));
      const month = Number(belegdatum.slice(2, 4));
      const full = year * 10_000 + month * 100 + day;
      if (!validDay(year, month, day))
        add(10, "date", `Belegdatum ${belegdatum} is not a day (TTMM) of ${year}`);
      else if (full < this.#header.from || full > this.#header.to)
        add(10, "date", `Belegdatum ${belegdatum} lies outside Datum vom–bis`);
    }
    const beleg1 = textField(11, "Belegfeld 1", 36);
    if (!/^[A-Za-z0-9$&%*+\-/]*$/.test(beleg1))
      add(11, "beleg1-chars", "Belegfeld 1 admits A–Z a–z 0–9 $ & % * + - / only");
    textField(12, "Belegfeld 2", 12);
    numberField(13, "Skonto", /^\d{1,8},\d{2}$/, false);
    textField(14, "Buchungstext", 60);
    for (let n = 21; n <= 36; n += 2) {
      textField(n, `Beleginfo-Art ${(n - 19) / 2}`, 20);
      textField(n + 1, `Beleginfo-Inhalt ${(n - 19) / 2}`, 210);
    }
    const guid = textField(103, "Buchungs GUID", 36);
    if (guid !== "" && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(guid))
      add(103, "format", "Buchungs GUID is a 36-character GUID");
    numberField(114, "Festschreibung", /^[01]$/, false);
    numberField(118, "Generalumkehr", /^[01]$/, false);
  }
}

/** Checks a whole file held in memory (tests, small files). */
export function validateExtf(bytes: Uint8Array): ExtfFinding[] {
  const validator = new ExtfValidator();
  validator.push(bytes);
  return validator.finish();
}
