/**
 * The DATEV export (docs/accounting.md "DATEV export"): a merchant's bookings of one period,
 * streamed in keyset pages into EXTF files of at most 99,999 rows, every byte passed through the
 * validator on its way to a temporary file — a file with any finding is never handed out. Each
 * export is logged with what it selected and the SHA-256 of each part, so it can be rebuilt byte
 * for byte; by default an export holds only bookings no earlier export of the chart handed out.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database, Queryable } from "../store/database.js";
import {
  type BookingSelection,
  bookingPage,
  countSelection,
  type DatevSettings,
  type ExportLogEntry,
  findExport,
  insertExport,
  keyAtOffset,
  latestExportOf,
  loadSettings,
  maxBookingId,
  ruleSetAt,
  type StoredBooking,
  selectionRuleVersions,
} from "./accounting-store.js";
import { berlinTimestamp } from "./berlin-time.js";
import {
  accountLengthOf,
  type Chart,
  MIN_ACCOUNT_LENGTH,
  type RuleSet,
  resolveLeg,
} from "./booking-rules.js";
import { beleginfoOf, buchungstextOf } from "./booking-texts.js";
import { type ExtfFinding, ExtfValidator } from "./extf-validator.js";
import {
  bookingGuid,
  bookingLine,
  columnsLine,
  type ExtfHeader,
  encodedLine,
  extfFileName,
  headerLine,
  MAX_ROWS_PER_FILE,
} from "./extf-writer.js";

const PAGE = 2_000;

export class ExportError extends Error {
  override name = "ExportError";
  constructor(
    readonly code:
      | "invalid_period"
      | "nothing_to_export"
      | "no_such_part"
      | "no_such_export"
      | "not_reproducible"
      | "mixed_account_lengths",
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The validator refused a file Kasse wrote: a bug, never handed out. */
export class ExportValidationError extends Error {
  override name = "ExportValidationError";
  constructor(readonly findings: readonly ExtfFinding[]) {
    super(
      `the DATEV file failed validation: ${findings
        .slice(0, 3)
        .map((finding) => `line ${finding.line}: ${finding.message}`)
        .join("; ")}`,
    );
  }
}

export interface DatevExportRequest {
  readonly merchantId: string;
  readonly chart: Chart;
  /** `YYYYMMDD`, both in one calendar year and one fiscal year. */
  readonly fromDay: number;
  readonly toDay: number;
  /** Hand out again what earlier exports of the period handed out (logged as a re-export). */
  readonly reexport?: boolean;
  /** Rows per file; DATEV's 99,999 unless a test of the split asks for fewer. */
  readonly rowsPerFile?: number;
}

export interface ExportPart {
  readonly part: number;
  readonly fileName: string;
  /** A temporary file; {@link ExportedFiles.dispose} removes it. */
  readonly path: string;
  readonly rows: number;
  readonly sha256: string;
}

export interface ExportedFiles {
  readonly exportId: number;
  /** An earlier export handed out again (nothing new in the period). */
  readonly repeated: boolean;
  readonly rows: number;
  /** Parts of the whole export (`parts` may hold only the one asked for). */
  readonly totalParts: number;
  readonly parts: readonly ExportPart[];
  dispose(): Promise<void>;
}

export type ExportProgress = (rowsWritten: number, rowsTotal: number) => void;

/** The fiscal year's first day for a day, given the month it starts in. */
export function fiscalYearStart(day: number, startMonth: number): number {
  const year = Math.floor(day / 10_000);
  const month = Math.floor(day / 100) % 100;
  return (month >= startMonth ? year : year - 1) * 10_000 + startMonth * 100 + 1;
}

