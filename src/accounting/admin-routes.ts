/**
 * Accounting's admin API, inside `/api/admin` behind the bearer token (docs/accounting.md
 * "Admin API"; CONTRACT.md lists the import and the DATEV export):
 * - `POST /merchants/{id}/settlements/import` → the import's counts, failures, missing periods, reconciliations;
 * - `GET /merchants/{id}/settlements[?limit&before]`, `GET …/settlements/{settlementId}` → reconciliation, lines;
 * - `POST …/settlements/{settlementId}/rebook` → reversal and new bookings after a rule change;
 * - `GET|PUT /merchants/{id}/accounting/rules/{SKR03|SKR04}`, `GET|PUT …/accounting/datev`;
 * - `POST /merchants/{id}/accounting/preview` `{chart, rules?, settlementId? | file?}` → what it books;
 * - `GET /merchants/{id}/exports/datev?from&to&chart[&part&reexport]` → the EXTF file;
 * - `GET /merchants/{id}/exports[/{exportId}[?part]]` → the export log, or an export rebuilt;
 * - `GET /merchants/{id}/exports/bookings.csv?from&to&chart` → the bookings for Excel.
 */
import { createReadStream } from "node:fs";
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { AmazonPayError } from "../amazon/errors.js";
import { type Accounting, SettingsError, UnknownMerchantError } from "./accounting.js";
import { dayOfIso } from "./berlin-time.js";
import { CHARTS, type Chart, RuleSetError } from "./booking-rules.js";
import { ExportError, type ExportedFiles } from "./datev-export.js";
import { SettlementFileError } from "./settlement-parser.js";

export interface AccountingAdminOptions {
  readonly accounting: Accounting;
  /** Whether the merchant exists (any state); accounting reads inactive merchants' books too. */
  readonly merchantExists: (merchantId: string) => Promise<boolean>;
}

function badRequest(reply: FastifyReply, field: string, message: string): FastifyReply {
  return reply.code(400).send({ error: "invalid_request", message, field });
}

function notFound(reply: FastifyReply, field: string, message: string): FastifyReply {
  return reply.code(404).send({ error: "not_found", message, field });
}

type Query = Record<string, string | undefined>;

function chartOf(value: string | undefined): Chart | undefined {
  return (CHARTS as readonly string[]).includes(value ?? "") ? (value as Chart) : undefined;
}

function periodOf(
  query: Query,
): { fromDay: number; toDay: number; chart: Chart } | { field: string; message: string } {
  const fromDay = dayOfIso(query.from ?? "");
  if (fromDay === undefined) return { field: "from", message: "from must be a date YYYY-MM-DD" };
  const toDay = dayOfIso(query.to ?? "");
  if (toDay === undefined) return { field: "to", message: "to must be a date YYYY-MM-DD" };
  const chart = chartOf(query.chart);
  if (!chart) return { field: "chart", message: "chart must be SKR03 or SKR04" };
  return { fromDay, toDay, chart };
}

async function sendExtf(reply: FastifyReply, files: ExportedFiles, part: number): Promise<FastifyReply> {
  const file = files.parts.find((candidate) => candidate.part === part) ?? files.parts[0];
  if (!file) {
    await files.dispose();
    return notFound(reply, "part", "no such part");
  }
  const stream = createReadStream(file.path);
  stream.on("close", () => void files.dispose());
  return reply
    .code(200)
    .header("content-type", "text/csv; charset=windows-1252")
    .header("content-disposition", `attachment; filename="${file.fileName}"`)
    .header("x-kasse-export-id", String(files.exportId))
    .header("x-kasse-export-part", `${file.part}/${files.totalParts}`)
    .header("x-kasse-export-rows", String(file.rows))
    .header("x-kasse-export-sha256", file.sha256)
    .send(stream);
}

function exportErrorReply(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof ExportError) {
    const status =
      error.code === "nothing_to_export" || error.code === "no_such_export" || error.code === "no_such_part"
        ? 404
        : error.code === "not_reproducible"
          ? 409
          : 400;
    return reply
      .code(status)
      .send({ error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) });
  }
  throw error;
}

