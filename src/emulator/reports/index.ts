import type { FastifyInstance } from "fastify";
import { bindReportsService, registerReportDocumentRoute } from "./reports-api.js";
import { ReportsService, type ReportsServiceOptions } from "./reports-service.js";

export { REPORT_OPERATIONS } from "./reports-api.js";
export type { ReportCaller } from "./reports-service.js";
export { ReportsService } from "./reports-service.js";
export { DEFAULT_FEE_MODEL, type FeeModel } from "./settlement-file.js";

/**
 * Creates the Reports service for the emulator run by `engine` (so `REPORT_OPERATIONS` find it)
 * and registers the unsigned document-link route on `app`.
 */
export function setUpReports(
  app: FastifyInstance,
  engine: object,
  options: ReportsServiceOptions,
): ReportsService {
  const service = new ReportsService(options);
  bindReportsService(engine, service);
  registerReportDocumentRoute(app, service);
  return service;
}
