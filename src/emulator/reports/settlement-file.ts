import { createHash } from "node:crypto";
import {
  SETTLEMENT_COLUMN_NAMES,
  SETTLEMENT_PREAMBLE_KEYS,
  SETTLEMENT_REPORT_TITLE,
  type SettlementPreambleKey,
  type SettlementReportRecord,
  type SettlementTransactionType,
  settlementReportCells,
} from "../../amazon/settlement-report.js";
import { formatDecimal } from "../../core/money.js";

/**
 * The settlement flat file (reference/accounting.md §1.6): UTF-8 with BOM, LF, every field
 * double-quoted, a five-line preamble, a 15-column header with a trailing comma, then one row
 * per balance movement. The columns are `amazon/settlement-report.ts`'s table, which the gateway's
 * parser reads by as well. Pure and deterministic: the same input gives the same bytes.
 */

export interface FeeRate {
  /** Percentage fee in hundredths of a percent: 190 = 1.90 %. */
  readonly percentageBasisPoints: number;
  /** Fixed fee per capture in minor units (Amazon's per-authorization fee, §1.6). */
  readonly fixedMinor: number;
}

export interface FeeModel {
  /** Rate per currency; `default` for any currency not listed. */
  readonly rates: Readonly<Record<string, FeeRate>> & { readonly default: FeeRate };
  /** Refund rows give back the percentage fee of the refunded amount; the fixed fee never. */
  readonly refundReturnsPercentageFee: boolean;
}

/**
 * Roughly Amazon Pay's published standard rates: 1.9 % + 0.35 EUR (DE/AT), 1.9 % + 0.20 GBP,
 * 2.9 % + 0.30 USD, 3.9 % in Japan; the authorization fee is not refundable (accounting.md §1.6).
 */
export const DEFAULT_FEE_MODEL: FeeModel = {
  rates: {
    EUR: { percentageBasisPoints: 190, fixedMinor: 35 },
    GBP: { percentageBasisPoints: 190, fixedMinor: 20 },
    USD: { percentageBasisPoints: 290, fixedMinor: 30 },
    JPY: { percentageBasisPoints: 390, fixedMinor: 0 },
    default: { percentageBasisPoints: 190, fixedMinor: 0 },
  },
  refundReturnsPercentageFee: true,
};

/** A completed capture or refund as the settlement sees it; amounts positive, minor units. */
export interface SettlementTransaction {
  readonly type: "Capture" | "Refund";
  readonly postedAt: number;
  readonly amazonTransactionId: string;
  readonly chargePermissionId: string;
  readonly sellerReferenceId: string;
  readonly sellerOrderId: string;
  readonly currency: string;
  readonly amountMinor: number;
}

export interface SettlementInput {
  readonly sellerId: string;
  readonly storeName: string;
  readonly settlementId: string;
  /** Half-open period [start, end) in epoch milliseconds. */
  readonly start: number;
  readonly end: number;
  readonly transactions: readonly SettlementTransaction[];
  readonly feeModel: FeeModel;
}

export type SettlementRowType = Extract<
  SettlementTransactionType,
  "Capture" | "Refund" | "Transfer" | "Debt"
>;

/** One body row, money signed from the merchant's view (credit positive), in minor units. */
export interface SettlementRow {
  readonly postedAt: number;
  readonly amazonTransactionId: string;
  readonly sellerReferenceId: string;
  readonly type: SettlementRowType;
  readonly chargePermissionId: string;
  readonly sellerOrderId: string;
  readonly currency: string;
  readonly description: string;
  readonly amount: number;
  readonly percentageFee: number;
  readonly fixedFee: number;
}

function rateOf(model: FeeModel, currency: string): FeeRate {
  return model.rates[currency] ?? model.rates.default;
}

/** Percentage of a positive minor amount, rounded half up, exactly in integers. */
export function percentageFeeMinor(amountMinor: number, basisPoints: number): number {
  return Math.floor((amountMinor * basisPoints + 5_000) / 10_000);
}

/**
 * The body rows: captures (fees charged) and refunds (percentage fee returned when the model
 * says so) in posting order, then per currency one payout that brings the balance back to zero:
 * `Transfer` (negative) when the period earned money, `Debt` (positive) when refunds outweighed
 * it. No reserve is withheld, so every file nets to zero per currency.
 */
