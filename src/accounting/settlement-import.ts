/**
 * Imports a merchant's settlement reports (docs/accounting.md "Import"): lists what Amazon holds
 * since the last checkpoint, downloads each report not imported yet, keeps its bytes unchanged
 * with their SHA-256, parses it, matches its lines to Kasse's payments and books it — each report
 * in one transaction, so a bad file leaves nothing behind. Importing again imports nothing new.
 * Amazon keeps reports 90 days; a window the importer can no longer see is reported loudly.
 */
import { createHash } from "node:crypto";
import type { Report, ReportType } from "../amazon/wire.js";
import { parseAmazonTimestamp } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import {
  DuplicateSettlementError,
  findReport,
  findSettlement,
  lineBookingSums,
  loadSettings,
  settlementIdOfReport,
  storeImport,
} from "./accounting-store.js";
import { matchLines } from "./payment-reader.js";
import { type Reconciliation, reconcile } from "./reconciliation.js";
import { type Downloader, listSettlementReports, type ReportsClient } from "./report-download.js";
import { findPeriodGaps, type PeriodGap } from "./settlement-gaps.js";
import { parseSettlementFile, SettlementFileError } from "./settlement-parser.js";

export const DAY = 86_400_000;
/** Amazon deletes reports after 90 days. */
export const RETENTION_MS = 90 * DAY;
/** Each listing reaches back this far before the checkpoint, for reports Amazon created late. */
const OVERLAP_MS = 2 * DAY;

/** What accounting needs to know of a merchant (the gateway's directory provides it). */
export interface AccountingMerchant {
  readonly merchantId: string;
  /** Amazon's Seller ID: a report's SellerId must be this. */
  readonly amazonMerchantId: string;
  readonly reportType: ReportType;
  readonly ledgerCurrency: string;
  readonly createdAt: number;
  readonly reports: ReportsClient;
}

export interface ImportFailure {
  readonly reportId: string;
  readonly code: string;
  readonly message: string;
  readonly line?: number;
  readonly field?: string;
}

export interface MissingPeriod {
  readonly from: string;
  readonly to: string;
  readonly message: string;
}

export interface ImportResult {
  readonly merchantId: string;
  /** Settlement reports Amazon listed in the window. */
  readonly listed: number;
  readonly imported: number;
  readonly alreadyImported: number;
  /** In progress, cancelled (no data) — nothing to import yet or ever. */
  readonly skipped: number;
  readonly lines: number;
  readonly bookings: number;
  readonly matched: { payments: number; refunds: number; chargebacks: number };
  readonly unmatched: number;
  readonly failed: readonly ImportFailure[];
  readonly missingPeriods: readonly MissingPeriod[];
  /** The settlements this run imported, each reconciled. */
  readonly settlements: readonly Reconciliation[];
  /** Every gap between the merchant's imported settlement periods after this run (settlement-gaps.ts). */
  readonly gaps: readonly PeriodGap[];
}

export interface ImportState {
  /** Newest report creation time seen and imported without failure (Amazon's clock). */
  readonly checkpoint: number | undefined;
}

export interface SettlementImporterOptions {
  readonly db: Database;
  readonly downloader: Downloader;
  readonly now: () => number;
  readonly logger: Logger;
}

export class SettlementImporter {
  readonly #options: SettlementImporterOptions;

  constructor(options: SettlementImporterOptions) {
    this.#options = options;
  }

