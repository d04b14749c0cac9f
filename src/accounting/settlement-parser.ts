/**
 * Reads an Amazon Pay settlement flat file (docs/accounting.md "What is imported"): UTF-8 with or
 * without BOM, LF or CRLF, comma-separated and double-quoted, a key/value preamble found by
 * content (`SellerId`, `SettlementStartDate`, `SettlementEndDate`), then the 15-column header
 * (trailing empty cell tolerated) and one row per balance movement. Preamble keys and columns are
 * `amazon/settlement-report.ts`'s table, the one the emulator's report writer follows. Money is parsed from the
 * signed dot-decimal text into integer minor units — never through a float. Anything that does not
 * fit is a {@link SettlementFileError} naming the line and the field: a file is read whole or not.
 */
import {
  SETTLEMENT_COLUMN_NAMES,
  SETTLEMENT_TRANSACTION_TYPES,
  type SettlementColumnName,
  type SettlementPreambleKey,
  type SettlementTransactionType,
  settlementReportRecord,
} from "../amazon/settlement-report.js";
import { isSupportedCurrency, parseDecimal } from "../core/money.js";

/** The types Kasse books (docs/accounting.md "Booking rules"); any other is refused. */
export const TRANSACTION_TYPES = SETTLEMENT_TRANSACTION_TYPES;
export type TransactionType = SettlementTransactionType;

export interface SettlementLine {
  /** 1-based number of the body row (the booking references it). */
  readonly lineNo: number;
  readonly postedAt: number;
  readonly amazonTransactionId: string;
  readonly sellerReferenceId: string;
  readonly type: TransactionType;
  readonly chargePermissionId: string;
  readonly sellerOrderId: string;
  readonly description: string;
  /** Signed from the merchant's view (credit positive), minor units. */
  readonly amount: number;
  readonly percentageFee: number;
  readonly fixedFee: number;
  readonly totalFee: number;
  readonly net: number;
}

export interface SettlementFile {
  readonly sellerId: string;
  readonly settlementId: string;
  readonly storeName: string;
  readonly currency: string;
  readonly start: number;
  readonly end: number;
  readonly lines: readonly SettlementLine[];
}

/** Why a file was refused: `line` is the physical line (1-based), `field` the column when one is at fault. */
export class SettlementFileError extends Error {
  override name = "SettlementFileError";
  constructor(
    readonly code:
      | "truncated"
      | "malformed"
      | "missing_header"
      | "unknown_transaction_type"
      | "invalid_amount"
      | "inconsistent_amounts"
      | "invalid_date"
      | "mixed_settlements"
      | "foreign_currency"
      | "outside_period"
      | "empty",
    message: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

/**
 * Splits quoted CSV into records of cells. A quote opens a quoted cell only at a cell's start;
 * `""` inside is one quote; commas and line breaks inside quotes belong to the cell. The text must
 * end with a line break outside quotes — a file cut anywhere else is reported as truncated.
 */
export function csvRecords(text: string): { cells: string[]; line: number }[] {
  const records: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else {
          quoted = false;
          afterQuote = true;
        }
      } else {
        if (char === "\n") line += 1;
        cell += char;
      }
      continue;
    }
    if (char === ",") {
      cells.push(cell);
      cell = "";
      afterQuote = false;
    } else if (char === "\n" || (char === "\r" && text[i + 1] === "\n")) {
      if (char === "\r") i += 1;
      cells.push(cell);
      records.push({ cells, line: recordLine });
      cells = [];
      cell = "";
      afterQuote = false;
      line += 1;
      recordLine = line;
    } else if (char === '"' && cell === "" && !afterQuote) {
      quoted = true;
    } else if (char === "\r" && i === text.length - 1) {
      throw new SettlementFileError("truncated", "the file ends in the middle of a line break", line);
    } else if (afterQuote || char === '"' || char === "\r") {
      throw new SettlementFileError("malformed", `unexpected ${JSON.stringify(char)} in a cell`, line);
    } else {
      cell += char;
    }
  }
  if (quoted) throw new SettlementFileError("truncated", "the file ends inside a quoted cell", line);
  if (cell !== "" || cells.length > 0 || afterQuote) {
    throw new SettlementFileError("truncated", "the file ends in the middle of a line", line);
  }
  return records;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}) ?(Z|[+-]\d{2}:?\d{2})$/;

