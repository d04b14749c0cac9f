import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { type Clock, compactTimestamp, parseAmazonTimestamp, systemClock } from "../../core/clock.js";
import type { Queryable } from "../../store/database.js";
import { AmazonError, invalidValue, notFound } from "../errors.js";
import {
  PROCESSING_STATUSES,
  type ProcessingStatus,
  REPORT_TYPES,
  SANDBOX_SETTLEMENT_REPORT,
  SCHEDULE_FREQUENCIES,
  SETTLEMENT_REPORT,
} from "./report-types.js";
import { firstPostingAfter, settledTransactions } from "./settlement-data.js";
import {
  DEFAULT_FEE_MODEL,
  encodeSettlementFile,
  type FeeModel,
  renderSettlementFile,
  settlementIdFor,
} from "./settlement-file.js";

/**
 * The Reports API of the emulator (reference/amazon-pay-v2.md §4, §13; accounting.md §1).
 *
 * Settlement periods are UTC days of the emulated clock: once a day with captures or refunds
 * has passed, its settlement report exists (type `..._SETTLEMENT_DATA_` in live,
 * `..._SANDBOX_SETTLEMENT_DATA_` in sandbox), created at the period's end. Amazon settles the
 * first time 14 days after the first transaction and then daily; the emulator skips that delay
 * so a test sees its report after one clock advance. Reports are produced lazily when a caller
 * looks, which is the same as producing them at period end because closed periods cannot change.
 */

export interface ReportCaller {
  merchantId: string;
  environment: "sandbox" | "live";
}

export interface ReportsServiceOptions {
  db: Queryable;
  /** Emulated now (epoch ms). */
  emulatedNow: () => Promise<number>;
  /** Real time, for the 30-second document links. */
  realClock?: Clock;
  feeModel?: FeeModel;
  /** The emulator's https origin, for document links. */
  publicOrigin: () => string;
  /** Signs document links; stable across restarts and instances (e.g. derived from a stored key). */
  linkSecret: Buffer;
  randomId?: () => string;
}

/**
 * The Report object, keys in the order of Amazon's SDK suite (`tst/webStoreClientTest.js`
 * compares them with `deepStrictEqual`): alphabetical, unlike the docs' tables (§13).
 */
export interface ReportObject {
  createdTime: string;
  endTime: string;
  processingEndTime: string | null;
  processingStartTime: string | null;
  processingStatus: ProcessingStatus;
  reportDocumentId: string | null;
  reportId: string;
  reportType: string;
  startTime: string;
}

/** The Report Schedule object, keys in the SDK suite's (alphabetical) order as well. */
export interface ReportScheduleObject {
  nextReportCreationTime: string;
  reportScheduleId: string;
  reportType: string;
  scheduleFrequency: string;
}

interface ReportRow {
  report_id: string;
  report_type: string;
  start_time: string | number;
  end_time: string | number;
  created_time: string | number;
  processing_status: ProcessingStatus;
  processing_start_time: string | number | null;
  processing_end_time: string | number | null;
  report_document_id: string | null;
}

interface ScheduleRow {
  report_schedule_id: string;
  report_type: string;
  schedule_frequency: string;
  next_report_creation_time: string | number;
}

const DAY = 86_400_000;
/** Reports are kept 90 days (§13). */
const RETENTION = 90 * DAY;
/** A schedule behind by more periods than this (a large clock advance) reports only the newest ones. */
const SCHEDULE_CATCH_UP = 100;
/** Pre-signed document links live 30 seconds (§13). */
const LINK_LIFETIME = 30_000;
const LIST_PARAMETERS = new Set([
  "reportTypes",
  "processingStatuses",
  "createdSince",
  "createdUntil",
  "pageSize",
]);

interface ListCursor {
  m: string;
  e: string;
  t: string[];
  p: string[];
  s: number;
  u: number;
  n: number;
  c: number;
  i: string;
}

