/**
 * Amazon Pay's settlement flat file as on the wire (reference/accounting.md §1.6): the one
 * definition of its preamble and of its 15 body columns, in file order. The emulator's report
 * writer (`emulator/reports/settlement-file.ts`) builds each row as a {@link SettlementReportRecord}
 * and turns it into cells with {@link settlementReportCells}; the gateway's parser
 * (`accounting/settlement-parser.ts`) checks the header against {@link SETTLEMENT_COLUMN_NAMES} and
 * reads each row back with {@link settlementReportRecord}. A column added, renamed or moved here
 * changes both sides at once. Cells are text, as in the file; converting amounts into integer
 * money and dates into epochs is each side's job.
 */

/** What a column's cells hold: `date` `YYYY-MM-DDTHH:MM:SS +0000`, `amount` signed dot decimal. */
export type SettlementCellKind = "date" | "id" | "text" | "amount";

export const SETTLEMENT_REPORT_COLUMNS = [
  { name: "TransactionPostedDate", kind: "date" },
  { name: "SettlementId", kind: "id" },
  { name: "AmazonTransactionId", kind: "id" },
  { name: "SellerReferenceId", kind: "text" },
  { name: "TransactionType", kind: "text" },
  { name: "AmazonOrderReferenceId", kind: "id" },
  { name: "SellerOrderId", kind: "text" },
  { name: "StoreName", kind: "text" },
  { name: "CurrencyCode", kind: "text" },
  { name: "TransactionDescription", kind: "text" },
  { name: "TransactionAmount", kind: "amount" },
  { name: "TransactionPercentageFee", kind: "amount" },
  { name: "TransactionFixedFee", kind: "amount" },
  { name: "TotalTransactionFee", kind: "amount" },
  { name: "NetTransactionAmount", kind: "amount" },
] as const satisfies readonly { readonly name: string; readonly kind: SettlementCellKind }[];

export type SettlementColumnName = (typeof SETTLEMENT_REPORT_COLUMNS)[number]["name"];

/** The header line's names in file order. */
export const SETTLEMENT_COLUMN_NAMES: readonly SettlementColumnName[] = SETTLEMENT_REPORT_COLUMNS.map(
  (column) => column.name,
);

/** One body row as its text cells, by column name. */
export type SettlementReportRecord = Readonly<Record<SettlementColumnName, string>>;

/** The record's cells in the table's order (the writer's side). */
export function settlementReportCells(record: SettlementReportRecord): string[] {
  return SETTLEMENT_COLUMN_NAMES.map((name) => record[name]);
}

/** The cells of one body row by column name (the reader's side); `cells` must have one per column. */
export function settlementReportRecord(cells: readonly string[]): SettlementReportRecord {
  if (cells.length !== SETTLEMENT_COLUMN_NAMES.length) {
    throw new RangeError(`${cells.length} cells, expected ${SETTLEMENT_COLUMN_NAMES.length}`);
  }
  return Object.fromEntries(
    SETTLEMENT_COLUMN_NAMES.map((name, i) => [name, cells[i] as string]),
  ) as SettlementReportRecord;
}

/** The two title lines before the key/value preamble, as Amazon writes them. */
export const SETTLEMENT_REPORT_TITLE = ["Amazon Payments Advanced", "Settlement Report"] as const;

/** The preamble's keys, in file order: one `"key","value"` line each. */
export const SETTLEMENT_PREAMBLE_KEYS = ["SellerId", "SettlementStartDate", "SettlementEndDate"] as const;
export type SettlementPreambleKey = (typeof SETTLEMENT_PREAMBLE_KEYS)[number];

/**
 * Every TransactionType the reference lists (§1.6); the emulator writes Capture, Refund, Transfer
 * and Debt, the gateway books all of them.
 */
export const SETTLEMENT_TRANSACTION_TYPES = [
  "Capture",
  "Refund",
  "Chargeback",
  "A-to-z Guarantee Claim",
  "Dispute",
  "Adjustment",
  "Authorization",
  "Reserve",
  "Transfer",
  "Debt",
] as const;
export type SettlementTransactionType = (typeof SETTLEMENT_TRANSACTION_TYPES)[number];
