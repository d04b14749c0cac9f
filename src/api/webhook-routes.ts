/**
 * `/api/v1/merchants/{merchantId}/webhook-endpoints…`: the merchant's webhook endpoints (create
 * with its secret shown once, list, roll the secret, disable), their deliveries, and the replay
 * button (resend one delivery).
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.js";
import type { Database } from "../store/database.js";
import { normaliseOrigin } from "./cors.js";
import { ApiError } from "./errors.js";
import { noteSubject } from "./request-log.js";
import { type ApiRoute, authorise } from "./route.js";
import {
  MerchantParams,
  PROBLEM,
  RollSecretBody,
  WebhookDelivery,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookEndpointBody,
  WebhookEndpointParams,
  WebhookEndpointWithSecret,
} from "./schemas.js";
import { listDeliveries, resendDelivery } from "./webhook-delivery.js";
import type { WebhookStore } from "./webhooks.js";

export interface WebhookRouteDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly store: WebhookStore;
  /** Asks the delivery worker for a cycle now. */
  readonly wake: () => void;
}

const DEFAULT_GRACE_S = 86_400;

type Req<P, B = unknown> = FastifyRequest<{ Params: P; Body: B }>;

/** https anywhere, http only to loopback (a development shop), as for CORS origins. */
function endpointUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.username !== "" || normaliseOrigin(url.origin) === undefined) {
    throw new ApiError("invalid_request", "body.url: an https URL (http only for localhost)", {
      field: "body.url",
    });
  }
  return url.href;
}

export function webhookRoutes(deps: WebhookRouteDeps): ApiRoute[] {
  const notFound = (id: string | number) =>
    new ApiError("not_found", `no webhook endpoint or delivery ${id}`);
  return [
    {
      method: "GET",
      path: "/merchants/{merchantId}/webhook-endpoints",
      operationId: "listWebhookEndpoints",
      summary: "The merchant's webhook endpoints",
      tag: "webhooks",
      params: MerchantParams,
      responses: {
        200: { description: "endpoints", schema: Type.Object({ endpoints: Type.Array(WebhookEndpoint) }) },
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof MerchantParams>>) => {
        authorise(request, request.params.merchantId, "read");
        return { endpoints: await deps.store.list(request.params.merchantId, deps.clock.now()) };
      },
    },
    {
      method: "POST",
      path: "/merchants/{merchantId}/webhook-endpoints",
      operationId: "createWebhookEndpoint",
      summary: "Register an endpoint; it gets the events from now on, signed with the secret shown once",
      tag: "webhooks",
      params: MerchantParams,
      body: WebhookEndpointBody,
      responses: {
        201: { description: "the endpoint with its secret", schema: WebhookEndpointWithSecret },
        400: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (
        request: Req<Static<typeof MerchantParams>, Static<typeof WebhookEndpointBody>>,
        reply: FastifyReply,
      ) => {
        authorise(request, request.params.merchantId, "admin");
        const created = await deps.store.create(
          request.params.merchantId,
          endpointUrl(request.body.url),
          deps.clock.now(),
        );
        return reply.code(201).header("cache-control", "no-store").send(created);
      },
    },
    {
      method: "POST",
      path: "/merchants/{merchantId}/webhook-endpoints/{endpointId}/roll-secret",
      operationId: "rollWebhookSecret",
      summary: "A new secret; the old one signs too for graceSeconds",
      tag: "webhooks",
      params: WebhookEndpointParams,
      body: RollSecretBody,
      responses: {
        200: { description: "the endpoint with its new secret", schema: WebhookEndpointWithSecret },
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (
        request: Req<Static<typeof WebhookEndpointParams>, Static<typeof RollSecretBody>>,
        reply: FastifyReply,
      ) => {
        const { merchantId, endpointId } = request.params;
        authorise(request, merchantId, "admin");
        const graceMs = (request.body.graceSeconds ?? DEFAULT_GRACE_S) * 1000;
        const rolled = await deps.store.rollSecret(merchantId, endpointId, graceMs, deps.clock.now());
        if (rolled === undefined) throw notFound(endpointId);
        return reply.header("cache-control", "no-store").send(rolled);
      },
    },
    {
      method: "DELETE",
      path: "/merchants/{merchantId}/webhook-endpoints/{endpointId}",
      operationId: "disableWebhookEndpoint",
      summary: "Stop delivering to the endpoint",
      tag: "webhooks",
      params: WebhookEndpointParams,
      responses: {
        200: { description: "the endpoint", schema: WebhookEndpoint },
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof WebhookEndpointParams>>) => {
        const { merchantId, endpointId } = request.params;
        authorise(request, merchantId, "admin");
        const disabled = await deps.store.disable(merchantId, endpointId, deps.clock.now());
        if (disabled === undefined) throw notFound(endpointId);
        return disabled;
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/webhook-endpoints/{endpointId}/deliveries",
      operationId: "listWebhookDeliveries",
      summary: "The endpoint's deliveries, newest first",
      tag: "webhooks",
      params: WebhookEndpointParams,
      responses: {
        200: { description: "deliveries", schema: Type.Object({ deliveries: Type.Array(WebhookDelivery) }) },
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof WebhookEndpointParams>>) => {
        const { merchantId, endpointId } = request.params;
        authorise(request, merchantId, "read");
        return { deliveries: await listDeliveries(deps.db, merchantId, endpointId, 100) };
      },
    },
    {
      method: "POST",
      path: "/merchants/{merchantId}/webhook-deliveries/{deliveryId}/resend",
      operationId: "resendWebhookDelivery",
      summary: "Send a delivery again (the replay button), due now with a fresh retry schedule",
      tag: "webhooks",
      params: WebhookDeliveryParams,
      responses: {
        202: { description: "the delivery", schema: WebhookDelivery },
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof WebhookDeliveryParams>>, reply: FastifyReply) => {
        const { merchantId, deliveryId } = request.params;
        authorise(request, merchantId, "act");
        const resent = await resendDelivery(deps.db, merchantId, deliveryId, deps.clock.now());
        if (resent === undefined) throw notFound(deliveryId);
        noteSubject(request, { payId: resent.payId });
        deps.wake();
        return reply.code(202).send(resent);
      },
    },
  ];
}
