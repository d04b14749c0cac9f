/**
 * The gateway's HTTP application: health, and the admin API behind a bearer token. The Paygate
 * pages, the JSON API and the back office register their routes here as they are built.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { CertificatePem } from "../http/tls.js";
import { httpsServerOptions } from "../http/tls.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import { type BackOfficeDeps, registerBackOffice } from "../web/back-office.js";
import { type MerchantAdminOptions, merchantAdminRoutes } from "./admin-merchants.js";
import { type NotificationAdminOptions, notificationAdminRoutes } from "./admin-notifications.js";
import { isAuthorizedBearer } from "./admin-token.js";
import { type RecurringAdminOptions, recurringAdminRoutes } from "./subscriptions/admin-routes.js";

export interface GatewayAppOptions {
  readonly db: Database;
  readonly logger: Logger;
  readonly adminToken: string;
  readonly merchantAdmin: MerchantAdminOptions;
  /** The URLNotify outbox's admin routes (list, resend). */
  readonly notificationAdmin?: NotificationAdminOptions;
  /** Closing charge permissions and Kasse's subscriptions (docs/recurring.md). */
  readonly recurringAdmin?: RecurringAdminOptions;
  /** The back office (`/back-office`, src/web). */
  readonly backOffice?: BackOfficeDeps;
  /** Omitted in in-process tests (`inject`); every real listener speaks HTTPS. */
  readonly tls?: CertificatePem;
}

export function createGatewayApp(options: GatewayAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    disableRequestLogging: true,
    ...(options.tls ? { https: httpsServerOptions(options.tls) } : {}),
  }) as unknown as FastifyInstance;

  app.get("/health", async () => ({ status: "ok", database: options.db.engine }));

  app.register(
    async (admin) => {
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
      if (options.recurringAdmin) admin.register(recurringAdminRoutes, options.recurringAdmin);
    },
    { prefix: "/api/admin" },
  );
  if (options.backOffice) registerBackOffice(app, options.backOffice);
  return app;
}