/** Checks a period: ordered, one calendar year (DATEV's rule for a Buchungsstapel), one fiscal year. */
export function checkPeriod(fromDay: number, toDay: number, startMonth: number): void {
  if (fromDay > toDay) throw new ExportError("invalid_period", "from is after to", "from");
  if (Math.floor(fromDay / 10_000) !== Math.floor(toDay / 10_000)) {
    throw new ExportError(
      "invalid_period",
      "from and to must lie in one calendar year: DATEV takes one year per Buchungsstapel; export each year on its own",
      "to",
    );
  }
  if (fiscalYearStart(fromDay, startMonth) !== fiscalYearStart(toDay, startMonth)) {
    throw new ExportError(
      "invalid_period",
      `from and to must lie in one fiscal year (it starts in month ${startMonth})`,
      "to",
    );
  }
}

function headerOf(
  chart: Chart,
  datev: DatevSettings,
  fromDay: number,
  toDay: number,
  createdAt: number,
  currency: string,
  accountLength: number,
): ExtfHeader {
  return {
    createdAt: berlinTimestamp(createdAt),
    exportedBy: datev.exportedBy,
    consultantNumber: datev.consultantNumber,
    clientNumber: datev.clientNumber,
    fiscalYearStart: fiscalYearStart(fromDay, datev.fiscalYearStartMonth),
    accountLength,
    from: fromDay,
    to: toDay,
    label: `Amazon Pay ${fromDay}-${toDay}`,
    festschreibung: datev.festschreibung,
    currency,
    chart,
  };
}

class RuleCache {
  readonly #rules = new Map<number, RuleSet>();
  constructor(
    readonly db: Queryable,
    readonly merchantId: string,
    readonly chart: Chart,
  ) {}
  async at(version: number): Promise<RuleSet> {
    let rules = this.#rules.get(version);
    if (!rules) {
      rules = await ruleSetAt(this.db, this.merchantId, this.chart, version);
      this.#rules.set(version, rules);
    }
    return rules;
  }
}

/** One part's bytes into `path`, validated on the way; its row count and hash. */
async function writePart(
  db: Queryable,
  selection: BookingSelection,
  header: ExtfHeader,
  part: number,
  rowsPerFile: number,
  path: string,
  progress: { done: number; total: number; report?: ExportProgress | undefined },
): Promise<{ rows: number; sha256: string }> {
  const rules = new RuleCache(db, selection.merchantId, selection.chart);
  const hash = createHash("sha256");
  const validator = new ExtfValidator();
  const out = createWriteStream(path);
  const closed = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  const write = async (bytes: Buffer) => {
    hash.update(bytes);
    validator.push(bytes);
    if (!out.write(bytes)) await new Promise<void>((resolve) => out.once("drain", resolve));
  };
  await write(encodedLine(headerLine(header)));
  await write(encodedLine(columnsLine()));
  let after = await keyAtOffset(db, selection, (part - 1) * rowsPerFile);
  let rows = 0;
  while (rows < rowsPerFile) {
    const page = await bookingPage(db, selection, after, Math.min(PAGE, rowsPerFile - rows));
    if (page.length === 0) break;
    const chunk: Buffer[] = [];
    for (const booking of page) {
      chunk.push(encodedLine(bookingLine(await extfBookingOf(rules, selection.merchantId, booking))));
      after = [booking.day, booking.bookingId];
    }
    await write(Buffer.concat(chunk));
    rows += page.length;
    progress.done += page.length;
    progress.report?.(progress.done, progress.total);
  }
  out.end();
  await closed;
  const findings = validator.finish();
  if (findings.length > 0) throw new ExportValidationError(findings);
  return { rows, sha256: hash.digest("hex") };
}

async function extfBookingOf(rules: RuleCache, merchantId: string, booking: StoredBooking) {
  const resolved = resolveLeg(await rules.at(booking.rulesVersion), booking);
  return {
    amount: booking.amount,
    currency: booking.currency,
    konto: resolved.konto,
    gegenkonto: resolved.gegenkonto,
    buKey: resolved.buKey,
    day: booking.day,
    belegfeld1: booking.documentRef,
    buchungstext: buchungstextOf(booking),
    beleginfo: beleginfoOf(booking),
    guid: bookingGuid(
      `${merchantId}|${booking.settlementId}|${booking.lineNo}|${booking.leg}|${booking.bookingId}`,
    ),
    generalumkehr: booking.reverses !== null,
  };
}

