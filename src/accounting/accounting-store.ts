/**
 * SQL of the accounting tables (migration 006): settings and versioned rule sets, the import of a
 * settlement in one transaction, reconciliation sums, bookings in keyset pages for the exports,
 * and the export log. Every function takes the merchant id; nothing reads another merchant's rows.
 */
import type { Database, Queryable } from "../store/database.js";
import { berlinDay } from "./berlin-time.js";
import {
  type BookingKind,
  type Chart,
  DEFAULT_RULES,
  legsOf,
  type Role,
  type RuleSet,
} from "./booking-rules.js";
import type { LineMatch } from "./payment-reader.js";
import type { SettlementFile, SettlementLine } from "./settlement-parser.js";

/** DATEV header settings per merchant (docs/accounting.md "DATEV settings"). */
export interface DatevSettings {
  readonly consultantNumber: number;
  readonly clientNumber: number;
  /** Month (1–12) the fiscal year starts in. */
  readonly fiscalYearStartMonth: number;
  /** Header #21: bookings locked on import. Off by default, so the advisor can review first. */
  readonly festschreibung: boolean;
  readonly exportedBy: string;
}

export const DEFAULT_DATEV: DatevSettings = {
  consultantNumber: 1001,
  clientNumber: 1,
  fiscalYearStartMonth: 1,
  festschreibung: false,
  exportedBy: "Kasse",
};

export interface AccountingSettings {
  readonly rulesVersion: number;
  readonly datev: DatevSettings;
}

export async function loadSettings(db: Queryable, merchantId: string): Promise<AccountingSettings> {
  const [row] = await db.query<{ rules_version: number; datev: Partial<DatevSettings> | string }>(
    "SELECT rules_version, datev FROM accounting_settings WHERE merchant_id = $1",
    [merchantId],
  );
  const datev = row ? (typeof row.datev === "string" ? JSON.parse(row.datev) : row.datev) : {};
  return { rulesVersion: row?.rules_version ?? 0, datev: { ...DEFAULT_DATEV, ...datev } };
}