  /** One import run; returns the counts and the checkpoint to keep for the next run. */
  async run(
    merchant: AccountingMerchant,
    state: ImportState,
  ): Promise<{ result: ImportResult; checkpoint: number | undefined }> {
    const { db, logger } = this.#options;
    const now = this.#options.now();
    const horizon = now - RETENTION_MS;
    const seenUntil = state.checkpoint ?? merchant.createdAt;
    const missingPeriods: MissingPeriod[] = [];
    if (seenUntil < horizon) {
      const period = {
        from: new Date(seenUntil).toISOString(),
        to: new Date(horizon).toISOString(),
        message: `settlement reports created ${new Date(seenUntil).toISOString()} – ${new Date(horizon).toISOString()} were never imported and are past Amazon's 90-day retention; fetch them from Seller Central (Reports) and import them by hand`,
      };
      missingPeriods.push(period);
      logger.error(
        { merchantId: merchant.merchantId, missing: period },
        "settlement period missing: reports expired at Amazon before they were imported",
      );
    }
    const since = Math.max(seenUntil - OVERLAP_MS, horizon + 60_000);
    const reports = await listSettlementReports(merchant.reports, merchant.reportType, since);
    const settings = await loadSettings(db, merchant.merchantId);
    let imported = 0;
    let alreadyImported = 0;
    let skipped = 0;
    let lines = 0;
    let bookings = 0;
    const failed: ImportFailure[] = [];
    const settlements: Reconciliation[] = [];
    let checkpoint = state.checkpoint;
    let blockedAt: number | undefined;
    for (const report of [...reports].sort((a, b) => createdOf(a) - createdOf(b))) {
      const created = createdOf(report);
      if (report.processingStatus === "IN_PROGRESS") {
        skipped += 1;
        blockedAt = Math.min(blockedAt ?? created, created);
        continue;
      }
      if (
        report.processingStatus === "CANCELLED" ||
        (report.processingStatus === "COMPLETED" && !report.reportDocumentId)
      ) {
        skipped += 1;
        checkpoint = Math.max(checkpoint ?? 0, created);
        continue;
      }
      if (report.processingStatus === "FAILED") {
        failed.push({
          reportId: report.reportId,
          code: "report_failed",
          message: `Amazon reports settlement report ${report.reportId} as FAILED`,
        });
        blockedAt = Math.min(blockedAt ?? created, created);
        continue;
      }
      const outcome = await this.#importReport(merchant, report, settings.rulesVersion);
      if (outcome.kind === "failed") {
        failed.push(outcome.failure);
        blockedAt = Math.min(blockedAt ?? created, created);
        logger.error(
          { merchantId: merchant.merchantId, failure: outcome.failure },
          "settlement report refused; nothing of it was imported",
        );
        continue;
      }
      if (outcome.kind === "duplicate") alreadyImported += 1;
      else {
        imported += 1;
        lines += outcome.lines;
        bookings += outcome.bookings;
        settlements.push(outcome.reconciliation);
        if (!outcome.reconciliation.reconciled) {
          logger.warn(
            {
              merchantId: merchant.merchantId,
              settlementId: outcome.reconciliation.settlementId,
              differences: outcome.reconciliation.differences,
            },
            "settlement imported with differences",
          );
        }
      }
      checkpoint = Math.max(checkpoint ?? 0, created);
    }
    if (blockedAt !== undefined && checkpoint !== undefined) checkpoint = Math.min(checkpoint, blockedAt - 1);
    const matched = { payments: 0, refunds: 0, chargebacks: 0 };
    let unmatched = 0;
    for (const settlement of settlements) {
      matched.payments += settlement.matched.payments;
      matched.refunds += settlement.matched.refunds;
      matched.chargebacks += settlement.matched.chargebacks;
      unmatched += settlement.unmatched;
    }
    const result: ImportResult = {
      merchantId: merchant.merchantId,
      listed: reports.length,
      imported,
      alreadyImported,
      skipped,
      lines,
      bookings,
      matched,
      unmatched,
      failed,
      missingPeriods,
      settlements,
      gaps: await this.#gaps(merchant.merchantId),
    };
    logger.info(
      {
        merchantId: merchant.merchantId,
        listed: reports.length,
        imported,
        alreadyImported,
        failed: failed.length,
      },
      "settlement import",
    );
    return { result, checkpoint };
  }