/**
 * The Sachkontenlänge of the file: that of every rule version the selected bookings were made
 * under. Versions of different lengths cannot share one header (field 14): refused, with the way out.
 */
async function accountLengthOfSelection(db: Queryable, selection: BookingSelection): Promise<number> {
  const versions = await selectionRuleVersions(db, selection);
  const lengths = new Map<number, number[]>();
  for (const version of versions) {
    const length = accountLengthOf(await ruleSetAt(db, selection.merchantId, selection.chart, version));
    lengths.set(length, [...(lengths.get(length) ?? []), version]);
  }
  if (lengths.size > 1) {
    throw new ExportError(
      "mixed_account_lengths",
      `the bookings of this period were made under rule versions with different Sachkontenlängen (${[
        ...lengths,
      ]
        .map(([length, of]) => `${length} digits: version ${of.join(", ")}`)
        .join(
          "; ",
        )}); a DATEV file names one length in its header — export the periods before and after the change on their own, or rebook the older settlements under the current rules`,
      "from",
    );
  }
  return [...lengths.keys()][0] ?? MIN_ACCOUNT_LENGTH;
}

async function currencyOf(db: Queryable, merchantId: string): Promise<string> {
  const [row] = await db.query<{ currency: string }>(
    "SELECT currency FROM settlements WHERE merchant_id = $1 ORDER BY imported_at DESC LIMIT 1",
    [merchantId],
  );
  return row?.currency ?? "EUR";
}

