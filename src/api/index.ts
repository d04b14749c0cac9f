/**
 * The JSON API door, `/api/v1` (docs/api.md): registered on the gateway's app by
 * {@link registerApi}. In one encapsulated plugin: CORS preflights, authentication by the list of
 * authenticators, the per-origin check, TypeBox validation, problem details for every error, the
 * request log, and the routes of `payment-routes.ts` and `merchant-routes.ts`, plus the OpenAPI
 * document generated from those same routes.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Payments } from "../payments/index.js";
import type { Database } from "../store/database.js";
import { accountingRoutes } from "./accounting-routes.js";
import { adminTokenAuthenticator, apiKeyAuthenticator, authenticate } from "./auth.js";
import { answerPreflight, checkOrigin } from "./cors.js";
import { ApiError, problem, sendProblem } from "./errors.js";
import { merchantRoutes } from "./merchant-routes.js";
import { API_PREFIX, openApiDocument } from "./openapi.js";
import { paymentRoutes } from "./payment-routes.js";
import type { ApiGateway } from "./ports.js";
import type { Authenticator } from "./principal.js";
import { DEFAULT_REQUEST_LOG, noteSubject, RequestLog, type RequestLogOptions } from "./request-log.js";
import { type ApiRoute, fastifyPath } from "./route.js";
import { typeboxValidatorCompiler } from "./validation.js";
import { webhookRoutes } from "./webhook-routes.js";
import { WebhookStore } from "./webhooks.js";

export { API_PREFIX } from "./openapi.js";

export interface ApiDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The payment steps the actions run (src/payments). */
  readonly payments: Payments;
  /** The rest of the gateway the API reads and calls, as ports. */
  readonly gateway: ApiGateway;
  /**
   * More ways to prove a principal, tried after the bearer token ones (the back office's session
   * cookie). An authenticator returns `undefined` when the request is not its kind.
   */
  readonly authenticators?: readonly Authenticator[];
  readonly requestLog?: RequestLogOptions;
  /**
   * The webhook endpoints, shared with the composition root, which hands `webhookNotifier` of the
   * same store to the payment steps and its `signer` to the notify worker (webhooks.ts); default
   * a store over `db` (routes only: nothing is delivered).
   */
  readonly webhooks?: WebhookStore;
  /** The document's `info.version`. */
  readonly version?: string;
}

function apiRoutes(
  deps: ApiDeps,
  requestLog: RequestLog,
  webhooks: { readonly store: WebhookStore; readonly wake: () => void },
): ApiRoute[] {
  const routes: ApiRoute[] = [
    ...paymentRoutes(deps),
    ...webhookRoutes({ db: deps.db, clock: deps.clock, ...webhooks }),
    ...merchantRoutes({ db: deps.db, clock: deps.clock, gateway: deps.gateway, requestLog }),
    ...accountingRoutes(deps.gateway),
  ];
  let document: Record<string, unknown> | undefined;
  routes.push({
    method: "GET",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document",
    tag: "meta",
    public: true,
    responses: { 200: { description: "the OpenAPI 3.1 document" } },
    handler: async () => {
      document ??= openApiDocument(routes, deps.version ?? "1");
      return document;
    },
  });
  return routes;
}

/**
 * Registers `/api/v1` on the app. The door has no background side of its own: its webhooks are
 * delivered by the gateway's notify worker.
 */
export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  const requestLog = new RequestLog(deps.db, deps.requestLog ?? DEFAULT_REQUEST_LOG);
  const store = deps.webhooks ?? new WebhookStore(deps.db, deps.gateway.secrets);
  const authenticators: readonly Authenticator[] = [
    adminTokenAuthenticator((authorization) => deps.gateway.isAdminToken(authorization)),
    apiKeyAuthenticator(deps.db, deps.clock),
    ...(deps.authenticators ?? []),
  ];
  const routes = apiRoutes(deps, requestLog, { store, wake: () => deps.gateway.wakeNotifications() });
  const publicPaths = new Set(routes.filter((route) => route.public).map((route) => fastifyPath(route.path)));

  app.register(
    async (api) => {
      api.setValidatorCompiler(typeboxValidatorCompiler);
      api.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
        if (error instanceof ApiError) return sendProblem(reply, error.toProblem());
        const status = error.statusCode ?? 500;
        if (status >= 500) {
          request.log.error({ err: error }, "JSON API request failed");
          return sendProblem(
            reply,
            problem("internal_error", "the request failed; it may not have been processed"),
          );
        }
        // Fastify's own 4xx (unparsable JSON, wrong content type, body too large).
        return sendProblem(reply, { ...problem("invalid_request", error.message), status });
      });
      api.setNotFoundHandler((request, reply) =>
        sendProblem(reply, problem("not_found", `no route ${request.method} ${request.url.split("?")[0]}`)),
      );
      api.addHook("onRequest", async (request, reply) => {
        if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
          return answerPreflight(deps.db, request, reply);
        }
        if (publicPaths.has(request.routeOptions.url?.slice(API_PREFIX.length) ?? "")) return;
        const principal = await authenticate(request, authenticators);
        request.apiPrincipal = principal;
        if (principal.kind === "merchant") noteSubject(request, { merchantId: principal.merchantId });
        await checkOrigin(deps.db, request, reply, principal);
      });
      api.addHook("onResponse", async (request, reply) => {
        const principal = request.apiPrincipal;
        const merchantId = request.apiSubject?.merchantId;
        if (principal === undefined || merchantId === undefined) return;
        try {
          await requestLog.record(
            {
              merchantId,
              method: request.method,
              path: request.url,
              status: reply.statusCode,
              durationMs: reply.elapsedTime,
              actor: principal.actor,
              payId: request.apiSubject?.payId,
            },
            deps.clock.now(),
          );
        } catch (error) {
          request.log.warn({ err: error }, "JSON API request log entry not written");
        }
      });
      for (const route of routes) {
        api.route({
          method: route.method,
          url: fastifyPath(route.path),
          schema: {
            ...(route.params ? { params: route.params } : {}),
            ...(route.query ? { querystring: route.query } : {}),
            ...(route.body ? { body: route.body } : {}),
          },
          handler: route.handler,
        });
      }
      // Preflights are answered by the hook above; this route only gives OPTIONS a home.
      api.options("/*", async (_request, reply) => reply.code(204).send());
    },
    { prefix: API_PREFIX },
  );
}
