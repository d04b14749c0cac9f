/**
 * Writes a DATEV-Format "Buchungsstapel" (EXTF header version 700, category 21, format version
 * 13) line by line: the 31-field header, the 125 column headings, then one line per booking, each
 * ended by CRLF and encoded as Windows-1252. Text is quoted with `""` escaping and stripped of
 * control characters; amounts are positive with a decimal comma and S/H; Belegdatum is TTMM.
 * Fields DATEV limits are cut to their length, and whatever a cut could lose stays whole in a
 * Beleginfo field (docs/accounting.md "DATEV export").
 */
import { createHash } from "node:crypto";
import { currencyExponent } from "../core/money.js";
import type { Chart } from "./booking-rules.js";
import { encodeCp1252, toCp1252Text } from "./cp1252.js";
import { COLUMN, EXTF_COLUMNS } from "./extf-columns.js";

export const MAX_ROWS_PER_FILE = 99_999;
export const LIMITS = {
  buchungstext: 60,
  belegfeld1: 36,
  belegfeld2: 12,
  beleginfoArt: 20,
  beleginfoInhalt: 210,
  bezeichnung: 30,
  exportedBy: 25,
} as const;

export interface ExtfHeader {
  /** "Erzeugt am", `YYYYMMDDHHMMSSFFF`. */
  readonly createdAt: string;
  readonly exportedBy: string;
  readonly consultantNumber: number;
  readonly clientNumber: number;
  /** WJ-Beginn, `YYYYMMDD`. */
  readonly fiscalYearStart: number;
  readonly accountLength: number;
  readonly from: number;
  readonly to: number;
  readonly label: string;
  readonly festschreibung: boolean;
  readonly currency: string;
  readonly chart: Chart;
}

export interface ExtfBooking {
  /** Positive minor units of `currency`. */
  readonly amount: number;
  readonly currency: string;
  readonly konto: string;
  readonly gegenkonto: string;
  readonly buKey: string;
  /** `YYYYMMDD`; the file carries TTMM, the year is the header's. */
  readonly day: number;
  readonly belegfeld1: string;
  readonly buchungstext: string;
  /** Up to eight pairs (Art, Inhalt). */
  readonly beleginfo: readonly (readonly [string, string])[];
  readonly guid: string;
  readonly generalumkehr: boolean;
}

export const CRLF = "\r\n";

const CONTROL = /\p{Cc}/u;
const CONTROLS = /\p{Cc}/gu;

/** A text field: Windows-1252-safe, no control characters, cut to `max`, quoted. */
export function textField(value: string, max?: number): string {
  const safe = toCp1252Text(value);
  const clean = CONTROL.test(safe) ? safe.replace(CONTROLS, " ") : safe;
  // Windows-1252-safe text has one UTF-16 unit per character, so length counts characters.
  const cut = max === undefined || clean.length <= max ? clean : clean.slice(0, max);
  return `"${cut.replaceAll('"', '""')}"`;
}

const UMLAUTS: Readonly<Record<string, string>> = {
  ä: "ae",
  ö: "oe",
  ü: "ue",
  Ä: "Ae",
  Ö: "Oe",
  Ü: "Ue",
  ß: "ss",
};

/**
 * Belegfeld 1 admits `A–Z a–z 0–9 $ & % * + - /`: umlauts are spelled out, accents dropped,
 * anything else becomes "-", then the cut to 36 (the whole reference is kept in Beleginfo).
 */
export function belegfeld1Of(reference: string): string {
  return reference
    .replace(/[äöüÄÖÜß]/g, (char) => UMLAUTS[char] ?? char)
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^A-Za-z0-9$&%*+\-/]/g, "-")
    .slice(0, LIMITS.belegfeld1);
}

/** Minor units → `1234,56` (always two decimals, DATEV's form). */
export function datevAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor) || minor <= 0)
    throw new RangeError(`DATEV amounts are positive integers of minor units, got ${minor}`);
  const exponent = currencyExponent(currency);
  const digits = String(minor).padStart(exponent + 1, "0");
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = (exponent === 0 ? "" : digits.slice(-exponent)).padEnd(2, "0");
  if (fraction.length > 2) throw new RangeError(`${currency} has more than two decimals`);
  return `${whole},${fraction}`;
}

export function headerLine(header: ExtfHeader): string {
  const fields = [
    '"EXTF"',
    "700",
    "21",
    '"Buchungsstapel"',
    "13",
    header.createdAt,
    "",
    '"RE"',
    textField(header.exportedBy, LIMITS.exportedBy),
    '""',
    String(header.consultantNumber),
    String(header.clientNumber),
    String(header.fiscalYearStart),
    String(header.accountLength),
    String(header.from),
    String(header.to),
    textField(header.label, LIMITS.bezeichnung),
    '""',
    "1",
    "0",
    header.festschreibung ? "1" : "0",
    textField(header.currency),
    "",
    '""',
    "",
    "",
    `"${header.chart.slice(3)}"`,
    "",
    "",
    '""',
    '""',
  ];
  return fields.join(";");
}

export function columnsLine(): string {
  return EXTF_COLUMNS.join(";");
}

export function bookingLine(booking: ExtfBooking): string {
  const fields = new Array<string>(EXTF_COLUMNS.length).fill("");
  const set = (column: number, value: string) => {
    fields[column - 1] = value;
  };
  const day = String(booking.day);
  set(COLUMN.umsatz, datevAmount(booking.amount, booking.currency));
  set(COLUMN.sollHaben, '"S"');
  set(COLUMN.wkz, textField(booking.currency));
  set(COLUMN.konto, booking.konto);
  set(COLUMN.gegenkonto, booking.gegenkonto);
  set(COLUMN.buSchluessel, textField(booking.buKey));
  set(COLUMN.belegdatum, `${day.slice(6, 8)}${day.slice(4, 6)}`);
  set(COLUMN.belegfeld1, textField(belegfeld1Of(booking.belegfeld1)));
  set(COLUMN.belegfeld2, '""');
  set(COLUMN.buchungstext, textField(booking.buchungstext, LIMITS.buchungstext));
  booking.beleginfo.slice(0, 8).forEach(([art, inhalt], index) => {
    set(COLUMN.beleginfoFirst + 2 * index, textField(art, LIMITS.beleginfoArt));
    set(COLUMN.beleginfoFirst + 2 * index + 1, textField(inhalt, LIMITS.beleginfoInhalt));
  });
  set(COLUMN.guid, textField(booking.guid));
  if (booking.generalumkehr) set(COLUMN.generalumkehr, "1");
  return fields.join(";");
}

/** The bytes of one line with its CRLF. */
export function encodedLine(line: string): Buffer {
  return encodeCp1252(line + CRLF);
}

/** A name-based UUID (version 5, RFC 9562) of `name` in Kasse's booking namespace: stable per booking. */
export function bookingGuid(name: string): string {
  const namespace = Buffer.from("6f1c2b3a4d5e4f60a7b8c9d0e1f2a3b4", "hex");
  const hash = createHash("sha1").update(namespace).update(name).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `EXTF_Buchungsstapel_<merchant>_<SKR>_<from>_<to>[_<n>von<m>].csv`: DATEV's prefix, safe characters. */
export function extfFileName(
  merchantId: string,
  chart: Chart,
  from: number,
  to: number,
  part: number,
  parts: number,
): string {
  const safe = merchantId.replace(/[^A-Za-z0-9-]/g, "-");
  const suffix = parts > 1 ? `_${part}von${parts}` : "";
  return `EXTF_Buchungsstapel_${safe}_${chart}_${from}_${to}${suffix}.csv`;
}