  async #importReport(
    merchant: AccountingMerchant,
    report: Report,
    rulesVersion: number,
  ): Promise<
    | { kind: "failed"; failure: ImportFailure }
    | { kind: "duplicate" }
    | { kind: "imported"; lines: number; bookings: number; reconciliation: Reconciliation }
  > {
    const { db } = this.#options;
    const reportId = report.reportId;
    const known = await findReport(db, merchant.merchantId, reportId);
    if (known) return { kind: "duplicate" };
    let content: Buffer;
    try {
      content = await this.#options.downloader.download(merchant.reports, report.reportDocumentId as string);
    } catch (error) {
      return {
        kind: "failed",
        failure: { reportId, code: "download_failed", message: (error as Error).message },
      };
    }
    return this.#importContent(
      merchant,
      {
        reportId,
        reportDocumentId: report.reportDocumentId as string,
        reportType: report.reportType,
        createdTime: createdOf(report),
      },
      content,
      rulesVersion,
    );
  }

  /**
   * Imports a settlement file a person uploaded (downloaded from Seller Central, e.g. for a period
   * past Amazon's 90 days): stored, parsed, matched and booked exactly as a downloaded report.
   * Its report id is `upload-` and the first 24 hex digits of its SHA-256, so the same file
   * uploaded twice imports nothing new; a report of the same settlement imported before refuses it
   * (`duplicate_settlement`).
   */
  async importFile(merchant: AccountingMerchant, content: Buffer): Promise<ImportResult> {
    const settings = await loadSettings(this.#options.db, merchant.merchantId);
    const sha256 = createHash("sha256").update(content).digest("hex");
    const now = this.#options.now();
    const outcome = await this.#importContent(
      merchant,
      {
        reportId: `upload-${sha256.slice(0, 24)}`,
        reportDocumentId: "upload",
        reportType: "upload",
        createdTime: now,
      },
      content,
      settings.rulesVersion,
    );
    const reconciliation = outcome.kind === "imported" ? outcome.reconciliation : undefined;
    return {
      merchantId: merchant.merchantId,
      listed: 1,
      imported: outcome.kind === "imported" ? 1 : 0,
      alreadyImported: outcome.kind === "duplicate" ? 1 : 0,
      skipped: 0,
      lines: outcome.kind === "imported" ? outcome.lines : 0,
      bookings: outcome.kind === "imported" ? outcome.bookings : 0,
      matched: reconciliation ? { ...reconciliation.matched } : { payments: 0, refunds: 0, chargebacks: 0 },
      unmatched: reconciliation?.unmatched ?? 0,
      failed: outcome.kind === "failed" ? [outcome.failure] : [],
      missingPeriods: [],
      settlements: reconciliation ? [reconciliation] : [],
      gaps: await this.#gaps(merchant.merchantId),
    };
  }

  /** The merchant's gaps, each logged at `error`: a period's money is missing from the books. */
  async #gaps(merchantId: string): Promise<PeriodGap[]> {
    const gaps = await findPeriodGaps(this.#options.db, merchantId);
    for (const gap of gaps)
      this.#options.logger.error({ merchantId, gap: { from: gap.from, to: gap.to } }, gap.message);
    return gaps;
  }

  async #importContent(
    merchant: AccountingMerchant,
    report: { reportId: string; reportDocumentId: string; reportType: string; createdTime: number },
    content: Buffer,
    rulesVersion: number,
  ): Promise<
    | { kind: "failed"; failure: ImportFailure }
    | { kind: "duplicate" }
    | { kind: "imported"; lines: number; bookings: number; reconciliation: Reconciliation }
  > {
    const { db } = this.#options;
    const { reportId } = report;
    if (await findReport(db, merchant.merchantId, reportId)) return { kind: "duplicate" };
    const sha256 = createHash("sha256").update(content).digest("hex");
    let file: ReturnType<typeof parseSettlementFile>;
    try {
      file = parseSettlementFile(content, merchant.ledgerCurrency);
    } catch (error) {
      if (!(error instanceof SettlementFileError)) throw error;
      return {
        kind: "failed",
        failure: {
          reportId,
          code: error.code,
          message: `report ${reportId}: ${error.message}`,
          ...(error.line === undefined ? {} : { line: error.line }),
          ...(error.field === undefined ? {} : { field: error.field }),
        },
      };
    }
    if (file.sellerId !== merchant.amazonMerchantId) {
      return {
        kind: "failed",
        failure: {
          reportId,
          code: "foreign_seller",
          message: `report ${reportId} belongs to seller ${file.sellerId}, not ${merchant.amazonMerchantId}`,
        },
      };
    }
    const matches = await matchLines(db, merchant.merchantId, file.lines);
    try {
      const stored = await storeImport(db, {
        merchantId: merchant.merchantId,
        ...report,
        content,
        sha256,
        file,
        matches,
        rulesVersion,
        now: this.#options.now(),
      });
      if (!stored.stored) return { kind: "duplicate" };
      const summary = await findSettlement(db, merchant.merchantId, file.settlementId);
      const reconciliation = reconcile(
        summary as NonNullable<typeof summary>,
        await lineBookingSums(db, merchant.merchantId, file.settlementId),
      );
      return { kind: "imported", lines: file.lines.length, bookings: stored.bookings, reconciliation };
    } catch (error) {
      if (!(error instanceof DuplicateSettlementError)) throw error;
      const other = await settlementIdOfReport(db, merchant.merchantId, reportId);
      return {
        kind: "failed",
        failure: {
          reportId,
          code: "duplicate_settlement",
          message: other ? `report ${reportId} was imported meanwhile` : error.message,
        },
      };
    }
  }
}

function createdOf(report: Report): number {
  return parseAmazonTimestamp(report.createdTime) ?? 0;
}