export function settlementRows(input: SettlementInput): SettlementRow[] {
  const ordered = [...input.transactions].sort(
    (a, b) => a.postedAt - b.postedAt || compareText(a.amazonTransactionId, b.amazonTransactionId),
  );
  const rows: SettlementRow[] = ordered.map((transaction) => {
    const rate = rateOf(input.feeModel, transaction.currency);
    const percentage = percentageFeeMinor(transaction.amountMinor, rate.percentageBasisPoints);
    const capture = transaction.type === "Capture";
    return {
      postedAt: transaction.postedAt,
      amazonTransactionId: transaction.amazonTransactionId,
      sellerReferenceId: transaction.sellerReferenceId,
      type: transaction.type,
      chargePermissionId: transaction.chargePermissionId,
      sellerOrderId: transaction.sellerOrderId,
      currency: transaction.currency,
      description: "",
      amount: capture ? transaction.amountMinor : -transaction.amountMinor,
      percentageFee: capture ? -percentage : input.feeModel.refundReturnsPercentageFee ? percentage : 0,
      fixedFee: capture ? -rate.fixedMinor : 0,
    };
  });
  const balances = new Map<string, number>();
  for (const row of rows) {
    balances.set(row.currency, (balances.get(row.currency) ?? 0) + netOf(row));
  }
  for (const [currency, balance] of [...balances].sort(([a], [b]) => compareText(a, b))) {
    if (balance === 0) continue;
    rows.push({
      postedAt: input.end,
      amazonTransactionId: "",
      sellerReferenceId: "",
      type: balance > 0 ? "Transfer" : "Debt",
      chargePermissionId: "",
      sellerOrderId: "",
      currency,
      description: balance > 0 ? "Disbursement to bank account" : "Debit from bank account",
      amount: -balance,
      percentageFee: 0,
      fixedFee: 0,
    });
  }
  return rows;
}

function netOf(row: SettlementRow): number {
  return row.amount + row.percentageFee + row.fixedFee;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The file's text without the byte order mark; {@link encodeSettlementFile} gives the bytes. */
export function renderSettlementFile(input: SettlementInput): string {
  const preamble: Record<SettlementPreambleKey, string> = {
    SellerId: input.sellerId,
    SettlementStartDate: settlementDate(input.start),
    SettlementEndDate: settlementDate(input.end),
  };
  const lines = [
    ...SETTLEMENT_REPORT_TITLE.map((title) => `${quote(title)},`),
    ...SETTLEMENT_PREAMBLE_KEYS.map((key) => line([key, preamble[key]])),
    `${line(SETTLEMENT_COLUMN_NAMES)},`,
  ];
  for (const row of settlementRows(input)) {
    lines.push(line(settlementReportCells(settlementRecord(input, row))));
  }
  return `${lines.join("\n")}\n`;
}

/** One body row as the file's text cells, by column name. */
function settlementRecord(input: SettlementInput, row: SettlementRow): SettlementReportRecord {
  const fee = row.percentageFee + row.fixedFee;
  return {
    TransactionPostedDate: settlementDate(row.postedAt),
    SettlementId: input.settlementId,
    AmazonTransactionId: row.amazonTransactionId,
    SellerReferenceId: row.sellerReferenceId,
    TransactionType: row.type,
    AmazonOrderReferenceId: row.chargePermissionId,
    SellerOrderId: row.sellerOrderId,
    StoreName: input.storeName,
    CurrencyCode: row.currency,
    TransactionDescription: row.description,
    TransactionAmount: settlementAmount(row.amount, row.currency),
    TransactionPercentageFee: settlementAmount(row.percentageFee, row.currency),
    TransactionFixedFee: settlementAmount(row.fixedFee, row.currency),
    TotalTransactionFee: settlementAmount(fee, row.currency),
    NetTransactionAmount: settlementAmount(row.amount + fee, row.currency),
  };
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The file as served: UTF-8 with a byte order mark (accounting.md §1.6). */
export function encodeSettlementFile(text: string): Buffer {
  return Buffer.concat([UTF8_BOM, Buffer.from(text, "utf8")]);
}

function quote(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

function line(values: readonly string[]): string {
  return values.map(quote).join(",");
}

/** `YYYY-MM-DDTHH:MM:SS +0000`: the fixtures' form (space before the offset), always UTC. */
export function settlementDate(epoch: number): string {
  return `${new Date(epoch).toISOString().slice(0, 19)} +0000`;
}

/** Dot decimal with the currency's exponent, signed; zero is written `0` (§1.6). */
export function settlementAmount(minor: number, currency: string): string {
  return minor === 0 ? "0" : formatDecimal(minor, currency);
}

/** An 11-digit settlement id derived from merchant, environment and period start (stable). */
export function settlementIdFor(merchantId: string, environment: string, start: number): string {
  const digest = createHash("sha256").update(`${merchantId}|${environment}|${start}`).digest();
  return String(10_000_000_000n + (digest.readBigUInt64BE(0) % 90_000_000_000n));
}
