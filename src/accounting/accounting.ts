/**
 * Accounting's application interface: every function the admin routes, the CLI, the JSON API and
 * the back office call (docs/accounting.md). Doors validate their input and call these; nothing
 * here knows HTTP.
 */
import type { Writable } from "node:stream";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import {
  type DatevSettings,
  DEFAULT_DATEV,
  findSettlement,
  type LineBookingSums,
  lineBookingSums,
  listExports,
  listSettlements,
  loadSettings,
  ruleSetAt,
  saveDatevSettings,
  saveRuleSet,
} from "./accounting-store.js";
import { berlinDay } from "./berlin-time.js";
import { type Chart, legsOf, type RuleSet, resolveLeg, validateRuleSet } from "./booking-rules.js";
import { writeBookingsCsv } from "./bookings-csv.js";
import {
  type DatevExportRequest,
  type ExportedFiles,
  type ExportProgress,
  exportDatev,
  reproduceExport,
} from "./datev-export.js";
import { rebookSettlement } from "./rebook.js";
import { type Reconciliation, reconcile } from "./reconciliation.js";
import type { Downloader } from "./report-download.js";
import { type PeriodGap, recordPeriodGaps, storedPeriodGaps } from "./settlement-gaps.js";
import { type AccountingMerchant, type ImportResult, SettlementImporter } from "./settlement-import.js";
import { parseSettlementFile, type SettlementLine } from "./settlement-parser.js";

export interface AccountingOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The merchant's Amazon side for imports; without it (the CLI) imports are unavailable. */
  readonly merchant?: (merchantId: string) => Promise<AccountingMerchant | undefined>;
  readonly downloader?: Downloader;
}

export class UnknownMerchantError extends Error {
  override name = "UnknownMerchantError";
}

/** A DATEV setting refused, naming the field. */
export class SettingsError extends Error {
  override name = "SettingsError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface PreviewBooking {
  readonly lineNo: number;
  readonly type: string;
  readonly kind: string;
  readonly date: string;
  readonly amount: number;
  readonly sollHaben: "S";
  readonly konto: string;
  readonly gegenkonto: string;
  readonly buKey: string;
}

export interface Preview {
  readonly chart: Chart;
  readonly rules: RuleSet;
  readonly lines: number;
  readonly bookings: readonly PreviewBooking[];
  /** What the bookings do to Amazon Pay, and the settlement's net: equal when it balances. */
  readonly bookedNet: number;
  readonly net: number;
}

export class Accounting {
  readonly #options: AccountingOptions;

  constructor(options: AccountingOptions) {
    this.#options = options;
  }

  get db(): Database {
    return this.#options.db;
  }

  /** Imports what Amazon holds for the merchant; the counts, failures, missing periods and reconciliations. */
  async importSettlements(merchantId: string): Promise<ImportResult> {
    const { db, clock, logger, downloader } = this.#options;
    const merchant = await this.#options.merchant?.(merchantId);
    if (!merchant || !downloader)
      throw new UnknownMerchantError(`no active merchant ${merchantId} with an Amazon link`);
    const [state] = await db.query<{ checkpoint: number | null }>(
      "SELECT checkpoint FROM settlement_import_state WHERE merchant_id = $1",
      [merchantId],
    );
    const importer = new SettlementImporter({ db, downloader, now: () => clock.now(), logger });
    const { result, checkpoint } = await importer.run(merchant, {
      checkpoint: state?.checkpoint ?? undefined,
    });
    const failure =
      result.failed.length === 0
        ? null
        : result.failed
            .map((entry) => entry.message)
            .join("; ")
            .slice(0, 1000);
    await db.query(
      `INSERT INTO settlement_import_state (merchant_id, next_run_at, checkpoint, last_run_at, last_error, period_gaps)
       VALUES ($1, $2, $3, $2, $4, $5::jsonb)
       ON CONFLICT (merchant_id) DO UPDATE SET checkpoint = $3, last_run_at = $2, last_error = $4, period_gaps = $5::jsonb`,
      [merchantId, clock.now(), checkpoint ?? null, failure, JSON.stringify(result.gaps)],
    );
    return result;
  }