export async function saveDatevSettings(
  db: Database,
  merchantId: string,
  datev: DatevSettings,
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO accounting_settings (merchant_id, datev, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (merchant_id) DO UPDATE SET datev = EXCLUDED.datev, updated_at = EXCLUDED.updated_at`,
    [merchantId, JSON.stringify(datev), now],
  );
}

/** Stores `rules` as the chart's rule set from a new version on; bookings made from now on record it. */
export async function saveRuleSet(
  db: Database,
  merchantId: string,
  rules: RuleSet,
  now: number,
): Promise<number> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ rules_version: number }>(
      `INSERT INTO accounting_settings (merchant_id, rules_version, updated_at) VALUES ($1, 1, $2)
       ON CONFLICT (merchant_id) DO UPDATE SET rules_version = accounting_settings.rules_version + 1, updated_at = $2
       RETURNING rules_version`,
      [merchantId, now],
    );
    const version = (row as { rules_version: number }).rules_version;
    await tx.query(
      "INSERT INTO accounting_rules (merchant_id, chart, version, rules, created_at) VALUES ($1, $2, $3, $4, $5)",
      [
        merchantId,
        rules.chart,
        version,
        JSON.stringify({ accounts: rules.accounts, buKeys: rules.buKeys }),
        now,
      ],
    );
    return version;
  });
}

/** The chart's rule set in force at `version` (the default when the merchant never changed it). */
export async function ruleSetAt(
  db: Queryable,
  merchantId: string,
  chart: Chart,
  version: number,
): Promise<RuleSet> {
  const [row] = await db.query<{ rules: Pick<RuleSet, "accounts" | "buKeys"> | string }>(
    `SELECT rules FROM accounting_rules WHERE merchant_id = $1 AND chart = $2 AND version <= $3
     ORDER BY version DESC LIMIT 1`,
    [merchantId, chart, version],
  );
  if (!row) return DEFAULT_RULES[chart];
  const rules = typeof row.rules === "string" ? JSON.parse(row.rules) : row.rules;
  return { chart, accounts: rules.accounts, buKeys: rules.buKeys };
}

export interface StoredReport {
  readonly sha256: string;
}

export async function findReport(
  db: Queryable,
  merchantId: string,
  reportId: string,
): Promise<StoredReport | undefined> {
  const [row] = await db.query<{ sha256: string }>(
    "SELECT sha256 FROM settlement_reports WHERE merchant_id = $1 AND report_id = $2",
    [merchantId, reportId],
  );
  return row;
}

export interface ImportRecord {
  readonly merchantId: string;
  readonly reportId: string;
  readonly reportDocumentId: string;
  readonly reportType: string;
  readonly createdTime: number;
  readonly content: Buffer;
  readonly sha256: string;
  readonly file: SettlementFile;
  readonly matches: ReadonlyMap<number, LineMatch>;
  readonly rulesVersion: number;
  readonly now: number;
}

/** Thrown inside the import transaction: the settlement id is already imported from another report. */
export class DuplicateSettlementError extends Error {
  override name = "DuplicateSettlementError";
}

/** The reference a booking carries in Belegfeld 1: the shop's order for payments, the settlement otherwise. */
export function documentRefOf(line: SettlementLine, settlementId: string): string {
  if (["Transfer", "Debt", "Reserve", "Adjustment", "Authorization"].includes(line.type)) return settlementId;
  return line.sellerOrderId || line.sellerReferenceId || line.amazonTransactionId || settlementId;
}

/**
 * Stores the raw report, the settlement, its lines and their bookings in one transaction.
 * `false` when the report was there already (a concurrent import won); nothing is written then.
 */
export async function storeImport(
  db: Database,
  record: ImportRecord,
): Promise<{ stored: boolean; bookings: number }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO settlement_reports (merchant_id, report_id, report_document_id, report_type, created_time, sha256, content, fetched_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING report_id`,
      [
        record.merchantId,
        record.reportId,
        record.reportDocumentId,
        record.reportType,
        record.createdTime,
        record.sha256,
        record.content,
        record.now,
      ],
    );
    if (inserted.length === 0) return { stored: false, bookings: 0 };
    const { file } = record;
    const payoutTypes = new Set(["Transfer", "Debt"]);
    const sum = (pick: (line: SettlementLine) => number) =>
      file.lines.reduce((total, line) => total + pick(line), 0);
    const settlement = await tx.query(
      `INSERT INTO settlements (merchant_id, settlement_id, report_id, seller_id, currency, period_start, period_end,
                                line_count, gross, fees, net, payout, imported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING RETURNING settlement_id`,
      [
        record.merchantId,
        file.settlementId,
        record.reportId,
        file.sellerId,
        file.currency,
        file.start,
        file.end,
        file.lines.length,
        sum((line) => (payoutTypes.has(line.type) ? 0 : line.amount)),
        sum((line) => line.totalFee),
        sum((line) => line.net),
        -sum((line) => (payoutTypes.has(line.type) ? line.amount : 0)),
        record.now,
      ],
    );
    if (settlement.length === 0) {
      throw new DuplicateSettlementError(
        `settlement ${file.settlementId} is imported already from another report`,
      );
    }
    const column = <T>(pick: (line: SettlementLine) => T) => file.lines.map(pick);
    const match = (line: SettlementLine) => record.matches.get(line.lineNo);
    await tx.query(
      `INSERT INTO settlement_lines (merchant_id, settlement_id, line_no, posted_at, transaction_type, amazon_transaction_id,
         seller_reference_id, charge_permission_id, seller_order_id, description, amount, percentage_fee, fixed_fee,
         total_fee, net, match_kind, pay_id, match_note)
       SELECT $1, $2, * FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
         $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::text[], $17::text[], $18::text[])`,
      [
        record.merchantId,
        file.settlementId,
        column((line) => line.lineNo),
        column((line) => line.postedAt),
        column((line) => line.type),
        column((line) => line.amazonTransactionId),
        column((line) => line.sellerReferenceId),
        column((line) => line.chargePermissionId),
        column((line) => line.sellerOrderId),
        column((line) => line.description),
        column((line) => line.amount),
        column((line) => line.percentageFee),
        column((line) => line.fixedFee),
        column((line) => line.totalFee),
        column((line) => line.net),
        column((line) => match(line)?.kind ?? "none"),
        column((line) => match(line)?.payId ?? null),
        column((line) => match(line)?.difference ?? null),
      ],
    );
    const legs = file.lines.flatMap((line) => legsOf(line).map((leg) => ({ line, leg })));
    const legColumn = <T>(pick: (entry: (typeof legs)[number]) => T) => legs.map(pick);
    if (legs.length > 0) {
      await tx.query(
        `INSERT INTO bookings (merchant_id, settlement_id, rules_version, created_at, currency, line_no, leg, kind, booking_day,
           posted_at, debit_role, credit_role, amount, document_ref, amazon_transaction_id, charge_permission_id, seller_order_id, pay_id)
         SELECT $1, $2, $3, $4, $5, * FROM unnest($6::int[], $7::text[], $8::text[], $9::int[], $10::bigint[], $11::text[],
           $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])`,
        [
          record.merchantId,
          file.settlementId,
          record.rulesVersion,
          record.now,
          file.currency,
          legColumn(({ line }) => line.lineNo),
          legColumn(({ leg }) => leg.leg),
          legColumn(({ leg }) => leg.kind),
          legColumn(({ line }) => berlinDay(line.postedAt)),
          legColumn(({ line }) => line.postedAt),
          legColumn(({ leg }) => leg.debitRole),
          legColumn(({ leg }) => leg.creditRole),
          legColumn(({ leg }) => leg.amount),
          legColumn(({ line }) => documentRefOf(line, file.settlementId)),
          legColumn(({ line }) => line.amazonTransactionId),
          legColumn(({ line }) => line.chargePermissionId),
          legColumn(({ line }) => line.sellerOrderId),
          legColumn(({ line }) => match(line)?.payId ?? null),
        ],
      );
    }
    return { stored: true, bookings: legs.length };
  });
}

