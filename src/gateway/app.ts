/**
 * The gateway's HTTP application: operations (health, metrics, access log, security headers,
 * error answers: src/http/operations.ts), and the admin API behind a bearer token. The Paygate
 * pages, the JSON API and the back office register their routes here as they are built.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { type AccountingAdminOptions, accountingAdminRoutes } from "../accounting/admin-routes.js";
import { type HttpLimits, installOperations, problem, serverOptions } from "../http/operations.js";
import type { CertificatePem } from "../http/tls.js";
import { httpsServerOptions } from "../http/tls.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import { type BackOfficeDeps, registerBackOffice } from "../web/back-office.js";
import { type MerchantAdminOptions, merchantAdminRoutes } from "./admin-merchants.js";
import { type NotificationAdminOptions, notificationAdminRoutes } from "./admin-notifications.js";
import { type OperationAdminOptions, operationAdminRoutes } from "./admin-operations.js";
import { isAuthorizedBearer } from "./admin-token.js";
import { type HealthOptions, healthRoutes } from "./health.js";
import { type RecurringAdminOptions, recurringAdminRoutes } from "./subscriptions/admin-routes.js";

export interface GatewayAppOptions {
  readonly db: Database;
  readonly logger: Logger;
  readonly adminToken: string;
  readonly merchantAdmin: MerchantAdminOptions;
  /** The URLNotify outbox's admin routes (list, resend). */
  readonly notificationAdmin?: NotificationAdminOptions;
  readonly operationAdmin?: OperationAdminOptions;
  /** Closing charge permissions and Kasse's subscriptions (docs/recurring.md). */
  readonly recurringAdmin?: RecurringAdminOptions;
  /** Settlements, bookings and the DATEV export (docs/accounting.md). */
  readonly accountingAdmin?: AccountingAdminOptions;
  /** The back office (`/back-office`, src/web). */
  readonly backOffice?: BackOfficeDeps;
  /** `/livez`, `/readyz`, `/metrics`; omitted by in-process tests of other routes. */
  readonly health?: HealthOptions;
  /** Omitted in in-process tests (`inject`) and behind a TLS-terminating proxy (`--no-tls`). */
  readonly tls?: CertificatePem;
  /** Proxies whose `X-Forwarded-*` headers are believed (`--trusted-proxies`). */
  readonly trustedProxies?: readonly string[];
  readonly limits?: HttpLimits;
}

/** Which door a path belongs to, for the access log and the request metrics. */
export function gatewayDoorOf(path: string): string {
  const lower = path.toLowerCase();
  if (lower.startsWith("/api/admin")) return "admin";
  if (lower.startsWith("/api/")) return "api";
  if (lower === "/amazonapav2notify.aspx") return "ipn";
  if (lower.endsWith(".aspx")) return "paygate";
  if (["/livez", "/readyz", "/metrics", "/health"].includes(lower)) return "ops";
  return "web";
}

/** Control characters (NUL above all) in a path parameter or query value: refused before any lookup. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export function createGatewayApp(options: GatewayAppOptions): FastifyInstance {
  const { nodeServer, ...fastifyOptions } = serverOptions(options.limits, options.trustedProxies);
  const app = Fastify({
    loggerInstance: options.logger,
    ...fastifyOptions,
    ...(options.tls
      ? { https: { ...nodeServer, ...httpsServerOptions(options.tls) } }
      : { http: nodeServer }),
  }) as unknown as FastifyInstance;
  installOperations(app, { doorOf: gatewayDoorOf });
  if (options.health) app.register(healthRoutes, options.health);
  else app.get("/health", async () => ({ status: "ok", database: options.db.engine }));

  app.register(
    async (admin) => {
      admin.addHook("preHandler", async (request, reply) => {
        const values = [
          ...Object.values((request.params ?? {}) as Record<string, unknown>),
          ...Object.values((request.query ?? {}) as Record<string, unknown>).flat(),
        ];
        if (values.some((value) => typeof value === "string" && CONTROL.test(value)))
          return problem(
            reply,
            400,
            "Bad Request",
            "control characters (e.g. NUL) are not allowed in paths or queries",
          );
      });
      admin.addHook("onRequest", async (request, reply) => {
        if (!isAuthorizedBearer(request.headers.authorization, options.adminToken)) {
          reply.header("www-authenticate", 'Bearer realm="kasse-admin"');
          return reply
            .code(401)
            .send({ error: "unauthorized", message: "a valid admin bearer token is required" });
        }
      });
      admin.get("/health", async () => ({ status: "ok" }));
      admin.register(merchantAdminRoutes, options.merchantAdmin);
      if (options.notificationAdmin) admin.register(notificationAdminRoutes, options.notificationAdmin);
      if (options.operationAdmin) admin.register(operationAdminRoutes, options.operationAdmin);
      if (options.recurringAdmin) admin.register(recurringAdminRoutes, options.recurringAdmin);
      if (options.accountingAdmin) admin.register(accountingAdminRoutes, options.accountingAdmin);
    },
    { prefix: "/api/admin" },
  );
  if (options.backOffice) registerBackOffice(app, options.backOffice);
  return app;
}