export class ReportsService {
  readonly #db: Queryable;
  readonly #options: ReportsServiceOptions;
  readonly #realClock: Clock;
  readonly #randomId: () => string;

  constructor(options: ReportsServiceOptions) {
    this.#db = options.db;
    this.#options = options;
    this.#realClock = options.realClock ?? systemClock;
    this.#randomId = options.randomId ?? randomUUID;
  }

  /** The same service running its queries on `tx` (the API operation's transaction). */
  within(tx: Queryable): ReportsService {
    return new ReportsService({ ...this.#options, db: tx });
  }

  /** `GET reports`: newest first, paged with an opaque `nextToken` that must come alone. */
  async listReports(
    caller: ReportCaller,
    query: Record<string, string | undefined>,
  ): Promise<{ reports: ReportObject[]; nextToken?: string }> {
    const now = await this.#options.emulatedNow();
    await this.#produceDueReports(caller, now);
    const given = Object.entries(query).filter(([, value]) => value !== undefined);
    let cursor: ListCursor;
    if (query.nextToken !== undefined) {
      if (given.length > 1) {
        throw new AmazonError(
          "InvalidParameterCombination",
          "nextToken must be the only parameter when it is used.",
        );
      }
      cursor = this.#readCursor(caller, query.nextToken);
    } else {
      for (const [name] of given) if (!LIST_PARAMETERS.has(name)) throw invalidValue(name);
      cursor = {
        m: caller.merchantId,
        e: caller.environment,
        t: listOf(query.reportTypes, "reportTypes", (type) => type in REPORT_TYPES),
        p: listOf(query.processingStatuses, "processingStatuses", (status) =>
          (PROCESSING_STATUSES as readonly string[]).includes(status),
        ),
        s: query.createdSince === undefined ? now - RETENTION : timeOf(query.createdSince, "createdSince"),
        u: query.createdUntil === undefined ? now : timeOf(query.createdUntil, "createdUntil"),
        n: pageSizeOf(query.pageSize),
        c: Number.MAX_SAFE_INTEGER,
        i: "",
      };
      if (cursor.s > cursor.u) throw invalidValue("createdSince");
    }
    const rows = await this.#db.query<ReportRow>(
      `select * from reports
        where merchant_id = $1 and environment = $2
          and created_time >= greatest($3::bigint, $9::bigint) and created_time <= $4
          and (cardinality($5::text[]) = 0 or report_type = any($5::text[]))
          and (cardinality($6::text[]) = 0 or processing_status = any($6::text[]))
          and (created_time < $7 or (created_time = $7 and report_id < $8))
        order by created_time desc, report_id desc
        limit $10`,
      [
        cursor.m,
        cursor.e,
        cursor.s,
        cursor.u,
        cursor.t,
        cursor.p,
        cursor.c,
        cursor.i || "\uffff",
        now - RETENTION,
        cursor.n + 1,
      ],
    );
    const page = rows.slice(0, cursor.n);
    const last = page.at(-1);
    const more = rows.length > cursor.n && last !== undefined;
    return {
      reports: page.map(renderReport),
      ...(more
        ? { nextToken: this.#writeCursor({ ...cursor, c: Number(last.created_time), i: last.report_id }) }
        : {}),
    };
  }

  /** `GET reports/{id}`. */
  async getReport(caller: ReportCaller, reportId: string): Promise<ReportObject> {
    const now = await this.#options.emulatedNow();
    await this.#produceDueReports(caller, now);
    const [row] = await this.#db.query<ReportRow>(
      "select * from reports where report_id = $1 and merchant_id = $2 and environment = $3 and created_time >= $4",
      [reportId, caller.merchantId, caller.environment, now - RETENTION],
    );
    if (!row) throw notFound("Report", reportId);
    return renderReport(row);
  }

  /**
   * `POST reports` → `{reportId}`. Only the sandbox settlement report has data here; it is
   * produced at once, COMPLETED with a document or CANCELLED when the range holds no
   * transactions (§13). The v1 flat-file transaction types (`…_AUTHORIZATION_DATA_`, …) are
   * accepted in both environments — Amazon's SDK suite creates one in its sandbox — and come out
   * CANCELLED: their columns are unconfirmed, so the emulator invents none.
   */
  async createReport(caller: ReportCaller, body: unknown): Promise<{ reportId: string }> {
    const fields = objectOf(body, ["reportType", "startTime", "endTime"]);
    const reportType = requiredText(fields, "reportType");
    const start = timeOf(requiredText(fields, "startTime"), "startTime");
    const end = timeOf(requiredText(fields, "endTime"), "endTime");
    const kind = REPORT_TYPES[reportType];
    if (!kind?.requestable) throw invalidValue("reportType");
    const sandboxSettlement = reportType === SANDBOX_SETTLEMENT_REPORT;
    if (sandboxSettlement && caller.environment !== "sandbox") throw invalidValue("reportType");
    if (start >= end) throw invalidValue("startTime");
    const now = await this.#options.emulatedNow();
    const reportId = numericId(this.#randomId(), 11);
    const document = sandboxSettlement ? await this.#settlementDocument(caller, start, end) : undefined;
    await this.#insertReport(caller, { reportId, reportType, start, end, createdTime: now, document });
    return { reportId };
  }

  /** `GET report-documents/{id}` → a link valid 30 real seconds that serves the CSV. */
  async getReportDocument(
    caller: ReportCaller,
    reportDocumentId: string,
  ): Promise<{ reportDocumentId: string; url: string; compressionAlgorithm: "N/A" }> {
    const [row] = await this.#db.query<{ report_document_id: string }>(
      "select report_document_id from reports where report_document_id = $1 and merchant_id = $2 and environment = $3",
      [reportDocumentId, caller.merchantId, caller.environment],
    );
    if (!row) throw notFound("ReportDocument", reportDocumentId);
    const expires = this.#realClock.now() + LINK_LIFETIME;
    const signature = this.#linkSignature(reportDocumentId, expires);
    const url = `${this.#options.publicOrigin()}/__reports/documents/${encodeURIComponent(reportDocumentId)}?Expires=${expires}&Signature=${signature}`;
    return { reportDocumentId, url, compressionAlgorithm: "N/A" };
  }

  /** The bytes behind a pre-signed link; `undefined` when the link is forged, expired or unknown. */
  async documentForLink(
    reportDocumentId: string,
    expires: string,
    signature: string,
  ): Promise<Buffer | undefined> {
    const expiry = Number(expires);
    if (!Number.isSafeInteger(expiry) || expiry < this.#realClock.now()) return undefined;
    const expected = this.#linkSignature(reportDocumentId, expiry);
    if (!sameText(signature, expected.toString())) return undefined;
    const [row] = await this.#db.query<{ document: string | null }>(
      "select document from reports where report_document_id = $1",
      [reportDocumentId],
    );
    return typeof row?.document === "string" ? encodeSettlementFile(row.document) : undefined;
  }

  /** `GET report-schedules?reportTypes=…` → `{reportSchedules}`. */
  async listSchedules(
    caller: ReportCaller,
    reportTypes: string | undefined,
  ): Promise<{ reportSchedules: ReportScheduleObject[] }> {
    const types = listOf(reportTypes, "reportTypes", (type) => type in REPORT_TYPES);
    const rows = await this.#db.query<ScheduleRow>(
      `select * from report_schedules
        where merchant_id = $1 and environment = $2 and (cardinality($3::text[]) = 0 or report_type = any($3::text[]))
        order by report_type`,
      [caller.merchantId, caller.environment, types],
    );
    return { reportSchedules: rows.map(renderSchedule) };
  }