export async function accountingAdminRoutes(
  app: FastifyInstance,
  options: AccountingAdminOptions,
): Promise<void> {
  const { accounting } = options;
  const known = async (merchantId: string, reply: FastifyReply) => {
    if (await options.merchantExists(merchantId)) return true;
    notFound(reply, "merchantId", `no merchant ${merchantId}`);
    return false;
  };

  app.post<{ Params: { merchantId: string } }>(
    "/merchants/:merchantId/settlements/import",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      try {
        return await accounting.importSettlements(merchantId);
      } catch (error) {
        if (error instanceof UnknownMerchantError)
          return reply
            .code(409)
            .send({ error: "merchant_inactive", message: error.message, field: "merchantId" });
        if (error instanceof AmazonPayError) {
          req.log.error({ merchantId, err: error }, "settlement import: Amazon's Reporting API failed");
          return reply.code(502).send({
            error: "amazon_unavailable",
            message: `Amazon's Reporting API failed: ${error.message}`,
          });
        }
        throw error;
      }
    },
  );

  app.get<{ Params: { merchantId: string }; Querystring: Query }>(
    "/merchants/:merchantId/settlements",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        return badRequest(reply, "limit", "limit must be 1–500");
      const before = req.query.before === undefined ? undefined : Date.parse(req.query.before);
      if (before !== undefined && Number.isNaN(before))
        return badRequest(reply, "before", "before must be an ISO timestamp (a period start)");
      return { settlements: await accounting.settlements(merchantId, limit, before) };
    },
  );

  app.get<{ Params: { merchantId: string; settlementId: string } }>(
    "/merchants/:merchantId/settlements/:settlementId",
    async (req, reply) => {
      const { merchantId, settlementId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      const found = await accounting.settlement(merchantId, settlementId);
      if (!found) return notFound(reply, "settlementId", `no settlement ${settlementId} of ${merchantId}`);
      return { settlement: found.reconciliation, lines: found.lines };
    },
  );

  app.post<{ Params: { merchantId: string; settlementId: string } }>(
    "/merchants/:merchantId/settlements/:settlementId/rebook",
    async (req, reply) => {
      const { merchantId, settlementId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      if (!(await accounting.settlement(merchantId, settlementId)))
        return notFound(reply, "settlementId", `no settlement ${settlementId} of ${merchantId}`);
      return accounting.rebook(merchantId, settlementId);
    },
  );

  app.get<{ Params: { merchantId: string; chart: string } }>(
    "/merchants/:merchantId/accounting/rules/:chart",
    async (req, reply) => {
      const chart = chartOf(req.params.chart);
      if (!chart) return notFound(reply, "chart", "chart must be SKR03 or SKR04");
      if (!(await known(req.params.merchantId, reply))) return reply;
      return accounting.rules(req.params.merchantId, chart);
    },
  );

  app.put<{ Params: { merchantId: string; chart: string } }>(
    "/merchants/:merchantId/accounting/rules/:chart",
    async (req, reply) => {
      const chart = chartOf(req.params.chart);
      if (!chart) return notFound(reply, "chart", "chart must be SKR03 or SKR04");
      if (!(await known(req.params.merchantId, reply))) return reply;
      try {
        return await accounting.saveRules(req.params.merchantId, chart, req.body);
      } catch (error) {
        if (error instanceof RuleSetError) return badRequest(reply, error.field, error.message);
        throw error;
      }
    },
  );

  app.get<{ Params: { merchantId: string } }>(
    "/merchants/:merchantId/accounting/datev",
    async (req, reply) => {
      if (!(await known(req.params.merchantId, reply))) return reply;
      return accounting.datevSettings(req.params.merchantId);
    },
  );

  app.put<{ Params: { merchantId: string } }>(
    "/merchants/:merchantId/accounting/datev",
    async (req, reply) => {
      if (!(await known(req.params.merchantId, reply))) return reply;
      try {
        return await accounting.saveDatevSettings(req.params.merchantId, req.body);
      } catch (error) {
        if (error instanceof SettingsError) return badRequest(reply, error.field, error.message);
        throw error;
      }
    },
  );

  app.post<{ Params: { merchantId: string } }>(
    "/merchants/:merchantId/accounting/preview",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as Record<
        string,
        unknown
      >;
      const chart = chartOf(typeof body.chart === "string" ? body.chart : undefined);
      if (!chart) return badRequest(reply, "chart", "chart must be SKR03 or SKR04");
      const { settlementId, file, ledgerCurrency } = body;
      if (
        (settlementId === undefined) === (file === undefined) ||
        (settlementId !== undefined && typeof settlementId !== "string") ||
        (file !== undefined && typeof file !== "string")
      ) {
        return badRequest(
          reply,
          "settlementId",
          "give either settlementId (an imported settlement) or file (a settlement file's text)",
        );
      }
      try {
        const preview = await accounting.preview(merchantId, {
          chart,
          ...(body.rules === undefined ? {} : { rules: body.rules }),
          ...(typeof settlementId === "string" ? { settlementId } : {}),
          ...(typeof file === "string" ? { file } : {}),
          ...(typeof ledgerCurrency === "string" ? { ledgerCurrency } : {}),
        });
        if (!preview)
          return notFound(reply, "settlementId", `no settlement ${String(settlementId)} of ${merchantId}`);
        return preview;
      } catch (error) {
        if (error instanceof RuleSetError) return badRequest(reply, error.field, error.message);
        if (error instanceof SettlementFileError) {
          return reply.code(422).send({
            error: error.code,
            message: error.message,
            field: error.field ?? "file",
            ...(error.line ? { line: error.line } : {}),
          });
        }
        throw error;
      }
    },
  );

  app.get<{ Params: { merchantId: string }; Querystring: Query }>(
    "/merchants/:merchantId/exports/datev",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      const period = periodOf(req.query);
      if ("field" in period) return badRequest(reply, period.field, period.message);
      const part = req.query.part === undefined ? 1 : Number(req.query.part);
      if (!Number.isInteger(part) || part < 1)
        return badRequest(reply, "part", "part must be a positive integer");
      const reexport = req.query.reexport === "true";
      if (
        req.query.reexport !== undefined &&
        req.query.reexport !== "true" &&
        req.query.reexport !== "false"
      ) {
        return badRequest(reply, "reexport", "reexport must be true or false");
      }
      try {
        const files = await accounting.exportDatev({ merchantId, ...period, reexport });
        if (part > files.parts.length) {
          await files.dispose();
          return notFound(
            reply,
            "part",
            `the export has ${files.parts.length} part(s); it is logged as export ${files.exportId}`,
          );
        }
        req.log.info(
          { merchantId, exportId: files.exportId, rows: files.rows, repeated: files.repeated },
          "DATEV export handed out",
        );
        return await sendExtf(reply, files, part);
      } catch (error) {
        return exportErrorReply(reply, error);
      }
    },
  );

  app.get<{ Params: { merchantId: string }; Querystring: Query }>(
    "/merchants/:merchantId/exports/bookings.csv",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      const period = periodOf(req.query);
      if ("field" in period) return badRequest(reply, period.field, period.message);
      if (period.fromDay > period.toDay) return badRequest(reply, "from", "from is after to");
      const body = new PassThrough();
      void accounting.exportBookingsCsv(merchantId, period.chart, period.fromDay, period.toDay, body).then(
        () => body.end(),
        (error: unknown) => body.destroy(error as Error),
      );
      return reply
        .code(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header(
          "content-disposition",
          `attachment; filename="Buchungen_${merchantId.replace(/[^A-Za-z0-9-]/g, "-")}_${period.chart}_${period.fromDay}_${period.toDay}.csv"`,
        )
        .send(body);
    },
  );

  app.get<{ Params: { merchantId: string } }>("/merchants/:merchantId/exports", async (req, reply) => {
    if (!(await known(req.params.merchantId, reply))) return reply;
    return { exports: await accounting.exports(req.params.merchantId) };
  });

  app.get<{ Params: { merchantId: string; exportId: string }; Querystring: Query }>(
    "/merchants/:merchantId/exports/:exportId",
    async (req, reply) => {
      const { merchantId, exportId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      if (!/^[1-9]\d{0,15}$/.test(exportId)) return notFound(reply, "exportId", `no export ${exportId}`);
      const part = req.query.part === undefined ? 1 : Number(req.query.part);
      if (!Number.isInteger(part) || part < 1)
        return badRequest(reply, "part", "part must be a positive integer");
      try {
        return await sendExtf(
          reply,
          await accounting.reproduceExport(merchantId, Number(exportId), part),
          part,
        );
      } catch (error) {
        return exportErrorReply(reply, error);
      }
    },
  );
}