export interface SettlementSummary {
  readonly settlementId: string;
  readonly reportId: string;
  readonly currency: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly lineCount: number;
  /** Σ TransactionAmount of all lines but payouts (Transfer/Debt). */
  readonly gross: number;
  readonly fees: number;
  readonly net: number;
  /** Paid out to the bank (positive), or taken from it (negative). */
  readonly payout: number;
  readonly importedAt: string;
}

interface SettlementRow {
  settlement_id: string;
  report_id: string;
  currency: string;
  period_start: number;
  period_end: number;
  line_count: number;
  gross: number;
  fees: number;
  net: number;
  payout: number;
  imported_at: number;
}

function summaryOf(row: SettlementRow): SettlementSummary {
  return {
    settlementId: row.settlement_id,
    reportId: row.report_id,
    currency: row.currency,
    periodStart: new Date(Number(row.period_start)).toISOString(),
    periodEnd: new Date(Number(row.period_end)).toISOString(),
    lineCount: row.line_count,
    gross: Number(row.gross),
    fees: Number(row.fees),
    net: Number(row.net),
    payout: Number(row.payout),
    importedAt: new Date(Number(row.imported_at)).toISOString(),
  };
}

/** A merchant's settlements, newest period first, `limit` at a time before `before` (a period start). */
export async function listSettlements(
  db: Queryable,
  merchantId: string,
  limit: number,
  before?: number,
): Promise<SettlementSummary[]> {
  const rows = await db.query<SettlementRow>(
    `SELECT * FROM settlements WHERE merchant_id = $1 AND period_start < $2 ORDER BY period_start DESC, settlement_id DESC LIMIT $3`,
    [merchantId, before ?? Number.MAX_SAFE_INTEGER, limit],
  );
  return rows.map(summaryOf);
}