  /**
   * Imports a settlement file uploaded by a person (Seller Central's download), kept, parsed and
   * booked as a downloaded report; a refused file imports nothing and comes back in `failed`.
   */
  async importSettlementFile(merchantId: string, content: Buffer): Promise<ImportResult> {
    const { db, clock, logger, downloader } = this.#options;
    const merchant = await this.#options.merchant?.(merchantId);
    if (!merchant || !downloader)
      throw new UnknownMerchantError(`no active merchant ${merchantId} with an Amazon link`);
    const importer = new SettlementImporter({ db, downloader, now: () => clock.now(), logger });
    const result = await importer.importFile(merchant, content);
    await recordPeriodGaps(db, merchantId, result.gaps, clock.now());
    return result;
  }

  /**
   * Spans between imported settlements that no settlement covers while Kasse has captures/refunds
   * in them, as the merchant's last import or upload found them (settlement-gaps.ts).
   */
  gaps(merchantId: string): Promise<PeriodGap[]> {
    return storedPeriodGaps(this.db, merchantId);
  }

  /** Settlements, newest first, each reconciled; a gap before one is a `period_gap` difference of it. */
  async settlements(merchantId: string, limit = 50, before?: number): Promise<Reconciliation[]> {
    const summaries = await listSettlements(this.db, merchantId, limit, before);
    const gaps = summaries.length === 0 ? [] : await this.gaps(merchantId);
    return Promise.all(
      summaries.map(async (summary) =>
        withGaps(reconcile(summary, await lineBookingSums(this.db, merchantId, summary.settlementId)), gaps),
      ),
    );
  }

  async settlement(
    merchantId: string,
    settlementId: string,
  ): Promise<{ reconciliation: Reconciliation; lines: LineBookingSums[] } | undefined> {
    const summary = await findSettlement(this.db, merchantId, settlementId);
    if (!summary) return undefined;
    const lines = await lineBookingSums(this.db, merchantId, settlementId);
    return { reconciliation: withGaps(reconcile(summary, lines), await this.gaps(merchantId)), lines };
  }

  async rules(merchantId: string, chart: Chart): Promise<{ version: number; rules: RuleSet }> {
    const { rulesVersion } = await loadSettings(this.db, merchantId);
    return { version: rulesVersion, rules: await ruleSetAt(this.db, merchantId, chart, rulesVersion) };
  }

