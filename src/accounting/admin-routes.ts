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
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Accounting } from "./accounting.js";
import {
  bookingsCsvDownload,
  chartOf,
  type Download,
  datevDownload,
  periodOf,
  previewInput,
  refusalOf,
  reproducedDownload,
} from "./downloads.js";

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

function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  return reply
    .code(200)
    .headers({ ...download.headers, "content-type": download.contentType })
    .header("content-disposition", `attachment; filename="${download.fileName}"`)
    .send(download.body);
}

/** Runs a route's work; accounting's refusals become the admin API's `{error, message, field}`. */
async function answer(reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    if (refusal.status === 502)
      reply.log.error({ err: error }, "settlement import: Amazon's Reporting API failed");
    return reply.code(refusal.status).send({
      error: refusal.code,
      message: refusal.message,
      ...(refusal.field ? { field: refusal.field } : {}),
      ...(refusal.line ? { line: refusal.line } : {}),
    });
  }
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
      return answer(reply, () => accounting.importSettlements(merchantId));
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
      return answer(reply, () => accounting.saveRules(req.params.merchantId, chart, req.body));
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
      return answer(reply, () => accounting.saveDatevSettings(req.params.merchantId, req.body));
    },
  );

  app.post<{ Params: { merchantId: string } }>(
    "/merchants/:merchantId/accounting/preview",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      return answer(reply, async () => {
        const input = previewInput(req.body);
        const preview = await accounting.preview(merchantId, input);
        if (!preview)
          return notFound(
            reply,
            "settlementId",
            `no settlement ${String(input.settlementId)} of ${merchantId}`,
          );
        return preview;
      });
    },
  );

  app.get<{ Params: { merchantId: string }; Querystring: Query }>(
    "/merchants/:merchantId/exports/datev",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      return answer(reply, async () => {
        const period = periodOf(req.query);
        const part = req.query.part === undefined ? 1 : Number(req.query.part);
        if (!Number.isInteger(part) || part < 1)
          return badRequest(reply, "part", "part must be a positive integer");
        if (
          req.query.reexport !== undefined &&
          req.query.reexport !== "true" &&
          req.query.reexport !== "false"
        ) {
          return badRequest(reply, "reexport", "reexport must be true or false");
        }
        const download = await datevDownload(
          accounting,
          { merchantId, ...period, reexport: req.query.reexport === "true" },
          part,
        );
        req.log.info(
          { merchantId, exportId: download.exportId, rows: download.rows, repeated: download.repeated },
          "DATEV export handed out",
        );
        return sendDownload(reply, download);
      });
    },
  );

  app.get<{ Params: { merchantId: string }; Querystring: Query }>(
    "/merchants/:merchantId/exports/bookings.csv",
    async (req, reply) => {
      const { merchantId } = req.params;
      if (!(await known(merchantId, reply))) return reply;
      return answer(reply, async () =>
        sendDownload(reply, bookingsCsvDownload(accounting, merchantId, periodOf(req.query))),
      );
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
      return answer(reply, async () =>
        sendDownload(reply, await reproducedDownload(accounting, merchantId, Number(exportId), part)),
      );
    },
  );
}
