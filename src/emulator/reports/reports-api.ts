import type { FastifyInstance } from "fastify";
import { type ApiOperation, type OperationContext, operation, param } from "../api/operation.js";
import type { ObjectSchema } from "../api/schema.js";
import { AmazonError } from "../errors.js";
import type { ReportCaller, ReportsService } from "./reports-service.js";

/**
 * The Reports operations (reference §4, §13) for the emulator's API layer, which verifies the
 * signature, applies faults and idempotency, and runs each inside its transaction; plus the
 * unsigned, pre-signed document link.
 */

const string = { type: "string" } as const;
const NO_BODY: ObjectSchema = { type: "object", fields: {} };
const CREATE_REPORT: ObjectSchema = {
  type: "object",
  fields: { reportType: string, startTime: string, endTime: string },
  required: ["reportType", "startTime", "endTime"],
};
const CREATE_REPORT_SCHEDULE: ObjectSchema = {
  type: "object",
  fields: {
    reportType: string,
    scheduleFrequency: string,
    nextReportCreationTime: string,
    deleteExistingSchedule: { type: "boolean" },
  },
  required: ["reportType", "scheduleFrequency"],
};

const services = new WeakMap<object, ReportsService>();

/** Makes `service` answer the Reports operations of the emulator run by `engine`. */
export function bindReportsService(engine: object, service: ReportsService): void {
  services.set(engine, service);
}

/** The service on the request's unit of work: its transaction and its emulated now. */
function on(call: OperationContext): ReportsService {
  const service = services.get(call.engine);
  if (!service) throw new Error("the Reports service is not set up for this emulator (setUpReports)");
  return service.within(call.work.tx, call.work.now);
}

/** The eight Reports operations, named as the official SDK names its methods. */
export const REPORT_OPERATIONS: readonly ApiOperation[] = (() => {
  const caller = (call: OperationContext): ReportCaller => ({
    merchantId: call.context.merchant.merchantId,
    environment: call.context.environment,
  });
  const id = (call: OperationContext) => param(call, "id");
  const get = (name: string, path: string, run: (call: OperationContext) => Promise<unknown>) =>
    operation({
      name,
      method: "GET",
      path,
      schema: NO_BODY,
      idempotency: "ignored",
      run: async (call) => ({ status: 200, body: await run(call) }),
    });
  return [
    get("getReports", "reports", (call) => on(call).listReports(caller(call), singleValues(call.query))),
    get("getReportById", "reports/:id", (call) => on(call).getReport(caller(call), id(call))),
    operation({
      name: "createReport",
      method: "POST",
      path: "reports",
      schema: CREATE_REPORT,
      idempotency: "optional",
      run: async (call) => ({ status: 201, body: await on(call).createReport(caller(call), call.body) }),
    }),
    get("getReportDocument", "report-documents/:id", (call) =>
      on(call).getReportDocument(caller(call), id(call)),
    ),
    get("getReportSchedules", "report-schedules", (call) =>
      on(call).listSchedules(caller(call), singleValues(call.query).reportTypes),
    ),
    get("getReportScheduleById", "report-schedules/:id", (call) =>
      on(call).getSchedule(caller(call), id(call)),
    ),
    operation({
      name: "createReportSchedule",
      method: "POST",
      path: "report-schedules",
      schema: CREATE_REPORT_SCHEDULE,
      idempotency: "optional",
      run: async (call) => ({ status: 201, body: await on(call).createSchedule(caller(call), call.body) }),
    }),
    operation({
      name: "cancelReportSchedule",
      method: "DELETE",
      path: "report-schedules/:id",
      schema: NO_BODY,
      idempotency: "ignored",
      run: async (call) => ({ status: 200, body: await on(call).cancelSchedule(caller(call), id(call)) }),
    }),
  ];
})();

/** Query parameters by name; one given twice is as invalid as a malformed one. */
function singleValues(query: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of new Set(query.keys())) {
    const all = query.getAll(name);
    if (all.length > 1)
      throw new AmazonError("InvalidParameterValue", `The value provided for ${name} is invalid.`);
    values[name] = all[0] as string;
  }
  return values;
}

/** `GET /__reports/documents/{id}?Expires&Signature`: the pre-signed link, answered like S3. */
export function registerReportDocumentRoute(app: FastifyInstance, service: ReportsService): void {
  app.get<{ Params: { id: string }; Querystring: { Expires?: string; Signature?: string } }>(
    "/__reports/documents/:id",
    async (request, reply) => {
      const { Expires = "", Signature = "" } = request.query;
      const document = await service.documentForLink(request.params.id, Expires, Signature);
      if (!document) {
        return reply
          .code(403)
          .type("application/xml")
          .send(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired or the signature does not match</Message></Error>',
          );
      }
      return reply.code(200).type("text/csv; charset=UTF-8").send(document);
    },
  );
}