  /** `GET report-schedules/{id}`. */
  async getSchedule(caller: ReportCaller, reportScheduleId: string): Promise<ReportScheduleObject> {
    const [row] = await this.#db.query<ScheduleRow>(
      "select * from report_schedules where report_schedule_id = $1 and merchant_id = $2 and environment = $3",
      [reportScheduleId, caller.merchantId, caller.environment],
    );
    if (!row) throw notFound("ReportSchedule", reportScheduleId);
    return renderSchedule(row);
  }

  /**
   * `POST report-schedules` → `{reportScheduleId}`. One schedule per report type: an existing one
   * is replaced only with `deleteExistingSchedule: true` (§13). A `nextReportCreationTime` in
   * the past is moved forward by whole periods to the first one not before now (the schedule
   * keeps its phase and reports nothing from before it existed). Each period that passes
   * produces a report ({@link ReportsService.listReports}).
   */
  async createSchedule(caller: ReportCaller, body: unknown): Promise<{ reportScheduleId: string }> {
    const fields = objectOf(body, [
      "reportType",
      "scheduleFrequency",
      "nextReportCreationTime",
      "deleteExistingSchedule",
    ]);
    const reportType = requiredText(fields, "reportType");
    const frequency = requiredText(fields, "scheduleFrequency");
    if (!REPORT_TYPES[reportType]?.schedulable) throw invalidValue("reportType");
    const interval = SCHEDULE_FREQUENCIES[frequency];
    if (interval === undefined) throw invalidValue("scheduleFrequency");
    const replace = fields.deleteExistingSchedule ?? false;
    if (typeof replace !== "boolean") throw invalidValue("deleteExistingSchedule");
    const now = await this.#options.emulatedNow();
    const asked =
      fields.nextReportCreationTime === undefined
        ? now + interval
        : timeOf(textOf(fields.nextReportCreationTime, "nextReportCreationTime"), "nextReportCreationTime");
    const next = asked >= now ? asked : asked + Math.ceil((now - asked) / interval) * interval;
    const reportScheduleId = numericId(this.#randomId(), 11);
    if (replace) {
      await this.#db.query(
        "delete from report_schedules where merchant_id = $1 and environment = $2 and report_type = $3",
        [caller.merchantId, caller.environment, reportType],
      );
    }
    const inserted = await this.#db.query(
      `insert into report_schedules
         (report_schedule_id, merchant_id, environment, report_type, schedule_frequency, next_report_creation_time)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (merchant_id, environment, report_type) do nothing
       returning report_schedule_id`,
      [reportScheduleId, caller.merchantId, caller.environment, reportType, frequency, next],
    );
    if (inserted.length === 0) {
      throw new AmazonError(
        "InvalidRequest",
        `A schedule for ${reportType} exists already; set deleteExistingSchedule to replace it.`,
      );
    }
    return { reportScheduleId };
  }

  /** `DELETE report-schedules/{id}`. */
  async cancelSchedule(caller: ReportCaller, reportScheduleId: string): Promise<Record<string, never>> {
    const deleted = await this.#db.query(
      "delete from report_schedules where report_schedule_id = $1 and merchant_id = $2 and environment = $3 returning 1",
      [reportScheduleId, caller.merchantId, caller.environment],
    );
    if (deleted.length === 0) throw notFound("ReportSchedule", reportScheduleId);
    return {};
  }

  /** What time alone produces before a caller looks: settlement reports and scheduled reports. */
  async #produceDueReports(caller: ReportCaller, now: number): Promise<void> {
    await this.#settleClosedPeriods(caller, now);
    await this.#runDueSchedules(caller, now);
  }

  /**
   * One report per period of every schedule whose creation time has come, created at that time
   * and covering the period before it; then the schedule's next time moves past now. Only the
   * periods within the retention window are reported, at most {@link SCHEDULE_CATCH_UP} per
   * schedule. The schedulable types are transaction types, so the reports are CANCELLED (no
   * invented columns, see {@link createReport}). Report ids derive from schedule and time, so two
   * processes producing the same period insert it once.
   */
  async #runDueSchedules(caller: ReportCaller, now: number): Promise<void> {
    const due = await this.#db.query<ScheduleRow>(
      `select * from report_schedules
        where merchant_id = $1 and environment = $2 and next_report_creation_time <= $3
        for update`,
      [caller.merchantId, caller.environment, now],
    );
    for (const schedule of due) {
      const interval = SCHEDULE_FREQUENCIES[schedule.schedule_frequency] as number;
      const first = Number(schedule.next_report_creation_time);
      const periods = Math.floor((now - first) / interval) + 1;
      const oldest = Math.max(
        0,
        periods - SCHEDULE_CATCH_UP,
        Math.ceil((now - RETENTION - first) / interval),
      );
      for (let index = oldest; index < periods; index++) {
        const createdTime = first + index * interval;
        await this.#insertReport(caller, {
          reportId: numericId(`${schedule.report_schedule_id}:${createdTime}`, 11),
          reportType: schedule.report_type,
          start: createdTime - interval,
          end: createdTime,
          createdTime,
          document: undefined,
        });
      }
      await this.#db.query(
        "update report_schedules set next_report_creation_time = $2 where report_schedule_id = $1",
        [schedule.report_schedule_id, first + periods * interval],
      );
    }
  }

  /** Creates the settlement report of every closed UTC day with transactions that has none yet. */
  async #settleClosedPeriods(caller: ReportCaller, now: number): Promise<void> {
    const reportType = caller.environment === "sandbox" ? SANDBOX_SETTLEMENT_REPORT : SETTLEMENT_REPORT;
    const [latest] = await this.#db.query<{ last: string | number | null }>(
      `select max(settlement_start) as last from reports
        where merchant_id = $1 and environment = $2 and report_type = $3`,
      [caller.merchantId, caller.environment, reportType],
    );
    const closedUntil = Math.floor(now / DAY) * DAY;
    let since = latest?.last === null || latest?.last === undefined ? 0 : Number(latest.last) + DAY;
    for (;;) {
      const first = await firstPostingAfter(
        this.#db,
        caller.merchantId,
        caller.environment,
        since,
        closedUntil,
      );
      if (first === undefined) return;
      const start = Math.floor(first / DAY) * DAY;
      const end = start + DAY;
      await this.#insertReport(caller, {
        reportId: settlementIdFor(caller.merchantId, `${caller.environment}-report`, start),
        reportType,
        start,
        end,
        createdTime: end,
        document: await this.#settlementDocument(caller, start, end),
        settlementStart: start,
      });
      since = end;
    }
  }

  async #settlementDocument(caller: ReportCaller, start: number, end: number): Promise<string | undefined> {
    const transactions = await settledTransactions(
      this.#db,
      caller.merchantId,
      caller.environment,
      start,
      end,
    );
    if (transactions.length === 0) return undefined;
    const [merchant] = await this.#db.query<{ name: string }>(
      "select name from merchants where merchant_id = $1",
      [caller.merchantId],
    );
    return renderSettlementFile({
      sellerId: caller.merchantId,
      storeName: merchant?.name ?? "",
      settlementId: settlementIdFor(caller.merchantId, caller.environment, start),
      start,
      end,
      transactions,
      feeModel: this.#options.feeModel ?? DEFAULT_FEE_MODEL,
    });
  }

  async #insertReport(
    caller: ReportCaller,
    report: {
      reportId: string;
      reportType: string;
      start: number;
      end: number;
      createdTime: number;
      document: string | undefined;
      settlementStart?: number;
    },
  ): Promise<void> {
    const documentId =
      report.document === undefined
        ? null
        : `amzn1.tortuga.0.${uuidFrom(report.reportId)}.${report.reportId.slice(-8)}`;
    await this.#db.query(
      `insert into reports (report_id, merchant_id, environment, report_type, start_time, end_time, created_time,
                            processing_status, processing_start_time, processing_end_time, report_document_id,
                            document, settlement_start)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7, $9, $10, $11)
       on conflict do nothing`,
      [
        report.reportId,
        caller.merchantId,
        caller.environment,
        report.reportType,
        report.start,
        report.end,
        report.createdTime,
        report.document === undefined ? "CANCELLED" : "COMPLETED",
        documentId,
        report.document ?? null,
        report.settlementStart ?? null,
      ],
    );
  }

  #linkSignature(reportDocumentId: string, expires: number): string {
    return createHmac("sha256", this.#options.linkSecret)
      .update(`${reportDocumentId}\n${expires}`)
      .digest("hex");
  }

  #writeCursor(cursor: ListCursor): string {
    const payload = Buffer.from(JSON.stringify(cursor)).toString("base64url");
    return `${payload}.${createHmac("sha256", this.#options.linkSecret).update(payload).digest("base64url")}`;
  }

  #readCursor(caller: ReportCaller, token: string): ListCursor {
    const [payload = "", mac = ""] = token.split(".");
    const expected = createHmac("sha256", this.#options.linkSecret).update(payload).digest("base64url");
    if (!sameText(mac, expected)) throw invalidValue("nextToken");
    const cursor = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as ListCursor;
    if (cursor.m !== caller.merchantId || cursor.e !== caller.environment) throw invalidValue("nextToken");
    return cursor;
  }
}

