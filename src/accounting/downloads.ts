/**
 * What every door (admin API, JSON API, back office) does alike with accounting: read a period
 * from a query, hand out a DATEV file or the bookings CSV as a download (type, file name, headers,
 * a stream), and classify accounting's errors into one status, code and field. Each door only
 * renders the outcome in its own way (admin JSON, problem details, a page).
 */
import { createReadStream } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import { AmazonPayError } from "../amazon/errors.js";
import { type Accounting, SettingsError, UnknownMerchantError } from "./accounting.js";
import { dayOfIso } from "./berlin-time.js";
import { CHARTS, type Chart, RuleSetError } from "./booking-rules.js";
import { type DatevExportRequest, ExportError } from "./datev-export.js";
import { SettlementFileError } from "./settlement-parser.js";

export interface Download {
  readonly contentType: string;
  readonly fileName: string;
  /** Further headers (the export log's id, part, rows, SHA-256). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readable;
}

export interface Period {
  readonly fromDay: number;
  readonly toDay: number;
  readonly chart: Chart;
}

/** A refusal of a door's input or of accounting, in the terms every door renders. */
export class AccountingRefusal extends Error {
  override name = "AccountingRefusal";
  constructor(
    readonly status: 400 | 404 | 409 | 422 | 502,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

export function chartOf(value: unknown): Chart | undefined {
  return typeof value === "string" && (CHARTS as readonly string[]).includes(value)
    ? (value as Chart)
    : undefined;
}

/** `from`, `to` (YYYY-MM-DD) and `chart` of a query; throws {@link AccountingRefusal} naming the field. */
export function periodOf(query: Readonly<Record<string, unknown>>): Period {
  const fromDay = dayOfIso(String(query.from ?? ""));
  if (fromDay === undefined)
    throw new AccountingRefusal(400, "invalid_request", "from must be a date YYYY-MM-DD", "from");
  const toDay = dayOfIso(String(query.to ?? ""));
  if (toDay === undefined)
    throw new AccountingRefusal(400, "invalid_request", "to must be a date YYYY-MM-DD", "to");
  const chart = chartOf(query.chart);
  if (!chart) throw new AccountingRefusal(400, "invalid_request", "chart must be SKR03 or SKR04", "chart");
  return { fromDay, toDay, chart };
}

/** Hands out part `part` of a DATEV export (validated, logged): the file streams from disk and is removed after. */
export async function datevDownload(
  accounting: Accounting,
  request: DatevExportRequest,
  part = 1,
): Promise<Download & { readonly exportId: number; readonly rows: number; readonly repeated: boolean }> {
  const files = await accounting.exportDatev(request);
  return extfDownload(files, part);
}

/** An export of the log rebuilt and proven by its hash (`reproduceExport`), as a download. */
export async function reproducedDownload(
  accounting: Accounting,
  merchantId: string,
  exportId: number,
  part = 1,
): Promise<Download & { readonly exportId: number; readonly rows: number; readonly repeated: boolean }> {
  return extfDownload(await accounting.reproduceExport(merchantId, exportId, part), part);
}

async function extfDownload(files: Awaited<ReturnType<Accounting["exportDatev"]>>, part: number) {
  const file = files.parts.find((candidate) => candidate.part === part);
  if (!file) {
    await files.dispose();
    throw new AccountingRefusal(
      404,
      "no_such_part",
      `the export has ${files.totalParts} part(s); it is logged as export ${files.exportId}`,
      "part",
    );
  }
  const body = createReadStream(file.path);
  body.on("close", () => void files.dispose());
  return {
    contentType: "text/csv; charset=windows-1252",
    fileName: file.fileName,
    headers: {
      "x-kasse-export-id": String(files.exportId),
      "x-kasse-export-part": `${file.part}/${files.totalParts}`,
      "x-kasse-export-rows": String(file.rows),
      "x-kasse-export-sha256": file.sha256,
    },
    body,
    exportId: files.exportId,
    rows: files.rows,
    repeated: files.repeated,
  };
}

/** The bookings of a period as the Excel-friendly CSV (docs/accounting.md "CSV export"), streamed. */
export function bookingsCsvDownload(accounting: Accounting, merchantId: string, period: Period): Download {
  if (period.fromDay > period.toDay)
    throw new AccountingRefusal(400, "invalid_request", "from is after to", "from");
  const body = new PassThrough();
  void accounting.exportBookingsCsv(merchantId, period.chart, period.fromDay, period.toDay, body).then(
    () => body.end(),
    (error: unknown) => body.destroy(error as Error),
  );
  return {
    contentType: "text/csv; charset=utf-8",
    fileName: `Buchungen_${merchantId.replace(/[^A-Za-z0-9-]/g, "-")}_${period.chart}_${period.fromDay}_${period.toDay}.csv`,
    headers: {},
    body,
  };
}

/** Accounting's errors as a refusal a door renders; anything else is not a refusal (`undefined`: rethrow). */
export function refusalOf(error: unknown): AccountingRefusal | undefined {
  if (error instanceof AccountingRefusal) return error;
  if (error instanceof RuleSetError || error instanceof SettingsError)
    return new AccountingRefusal(400, "invalid_request", error.message, error.field);
  if (error instanceof UnknownMerchantError)
    return new AccountingRefusal(409, "merchant_inactive", error.message, "merchantId");
  if (error instanceof AmazonPayError)
    return new AccountingRefusal(
      502,
      "amazon_unavailable",
      `Amazon's Reporting API failed: ${error.message}`,
    );
  if (error instanceof SettlementFileError)
    return new AccountingRefusal(422, error.code, error.message, error.field ?? "file", error.line);
  if (error instanceof ExportError) {
    const status =
      error.code === "nothing_to_export" || error.code === "no_such_export" || error.code === "no_such_part"
        ? 404
        : error.code === "not_reproducible"
          ? 409
          : 400;
    return new AccountingRefusal(status, error.code, error.message, error.field);
  }
  return undefined;
}

/** The preview's input from a JSON body: a chart, a draft `rules`, and either `settlementId` or `file`. */
export function previewInput(body: unknown): Parameters<Accounting["preview"]>[1] {
  const input = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const chart = chartOf(input.chart);
  if (!chart) throw new AccountingRefusal(400, "invalid_request", "chart must be SKR03 or SKR04", "chart");
  const { settlementId, file, ledgerCurrency } = input;
  if (
    (settlementId === undefined) === (file === undefined) ||
    (settlementId !== undefined && typeof settlementId !== "string") ||
    (file !== undefined && typeof file !== "string")
  ) {
    throw new AccountingRefusal(
      400,
      "invalid_request",
      "give either settlementId (an imported settlement) or file (a settlement file's text)",
      "settlementId",
    );
  }
  return {
    chart,
    ...(input.rules === undefined ? {} : { rules: input.rules }),
    ...(typeof settlementId === "string" ? { settlementId } : {}),
    ...(typeof file === "string" ? { file } : {}),
    ...(typeof ledgerCurrency === "string" ? { ledgerCurrency } : {}),
  };
}