export async function findSettlement(
  db: Queryable,
  merchantId: string,
  settlementId: string,
): Promise<SettlementSummary | undefined> {
  const [row] = await db.query<SettlementRow>(
    "SELECT * FROM settlements WHERE merchant_id = $1 AND settlement_id = $2",
    [merchantId, settlementId],
  );
  return row ? summaryOf(row) : undefined;
}

export async function settlementIdOfReport(
  db: Queryable,
  merchantId: string,
  reportId: string,
): Promise<string | undefined> {
  const [row] = await db.query<{ settlement_id: string }>(
    "SELECT settlement_id FROM settlements WHERE merchant_id = $1 AND report_id = $2",
    [merchantId, reportId],
  );
  return row?.settlement_id;
}

export interface LineBookingSums {
  readonly lineNo: number;
  readonly type: string;
  readonly amazonTransactionId: string;
  readonly amount: number;
  readonly totalFee: number;
  readonly net: number;
  readonly matchKind: string;
  readonly payId: string | null;
  readonly matchNote: string | null;
  readonly bookings: number;
  /** What the line's bookings do to the Amazon Pay account (reversals count negative). */
  readonly amazonPayDelta: number;
}

export async function lineBookingSums(
  db: Queryable,
  merchantId: string,
  settlementId: string,
): Promise<LineBookingSums[]> {
  const rows = await db.query<{
    line_no: number;
    transaction_type: string;
    amazon_transaction_id: string;
    amount: number;
    total_fee: number;
    net: number;
    match_kind: string;
    pay_id: string | null;
    match_note: string | null;
    bookings: number;
    delta: number | null;
  }>(
    `SELECT l.line_no, l.transaction_type, l.amazon_transaction_id, l.amount, l.total_fee, l.net, l.match_kind, l.pay_id, l.match_note,
            count(b.booking_id)::int AS bookings,
            sum(CASE WHEN b.reverses IS NULL THEN 1 ELSE -1 END *
                ((CASE WHEN b.debit_role = 'amazonPay' THEN b.amount ELSE 0 END) -
                 (CASE WHEN b.credit_role = 'amazonPay' THEN b.amount ELSE 0 END)))::bigint AS delta
     FROM settlement_lines l
     LEFT JOIN bookings b ON b.merchant_id = l.merchant_id AND b.settlement_id = l.settlement_id AND b.line_no = l.line_no
     WHERE l.merchant_id = $1 AND l.settlement_id = $2
     GROUP BY l.line_no, l.transaction_type, l.amazon_transaction_id, l.amount, l.total_fee, l.net, l.match_kind, l.pay_id, l.match_note
     ORDER BY l.line_no`,
    [merchantId, settlementId],
  );
  return rows.map((row) => ({
    lineNo: row.line_no,
    type: row.transaction_type,
    amazonTransactionId: row.amazon_transaction_id,
    amount: Number(row.amount),
    totalFee: Number(row.total_fee),
    net: Number(row.net),
    matchKind: row.match_kind,
    payId: row.pay_id,
    matchNote: row.match_note,
    bookings: Number(row.bookings),
    amazonPayDelta: Number(row.delta ?? 0),
  }));
}

export interface StoredBooking {
  readonly bookingId: number;
  readonly settlementId: string;
  readonly lineNo: number;
  readonly leg: "amount" | "fee";
  readonly kind: BookingKind;
  readonly day: number;
  readonly debitRole: Role;
  readonly creditRole: Role;
  readonly amount: number;
  readonly currency: string;
  readonly documentRef: string;
  readonly amazonTransactionId: string;
  readonly chargePermissionId: string;
  readonly sellerOrderId: string;
  readonly payId: string | null;
  readonly rulesVersion: number;
  readonly reverses: number | null;
}

interface BookingRow {
  booking_id: number;
  settlement_id: string;
  line_no: number;
  leg: "amount" | "fee";
  kind: BookingKind;
  booking_day: number;
  debit_role: Role;
  credit_role: Role;
  amount: number;
  currency: string;
  document_ref: string;
  amazon_transaction_id: string;
  charge_permission_id: string;
  seller_order_id: string;
  pay_id: string | null;
  rules_version: number;
  reverses: number | null;
}