/** Constant-time comparison of two MACs. */
function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function renderReport(row: ReportRow): ReportObject {
  return {
    createdTime: compactTimestamp(Number(row.created_time)),
    endTime: compactTimestamp(Number(row.end_time)),
    processingEndTime: optionalTimestamp(row.processing_end_time),
    processingStartTime: optionalTimestamp(row.processing_start_time),
    processingStatus: row.processing_status,
    reportDocumentId: row.report_document_id,
    reportId: row.report_id,
    reportType: row.report_type,
    startTime: compactTimestamp(Number(row.start_time)),
  };
}

function renderSchedule(row: ScheduleRow): ReportScheduleObject {
  return {
    nextReportCreationTime: compactTimestamp(Number(row.next_report_creation_time)),
    reportScheduleId: row.report_schedule_id,
    reportType: row.report_type,
    scheduleFrequency: row.schedule_frequency,
  };
}

function optionalTimestamp(value: string | number | null): string | null {
  return value === null ? null : compactTimestamp(Number(value));
}

function listOf(value: string | undefined, name: string, valid: (item: string) => boolean): string[] {
  if (value === undefined) return [];
  const items = value.split(",").map((item) => item.trim());
  if (items.some((item) => !valid(item))) throw invalidValue(name);
  return items;
}