async function renderParts(
  db: Queryable,
  entry: Omit<ExportLogEntry, "exportId" | "partHashes">,
  selection: BookingSelection,
  parts: readonly number[],
  fileBase: { merchantId: string; count: number },
  progress?: ExportProgress,
): Promise<{ directory: string; parts: ExportPart[] }> {
  const directory = await mkdtemp(join(tmpdir(), "kasse-datev-"));
  const header = headerOf(
    entry.chart,
    entry.datev,
    entry.fromDay,
    entry.toDay,
    entry.createdAt,
    await currencyOf(db, selection.merchantId),
    await accountLengthOfSelection(db, selection),
  );
  const totalParts = Math.max(1, Math.ceil(fileBase.count / entry.rowsPerFile));
  const state = { done: 0, total: fileBase.count, report: progress };
  const written: ExportPart[] = [];
  try {
    for (const part of parts) {
      const fileName = extfFileName(
        fileBase.merchantId,
        entry.chart,
        entry.fromDay,
        entry.toDay,
        part,
        totalParts,
      );
      const path = join(directory, fileName);
      const { rows, sha256 } = await writePart(db, selection, header, part, entry.rowsPerFile, path, state);
      written.push({ part, fileName, path, rows, sha256 });
    }
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return { directory, parts: written };
}

function disposer(directory: string) {
  return () => rm(directory, { recursive: true, force: true });
}

/**
 * Exports the period: every part written, validated and logged, in one transaction that holds the
 * merchant's accounting row so two exports cannot hand out the same bookings. When nothing new is
 * in the period, the newest earlier export of exactly this period is handed out again.
 */
export async function exportDatev(
  db: Database,
  request: DatevExportRequest,
  now: number,
  progress?: ExportProgress,
): Promise<ExportedFiles> {
  const rowsPerFile = request.rowsPerFile ?? MAX_ROWS_PER_FILE;
  if (!Number.isInteger(rowsPerFile) || rowsPerFile < 1 || rowsPerFile > MAX_ROWS_PER_FILE) {
    throw new RangeError(`rowsPerFile must be 1–${MAX_ROWS_PER_FILE}`);
  }
  const settings = await loadSettings(db, request.merchantId);
  checkPeriod(request.fromDay, request.toDay, settings.datev.fiscalYearStartMonth);
  await db.query(
    "INSERT INTO accounting_settings (merchant_id, updated_at) VALUES ($1, $2) ON CONFLICT (merchant_id) DO NOTHING",
    [request.merchantId, now],
  );
  const fresh = await db.transaction(async (tx) => {
    await tx.query("SELECT merchant_id FROM accounting_settings WHERE merchant_id = $1 FOR UPDATE", [
      request.merchantId,
    ]);
    const selection: BookingSelection = {
      merchantId: request.merchantId,
      chart: request.chart,
      fromDay: request.fromDay,
      toDay: request.toDay,
      maxBookingId: await maxBookingId(tx, request.merchantId),
      onlyNew: !request.reexport,
      beforeExport: Number.MAX_SAFE_INTEGER,
    };
    const count = await countSelection(tx, selection);
    if (count === 0) return undefined;
    const entry = {
      chart: request.chart,
      fromDay: request.fromDay,
      toDay: request.toDay,
      maxBookingId: selection.maxBookingId,
      reexport: request.reexport ?? false,
      datev: settings.datev,
      rowCount: count,
      rowsPerFile,
      createdAt: now,
    };
    const partNumbers = Array.from({ length: Math.ceil(count / rowsPerFile) }, (_, index) => index + 1);
    const rendered = await renderParts(
      tx,
      entry,
      selection,
      partNumbers,
      { merchantId: request.merchantId, count },
      progress,
    );
    try {
      const exportId = await insertExport(tx, request.merchantId, {
        ...entry,
        partHashes: rendered.parts.map((part) => part.sha256),
      });
      return {
        exportId,
        repeated: false,
        rows: count,
        totalParts: partNumbers.length,
        parts: rendered.parts,
        dispose: disposer(rendered.directory),
      };
    } catch (error) {
      await rm(rendered.directory, { recursive: true, force: true });
      throw error;
    }
  });
  if (fresh) return fresh;
  const previous = request.reexport
    ? undefined
    : await latestExportOf(db, request.merchantId, request.chart, request.fromDay, request.toDay);
  if (!previous) {
    throw new ExportError(
      "nothing_to_export",
      "there are no bookings in this period that no earlier export handed out (reexport=true hands them out again)",
    );
  }
  const repeated = await reproduceExport(db, request.merchantId, previous.exportId, undefined, progress);
  return { ...repeated, repeated: true };
}

/**
 * Rebuilds a logged export (all parts, or one) from the stored bookings and the settings it was
 * made with, and proves it is the same file: the SHA-256 of each part must equal the logged one.
 */
export async function reproduceExport(
  db: Database,
  merchantId: string,
  exportId: number,
  part?: number,
  progress?: ExportProgress,
): Promise<ExportedFiles> {
  const entry = await findExport(db, merchantId, exportId);
  if (!entry) throw new ExportError("no_such_export", `no export ${exportId} of ${merchantId}`);
  const totalParts = entry.partHashes.length;
  if (part !== undefined && (part < 1 || part > totalParts)) {
    throw new ExportError("no_such_part", `export ${exportId} has ${totalParts} part(s)`, "part");
  }
  const selection: BookingSelection = {
    merchantId,
    chart: entry.chart,
    fromDay: entry.fromDay,
    toDay: entry.toDay,
    maxBookingId: entry.maxBookingId,
    onlyNew: !entry.reexport,
    beforeExport: exportId,
  };
  const parts = part === undefined ? entry.partHashes.map((_, index) => index + 1) : [part];
  const rendered = await renderParts(
    db,
    entry,
    selection,
    parts,
    { merchantId, count: entry.rowCount },
    progress,
  );
  for (const written of rendered.parts) {
    if (written.sha256 !== entry.partHashes[written.part - 1]) {
      await rm(rendered.directory, { recursive: true, force: true });
      throw new ExportError(
        "not_reproducible",
        `export ${exportId} part ${written.part} no longer rebuilds to the logged bytes`,
      );
    }
  }
  return {
    exportId,
    repeated: false,
    rows: entry.rowCount,
    totalParts,
    parts: rendered.parts,
    dispose: disposer(rendered.directory),
  };
}