function bookingOf(row: BookingRow): StoredBooking {
  return {
    bookingId: Number(row.booking_id),
    settlementId: row.settlement_id,
    lineNo: row.line_no,
    leg: row.leg,
    kind: row.kind,
    day: row.booking_day,
    debitRole: row.debit_role,
    creditRole: row.credit_role,
    amount: Number(row.amount),
    currency: row.currency,
    documentRef: row.document_ref,
    amazonTransactionId: row.amazon_transaction_id,
    chargePermissionId: row.charge_permission_id,
    sellerOrderId: row.seller_order_id,
    payId: row.pay_id,
    rulesVersion: row.rules_version,
    reverses: row.reverses === null ? null : Number(row.reverses),
  };
}

/**
 * What an export selects: the merchant's bookings of [fromDay, toDay] up to `maxBookingId`, and —
 * unless it is a deliberate re-export — none that an earlier export (`export_id < beforeExport`)
 * of the same chart already handed out.
 */
export interface BookingSelection {
  readonly merchantId: string;
  readonly chart: Chart;
  readonly fromDay: number;
  readonly toDay: number;
  readonly maxBookingId: number;
  readonly onlyNew: boolean;
  /** Earlier exports are those with a smaller id; `Infinity`-like for a new export. */
  readonly beforeExport: number;
}

const SELECTION = `b.merchant_id = $1 AND b.booking_day BETWEEN $2 AND $3 AND b.booking_id <= $4
  AND (NOT $5::boolean OR NOT EXISTS (
    SELECT 1 FROM accounting_exports e
    WHERE e.merchant_id = b.merchant_id AND e.chart = $6 AND e.export_id < $7
      AND b.booking_day BETWEEN e.from_day AND e.to_day AND b.booking_id <= e.max_booking_id))`;

function selectionParams(selection: BookingSelection): unknown[] {
  return [
    selection.merchantId,
    selection.fromDay,
    selection.toDay,
    selection.maxBookingId,
    selection.onlyNew,
    selection.chart,
    selection.beforeExport,
  ];
}