/** `2026-01-15T10:00:00 +0000` (the space is optional, `+01:00` and `Z` accepted) → epoch ms. */
export function parseSettlementDate(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, zone = "Z"] = match;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const local = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]);
  const check = new Date(local);
  if (
    check.getUTCMonth() !== parts[1] - 1 ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4]
  ) {
    return undefined;
  }
  if (zone === "Z") return local;
  const digits = zone.replace(":", "");
  const offsetHours = Number(digits.slice(1, 3));
  const offsetMinutes = Number(digits.slice(3, 5));
  if (offsetHours > 14 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000 * (digits[0] === "-" ? -1 : 1);
  return local - offset;
}

/** Signed dot-decimal (`"-0.30"`, `"0"`, `"1234.5"`) → minor units; `undefined` when not exact. */
export function parseSettlementAmount(text: string, currency: string): number | undefined {
  if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(text)) return undefined;
  const parsed = parseDecimal(text, currency);
  return parsed.ok ? parsed.minor : undefined;
}

function isTransactionType(value: string): value is TransactionType {
  return (TRANSACTION_TYPES as readonly string[]).includes(value);
}

/**
 * Parses the file's bytes. `ledgerCurrency` is the only currency a line may carry (Kasse books one
 * currency per merchant); a line posted outside the settlement period is refused as well.
 */