  /** Validates and stores a chart's rule set; bookings made from now on use it (earlier ones keep theirs). */
  async saveRules(
    merchantId: string,
    chart: Chart,
    input: unknown,
  ): Promise<{ version: number; rules: RuleSet }> {
    const rules = validateRuleSet(chart, input);
    const version = await saveRuleSet(this.db, merchantId, rules, this.#options.clock.now());
    return { version, rules };
  }

  async datevSettings(merchantId: string): Promise<DatevSettings> {
    return (await loadSettings(this.db, merchantId)).datev;
  }

  async saveDatevSettings(merchantId: string, input: unknown): Promise<DatevSettings> {
    const datev = readDatevSettings({ ...(await this.datevSettings(merchantId)) }, input);
    await saveDatevSettings(this.db, merchantId, datev, this.#options.clock.now());
    return datev;
  }

  /**
   * What a settlement books under `rules` (a draft, validated) or the chart's current rules: an
   * imported one by `settlementId`, or a settlement file's text not imported yet. Stores nothing.
   */
  async preview(
    merchantId: string,
    input: { chart: Chart; rules?: unknown; settlementId?: string; file?: string; ledgerCurrency?: string },
  ): Promise<Preview | undefined> {
    const rules =
      input.rules === undefined
        ? (await this.rules(merchantId, input.chart)).rules
        : validateRuleSet(input.chart, input.rules);
    let lines: Pick<SettlementLine, "lineNo" | "type" | "amount" | "totalFee" | "net" | "postedAt">[];
    if (input.file !== undefined) {
      lines = [...parseSettlementFile(Buffer.from(input.file, "utf8"), input.ledgerCurrency ?? "EUR").lines];
    } else {
      const rows = await this.db.query<{
        line_no: number;
        transaction_type: SettlementLine["type"];
        amount: number;
        total_fee: number;
        net: number;
        posted_at: number;
      }>(
        `SELECT line_no, transaction_type, amount, total_fee, net, posted_at FROM settlement_lines
         WHERE merchant_id = $1 AND settlement_id = $2 ORDER BY line_no`,
        [merchantId, input.settlementId ?? ""],
      );
      if (rows.length === 0) return undefined;
      lines = rows.map((row) => ({
        lineNo: row.line_no,
        type: row.transaction_type,
        amount: Number(row.amount),
        totalFee: Number(row.total_fee),
        net: Number(row.net),
        postedAt: Number(row.posted_at),
      }));
    }
    const bookings: PreviewBooking[] = [];
    let bookedNet = 0;
    for (const line of lines) {
      for (const leg of legsOf(line)) {
        const resolved = resolveLeg(rules, leg);
        bookedNet +=
          (leg.debitRole === "amazonPay" ? leg.amount : 0) -
          (leg.creditRole === "amazonPay" ? leg.amount : 0);
        const day = String(berlinDay(line.postedAt));
        bookings.push({
          lineNo: line.lineNo,
          type: line.type,
          kind: leg.kind,
          date: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`,
          amount: leg.amount,
          sollHaben: "S",
          ...resolved,
        });
      }
    }
    return {
      chart: input.chart,
      rules,
      lines: lines.length,
      bookings,
      bookedNet,
      net: lines.reduce((sum, line) => sum + line.net, 0),
    };
  }

  /** Reverses a settlement's bookings made under older rules and books it anew under the current ones. */
  rebook(merchantId: string, settlementId: string) {
    return rebookSettlement(this.db, merchantId, settlementId, this.#options.clock.now());
  }

  exportDatev(request: DatevExportRequest, progress?: ExportProgress): Promise<ExportedFiles> {
    return exportDatev(this.db, request, this.#options.clock.now(), progress);
  }

  reproduceExport(merchantId: string, exportId: number, part?: number): Promise<ExportedFiles> {
    return reproduceExport(this.db, merchantId, exportId, part);
  }

  exports(merchantId: string, limit = 100) {
    return listExports(this.db, merchantId, limit);
  }

  exportBookingsCsv(
    merchantId: string,
    chart: Chart,
    fromDay: number,
    toDay: number,
    out: Writable,
  ): Promise<number> {
    return writeBookingsCsv(this.db, merchantId, chart, fromDay, toDay, out);
  }
}

/**
 * Adds a gap before the settlement to its differences. `reconciled` stays what the settlement's
 * own bookings say: the gap is missing money of another period, shown, not netted in.
 */
function withGaps(reconciliation: Reconciliation, gaps: readonly PeriodGap[]): Reconciliation {
  const before = gaps.filter((gap) => gap.beforeSettlementId === reconciliation.settlementId);
  if (before.length === 0) return reconciliation;
  return {
    ...reconciliation,
    differences: [
      ...reconciliation.differences,
      ...before.map((gap) => ({ code: "period_gap" as const, message: gap.message })),
    ],
  };
}

function readDatevSettings(current: DatevSettings, input: unknown): DatevSettings {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw new SettingsError("datev", "must be a JSON object");
  const body = input as Record<string, unknown>;
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(body)) {
    if (!(key in DEFAULT_DATEV))
      throw new SettingsError(
        key,
        `is not a DATEV setting; settings: ${Object.keys(DEFAULT_DATEV).join(", ")}`,
      );
    next[key] = value;
  }
  const integer = (key: string, min: number, max: number) => {
    const value = next[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
      throw new SettingsError(key, `must be an integer ${min}–${max}`);
    return value;
  };
  if (typeof next.festschreibung !== "boolean")
    throw new SettingsError("festschreibung", "must be true or false");
  const exportedBy = next.exportedBy;
  if (typeof exportedBy !== "string" || exportedBy.length > 25 || /[\p{Cc}"]/u.test(exportedBy)) {
    throw new SettingsError(
      "exportedBy",
      "must be at most 25 characters without quotes or control characters",
    );
  }
  return {
    consultantNumber: integer("consultantNumber", 1001, 9_999_999),
    clientNumber: integer("clientNumber", 1, 99_999),
    fiscalYearStartMonth: integer("fiscalYearStartMonth", 1, 12),
    festschreibung: next.festschreibung,
    exportedBy,
  };
}