export async function countSelection(db: Queryable, selection: BookingSelection): Promise<number> {
  const [row] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM bookings b WHERE ${SELECTION}`,
    selectionParams(selection),
  );
  return Number(row?.count ?? 0);
}

/** The rule versions the selected bookings were made under (their accounts come from those versions). */
export async function selectionRuleVersions(db: Queryable, selection: BookingSelection): Promise<number[]> {
  const rows = await db.query<{ rules_version: number }>(
    `SELECT DISTINCT b.rules_version FROM bookings b WHERE ${SELECTION} ORDER BY b.rules_version`,
    selectionParams(selection),
  );
  return rows.map((row) => Number(row.rules_version));
}

/** The key (day, id) just before the `offset`-th selected booking, to start a part without reading the rows before it. */
export async function keyAtOffset(
  db: Queryable,
  selection: BookingSelection,
  offset: number,
): Promise<[number, number] | undefined> {
  if (offset === 0) return undefined;
  const [row] = await db.query<{ booking_day: number; booking_id: number }>(
    `SELECT b.booking_day, b.booking_id FROM bookings b WHERE ${SELECTION}
     ORDER BY b.booking_day, b.booking_id OFFSET $8 LIMIT 1`,
    [...selectionParams(selection), offset - 1],
  );
  return row ? [row.booking_day, Number(row.booking_id)] : undefined;
}

/** Selected bookings in (day, id) order after `after`, `limit` at a time (keyset paging: memory stays flat). */
export async function bookingPage(
  db: Queryable,
  selection: BookingSelection,
  after: [number, number] | undefined,
  limit: number,
): Promise<StoredBooking[]> {
  const [day, id] = after ?? [0, 0];
  const rows = await db.query<BookingRow>(
    `SELECT b.* FROM bookings b WHERE ${SELECTION} AND (b.booking_day, b.booking_id) > ($8::int, $9::bigint)
     ORDER BY b.booking_day, b.booking_id LIMIT $10`,
    [...selectionParams(selection), day, id, limit],
  );
  return rows.map(bookingOf);
}

export async function maxBookingId(db: Queryable, merchantId: string): Promise<number> {
  const [row] = await db.query<{ max: number | null }>(
    "SELECT max(booking_id) AS max FROM bookings WHERE merchant_id = $1",
    [merchantId],
  );
  return Number(row?.max ?? 0);
}

export interface ExportLogEntry {
  readonly exportId: number;
  readonly chart: Chart;
  readonly fromDay: number;
  readonly toDay: number;
  readonly maxBookingId: number;
  readonly reexport: boolean;
  readonly datev: DatevSettings;
  readonly rowCount: number;
  /** DATEV allows 99,999; smaller only in tests of the split. */
  readonly rowsPerFile: number;
  readonly partHashes: readonly string[];
  readonly createdAt: number;
}

interface ExportRow {
  export_id: number;
  chart: Chart;
  from_day: number;
  to_day: number;
  max_booking_id: number;
  reexport: boolean;
  datev: DatevSettings | string;
  row_count: number;
  rows_per_file: number;
  part_hashes: string[] | string;
  created_at: number;
}

function exportOf(row: ExportRow): ExportLogEntry {
  return {
    exportId: Number(row.export_id),
    chart: row.chart,
    fromDay: row.from_day,
    toDay: row.to_day,
    maxBookingId: Number(row.max_booking_id),
    reexport: row.reexport,
    datev: typeof row.datev === "string" ? JSON.parse(row.datev) : row.datev,
    rowCount: row.row_count,
    rowsPerFile: row.rows_per_file,
    partHashes: typeof row.part_hashes === "string" ? JSON.parse(row.part_hashes) : row.part_hashes,
    createdAt: Number(row.created_at),
  };
}

export async function insertExport(
  db: Queryable,
  merchantId: string,
  entry: Omit<ExportLogEntry, "exportId">,
): Promise<number> {
  const [row] = await db.query<{ export_id: number }>(
    `INSERT INTO accounting_exports (merchant_id, chart, from_day, to_day, max_booking_id, reexport, datev, row_count,
       rows_per_file, part_hashes, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING export_id`,
    [
      merchantId,
      entry.chart,
      entry.fromDay,
      entry.toDay,
      entry.maxBookingId,
      entry.reexport,
      JSON.stringify(entry.datev),
      entry.rowCount,
      entry.rowsPerFile,
      JSON.stringify(entry.partHashes),
      entry.createdAt,
    ],
  );
  return Number((row as { export_id: number }).export_id);
}

export async function findExport(
  db: Queryable,
  merchantId: string,
  exportId: number,
): Promise<ExportLogEntry | undefined> {
  const [row] = await db.query<ExportRow>(
    "SELECT * FROM accounting_exports WHERE merchant_id = $1 AND export_id = $2",
    [merchantId, exportId],
  );
  return row ? exportOf(row) : undefined;
}

/** The newest export of exactly this chart and period (a repeated download gets it again). */
export async function latestExportOf(
  db: Queryable,
  merchantId: string,
  chart: Chart,
  fromDay: number,
  toDay: number,
): Promise<ExportLogEntry | undefined> {
  const [row] = await db.query<ExportRow>(
    `SELECT * FROM accounting_exports WHERE merchant_id = $1 AND chart = $2 AND from_day = $3 AND to_day = $4
     ORDER BY export_id DESC LIMIT 1`,
    [merchantId, chart, fromDay, toDay],
  );
  return row ? exportOf(row) : undefined;
}

export async function listExports(
  db: Queryable,
  merchantId: string,
  limit: number,
): Promise<ExportLogEntry[]> {
  const rows = await db.query<ExportRow>(
    "SELECT * FROM accounting_exports WHERE merchant_id = $1 ORDER BY export_id DESC LIMIT $2",
    [merchantId, limit],
  );
  return rows.map(exportOf);
}
