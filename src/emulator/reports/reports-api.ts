import type { FastifyInstance } from "fastify";
import { AmazonError } from "../errors.js";
import type { ReportCaller, ReportsService } from "./reports-service.js";

/**
 * The Reports operations (reference §4) as answers for the emulator's API dispatcher, which
 * has already verified the signature and knows the caller; plus the unsigned document link.
 */

export interface ReportAnswer {
  status: number;
  body: unknown;
}

export type ReportQuery = Record<string, string | readonly string[] | undefined>;

/**
 * Answers a Reports request, or `undefined` when `path` (the part after `/v2/`, without query
 * or trailing slash) is no Reports resource. Errors become Amazon's error bodies.
 */
export async function answerReportRequest(
  service: ReportsService,
  caller: ReportCaller,
  request: { method: string; path: string; query: ReportQuery; body: unknown },
): Promise<ReportAnswer | undefined> {
  const route = matchReportRoute(request.method, request.path);
  if (!route) return undefined;
  try {
    return await route(service, caller, request.query, request.body);
  } catch (error) {
    if (error instanceof AmazonError) return { status: error.status, body: error.toBody() };
    throw error;
  }
}

type Handler = (
  service: ReportsService,
  caller: ReportCaller,
  query: ReportQuery,
  body: unknown,
) => Promise<ReportAnswer>;

/** The operation behind a method and path, named as the official SDK names its methods. */
export function reportOperationOf(method: string, path: string): string | undefined {
  return matchRoute(method, path)?.[0];
}

function matchReportRoute(method: string, path: string): Handler | undefined {
  return matchRoute(method, path)?.[1];
}

function matchRoute(method: string, path: string): [string, Handler] | undefined {
  const parts = path.replace(/^\/+|\/+$/g, "").split("/");
  const [resource, id, extra] = parts;
  if (extra !== undefined) return undefined;
  const decoded = id === undefined ? undefined : decodeURIComponent(id);
  const ok = (status: number, body: unknown): ReportAnswer => ({ status, body });
  switch (`${method.toUpperCase()} ${resource}${decoded === undefined ? "" : "/:id"}`) {
    case "GET reports":
      return ["getReports", async (s, c, q) => ok(200, await s.listReports(c, singleValues(q)))];
    case "GET reports/:id":
      return ["getReportById", async (s, c) => ok(200, await s.getReport(c, decoded as string))];
    case "POST reports":
      return ["createReport", async (s, c, _q, b) => ok(201, await s.createReport(c, b))];
    case "GET report-documents/:id":
      return ["getReportDocument", async (s, c) => ok(200, await s.getReportDocument(c, decoded as string))];
    case "GET report-schedules":
      return [
        "getReportSchedules",
        async (s, c, q) => ok(200, await s.listSchedules(c, singleValues(q).reportTypes)),
      ];
    case "GET report-schedules/:id":
      return ["getReportScheduleById", async (s, c) => ok(200, await s.getSchedule(c, decoded as string))];
    case "POST report-schedules":
      return ["createReportSchedule", async (s, c, _q, b) => ok(201, await s.createSchedule(c, b))];
    case "DELETE report-schedules/:id":
      return ["cancelReportSchedule", async (s, c) => ok(200, await s.cancelSchedule(c, decoded as string))];
    default:
      return undefined;
  }
}

/** A parameter given twice is as invalid as a malformed one. */
function singleValues(query: ReportQuery): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) {
      throw new AmazonError("InvalidParameterValue", `The value provided for ${name} is invalid.`);
    }
    values[name] = value as string | undefined;
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
