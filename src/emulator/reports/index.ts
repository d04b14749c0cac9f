import type { FastifyInstance } from "fastify";
import { registerReportDocumentRoute } from "./reports-api.js";
import { ReportsService, type ReportsServiceOptions } from "./reports-service.js";

export { answerReportRequest, reportOperationOf } from "./reports-api.js";
export type { ReportCaller } from "./reports-service.js";
export { ReportsService } from "./reports-service.js";
export { DEFAULT_FEE_MODEL, type FeeModel } from "./settlement-file.js";

/** The Reports service, with its unsigned document-link route registered on `app`. */
export function setUpReports(app: FastifyInstance, options: ReportsServiceOptions): ReportsService {
  const service = new ReportsService(options);
  registerReportDocumentRoute(app, service);
  return service;
}