export function parseSettlementFile(bytes: Uint8Array, ledgerCurrency: string): SettlementFile {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new SettlementFileError("malformed", "the file is not valid UTF-8");
  }
  if (text.startsWith("\ufeff")) text = text.slice(1);
  if (text.trim() === "") throw new SettlementFileError("empty", "the file is empty");
  const records = csvRecords(text);
  const headerIndex = records.findIndex((record) => record.cells[0] === SETTLEMENT_COLUMN_NAMES[0]);
  if (headerIndex < 0) {
    throw new SettlementFileError(
      "missing_header",
      `no header line starting with "${SETTLEMENT_COLUMN_NAMES[0]}"`,
    );
  }
  const preamble = new Map<string, { value: string; line: number }>();
  for (const record of records.slice(0, headerIndex)) {
    const [key = "", value = ""] = record.cells;
    if (key !== "") preamble.set(key, { value, line: record.line });
  }
  const header = records[headerIndex] as { cells: string[]; line: number };
  const names = header.cells.at(-1) === "" ? header.cells.slice(0, -1) : header.cells;
  if (
    names.length !== SETTLEMENT_COLUMN_NAMES.length ||
    names.some((name, i) => name !== SETTLEMENT_COLUMN_NAMES[i])
  ) {
    throw new SettlementFileError(
      "missing_header",
      `the header must be the ${SETTLEMENT_COLUMN_NAMES.length} settlement columns ${SETTLEMENT_COLUMN_NAMES.join(", ")}`,
      header.line,
    );
  }
  const sellerId = preamble.get("SellerId")?.value ?? "";
  if (sellerId === "") throw new SettlementFileError("missing_header", "the preamble has no SellerId");
  const periodDate = (key: SettlementPreambleKey): number => {
    const entry = preamble.get(key);
    const epoch = entry === undefined ? undefined : parseSettlementDate(entry.value);
    if (epoch === undefined) {
      throw new SettlementFileError("invalid_date", `${key} is missing or not a date`, entry?.line, key);
    }
    return epoch;
  };
  const start = periodDate("SettlementStartDate");
  const end = periodDate("SettlementEndDate");
  if (end < start)
    throw new SettlementFileError("invalid_date", "SettlementEndDate is before SettlementStartDate");
  if (!isSupportedCurrency(ledgerCurrency))
    throw new RangeError(`unsupported ledger currency ${ledgerCurrency}`);

  const lines: SettlementLine[] = [];
  let settlementId = "";
  let storeName = "";
  for (const record of records.slice(headerIndex + 1)) {
    const { cells, line } = record;
    if (cells.length === 1 && cells[0] === "") continue;
    if (cells.length !== SETTLEMENT_COLUMN_NAMES.length) {
      throw new SettlementFileError(
        cells.length < SETTLEMENT_COLUMN_NAMES.length ? "truncated" : "malformed",
        `${cells.length} cells, expected ${SETTLEMENT_COLUMN_NAMES.length}`,
        line,
      );
    }
    const row = settlementReportRecord(cells);
    const cell = (name: SettlementColumnName) => row[name];
    const type = cell("TransactionType");
    if (!isTransactionType(type)) {
      throw new SettlementFileError(
        "unknown_transaction_type",
        `unknown TransactionType ${JSON.stringify(type)}; known: ${TRANSACTION_TYPES.join(", ")}`,
        line,
        "TransactionType",
      );
    }
    const currency = cell("CurrencyCode");
    if (currency !== ledgerCurrency) {
      throw new SettlementFileError(
        "foreign_currency",
        `CurrencyCode ${JSON.stringify(currency)} is not the ledger currency ${ledgerCurrency}`,
        line,
        "CurrencyCode",
      );
    }
    const id = cell("SettlementId");
    if (!/^\d{1,20}$/.test(id)) {
      throw new SettlementFileError(
        "malformed",
        `SettlementId ${JSON.stringify(id)} is not numeric`,
        line,
        "SettlementId",
      );
    }
    if (settlementId === "") settlementId = id;
    else if (id !== settlementId) {
      throw new SettlementFileError(
        "mixed_settlements",
        `SettlementId ${id} differs from ${settlementId}`,
        line,
        "SettlementId",
      );
    }
    storeName = cell("StoreName");
    const postedAt = parseSettlementDate(cell("TransactionPostedDate"));
    if (postedAt === undefined) {
      throw new SettlementFileError(
        "invalid_date",
        "TransactionPostedDate is not a date",
        line,
        "TransactionPostedDate",
      );
    }
    if (postedAt < start || postedAt > end) {
      throw new SettlementFileError(
        "outside_period",
        "TransactionPostedDate lies outside SettlementStartDate–SettlementEndDate",
        line,
        "TransactionPostedDate",
      );
    }
    const money = (name: SettlementColumnName): number => {
      const value = parseSettlementAmount(cell(name), currency);
      if (value === undefined) {
        throw new SettlementFileError(
          "invalid_amount",
          `${name} ${JSON.stringify(cell(name))} is not an exact ${currency} amount`,
          line,
          name,
        );
      }
      return value;
    };
    const amount = money("TransactionAmount");
    const percentageFee = money("TransactionPercentageFee");
    const fixedFee = money("TransactionFixedFee");
    const totalFee = money("TotalTransactionFee");
    const net = money("NetTransactionAmount");
    if (percentageFee + fixedFee !== totalFee) {
      throw new SettlementFileError(
        "inconsistent_amounts",
        "TotalTransactionFee is not the sum of the percentage and fixed fee",
        line,
        "TotalTransactionFee",
      );
    }
    if (amount + totalFee !== net) {
      throw new SettlementFileError(
        "inconsistent_amounts",
        "NetTransactionAmount is not TransactionAmount + TotalTransactionFee",
        line,
        "NetTransactionAmount",
      );
    }
    lines.push({
      lineNo: lines.length + 1,
      postedAt,
      amazonTransactionId: cell("AmazonTransactionId"),
      sellerReferenceId: cell("SellerReferenceId"),
      type,
      chargePermissionId: cell("AmazonOrderReferenceId"),
      sellerOrderId: cell("SellerOrderId"),
      description: cell("TransactionDescription"),
      amount,
      percentageFee,
      fixedFee,
      totalFee,
      net,
    });
  }
  if (lines.length === 0) throw new SettlementFileError("empty", "the settlement has no transaction lines");
  return { sellerId, settlementId, storeName, currency: ledgerCurrency, start, end, lines };
}
