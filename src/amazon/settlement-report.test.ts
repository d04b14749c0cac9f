import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SETTLEMENT_COLUMN_NAMES,
  SETTLEMENT_REPORT_COLUMNS,
  type SettlementReportRecord,
  settlementReportCells,
  settlementReportRecord,
} from "./settlement-report.js";

test("the table has the reference's 15 columns in file order (§1.6), each once", () => {
  assert.equal(SETTLEMENT_REPORT_COLUMNS.length, 15);
  assert.equal(new Set(SETTLEMENT_COLUMN_NAMES).size, 15);
  assert.equal(SETTLEMENT_COLUMN_NAMES[0], "TransactionPostedDate");
  assert.equal(SETTLEMENT_COLUMN_NAMES[14], "NetTransactionAmount");
  assert.deepEqual(
    SETTLEMENT_REPORT_COLUMNS.filter((column) => column.kind === "amount").map((column) => column.name),
    [
      "TransactionAmount",
      "TransactionPercentageFee",
      "TransactionFixedFee",
      "TotalTransactionFee",
      "NetTransactionAmount",
    ],
  );
});

test("a record becomes cells in table order and back", () => {
  const record = Object.fromEntries(
    SETTLEMENT_COLUMN_NAMES.map((name, i) => [name, `${name}-${i}`]),
  ) as SettlementReportRecord;
  const cells = settlementReportCells(record);
  assert.deepEqual(
    cells,
    SETTLEMENT_COLUMN_NAMES.map((name, i) => `${name}-${i}`),
  );
  assert.deepEqual(settlementReportRecord(cells), record);
  assert.throws(() => settlementReportRecord(cells.slice(1)), /14 cells, expected 15/);
});