/** Compact (`20221114T074550Z`), ISO extended, or the docs' `2022-08-04T00-00-00Z` form. */
function timeOf(text: string, name: string): number {
  const epoch = parseAmazonTimestamp(text.replace(/T(\d{2})-(\d{2})-(\d{2})/, "T$1:$2:$3"));
  if (epoch === undefined) throw invalidValue(name);
  return epoch;
}

function pageSizeOf(text: string | undefined): number {
  if (text === undefined) return 10;
  const size = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(size >= 1 && size <= 100)) throw invalidValue("pageSize");
  return size;
}

function objectOf(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AmazonError("InvalidRequestFormat", "The request body is not a JSON object.");
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key))
      throw new AmazonError("UnrecognizedField", `The field ${key} is not recognized.`);
  }
  return body as Record<string, unknown>;
}

function requiredText(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null || value === "") {
    throw new AmazonError("MissingParameterValue", `The ${name} parameter is missing.`);
  }
  return textOf(value, name);
}

function textOf(value: unknown, name: string): string {
  if (typeof value !== "string") throw invalidValue(name);
  return value;
}

function numericId(seed: string, digits: number): string {
  const value = createHash("sha256").update(seed).digest().readBigUInt64BE(0);
  const floor = 10n ** BigInt(digits - 1);
  return String(floor + (value % (9n * floor)));
}

function uuidFrom(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
