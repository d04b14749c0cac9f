/**
 * `/api/v1/merchants/…`: merchants (list, one; creating one stays on the admin API), their API
 * keys, their allowed browser origins, their URLNotify notifications (list, resend), their
 * subscriptions (list, one, pause, resume, cancel), and the request log. Each reuses the store
 * functions the admin API uses.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.js";
import { listNotifications, resendNotification } from "../notify/outbox.js";
import type { Database } from "../store/database.js";
import { createApiKey, listApiKeys, revokeApiKey } from "./api-keys.js";
import { principalOf } from "./auth.js";
import { allowedOrigins, setAllowedOrigins } from "./cors.js";
import { ApiError } from "./errors.js";
import type { ApiGateway, MerchantView } from "./ports.js";
import { canRead } from "./principal.js";
import type { RequestLog } from "./request-log.js";
import { noteSubject } from "./request-log.js";
import { type ApiRoute, authorise, type RouteRequest as Req, scopeFor } from "./route.js";
import {
  ApiKey,
  ApiKeyBody,
  ApiKeyParams,
  Merchant,
  MerchantParams,
  NewApiKey,
  Notification,
  NotificationParams,
  NotificationQuery,
  Origins,
  PROBLEM,
  RequestLogEntry,
  RequestLogQuery,
  Subscription,
  SubscriptionParams,
} from "./schemas.js";

export interface MerchantRouteDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly gateway: ApiGateway;
  readonly requestLog: RequestLog;
}

function merchantJson(summary: MerchantView): Static<typeof Merchant> {
  return {
    merchantId: summary.merchantId,
    name: summary.name,
    active: summary.active,
    amazon: { ...summary.amazon },
    createdAt: summary.createdAt,
  };
}

export function merchantRoutes(deps: MerchantRouteDeps): ApiRoute[] {
  const { db } = deps;
  const mustExist = async (merchantId: string) => {
    const summary = await deps.gateway.merchants.summary(merchantId);
    if (summary === undefined) throw new ApiError("not_found", `no merchant ${merchantId}`);
    return summary;
  };
  const recurring = () => {
    const side = deps.gateway.subscriptions();
    if (side === undefined) throw new ApiError("unavailable", "recurring payments are not set up");
    return side;
  };
  const subscription = (verb: "pause" | "resume" | "cancel"): ApiRoute => ({
    method: "POST",
    path: `/merchants/{merchantId}/subscriptions/{subscriptionId}/${verb}`,
    operationId: `${verb}Subscription`,
    summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a subscription`,
    tag: "subscriptions",
    params: SubscriptionParams,
    responses: { 200: { description: "the subscription", schema: Subscription }, 403: PROBLEM, 404: PROBLEM },
    handler: async (request: Req<Static<typeof SubscriptionParams>>) => {
      const { merchantId, subscriptionId } = request.params;
      authorise(request, merchantId, "act");
      const status = ({ pause: "paused", resume: "active", cancel: "canceled" } as const)[verb];
      const changed = await recurring().setStatus(merchantId, subscriptionId, status);
      if (changed === undefined) {
        throw new ApiError("not_found", `no subscription ${subscriptionId} that can be ${verb}d`);
      }
      return changed;
    },
  });

  return [
    {
      method: "GET",
      path: "/merchants",
      operationId: "listMerchants",
      summary: "The merchants the principal may see (an operator: all)",
      tag: "merchants",
      responses: {
        200: { description: "merchants", schema: Type.Object({ merchants: Type.Array(Merchant) }) },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const all = await deps.gateway.merchants.list();
        return {
          merchants: all.filter((merchant) => canRead(principal, merchant.merchantId)).map(merchantJson),
        };
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}",
      operationId: "getMerchant",
      summary: "One merchant (no secrets)",
      tag: "merchants",
      params: MerchantParams,
      responses: { 200: { description: "the merchant", schema: Merchant }, 404: PROBLEM },
      handler: async (request: Req) => {
        authorise(request, request.params.merchantId, "read");
        return merchantJson(await mustExist(request.params.merchantId));
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/api-keys",
      operationId: "listApiKeys",
      summary: "The merchant's API keys (never the keys themselves)",
      tag: "api-keys",
      params: MerchantParams,
      responses: {
        200: { description: "keys", schema: Type.Object({ apiKeys: Type.Array(ApiKey) }) },
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (request: Req) => {
        authorise(request, request.params.merchantId, "admin");
        return { apiKeys: await listApiKeys(db, request.params.merchantId) };
      },
    },
    {
      method: "POST",
      path: "/merchants/{merchantId}/api-keys",
      operationId: "createApiKey",
      summary: "Create an API key; the answer is the only time the key is shown",
      tag: "api-keys",
      params: MerchantParams,
      body: ApiKeyBody,
      responses: {
        201: { description: "the new key", schema: NewApiKey },
        400: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (
        request: Req<Static<typeof MerchantParams>, unknown, Static<typeof ApiKeyBody>>,
        reply,
      ) => {
        const principal = authorise(request, request.params.merchantId, "admin");
        await mustExist(request.params.merchantId);
        const created = await createApiKey(
          db,
          { merchantId: request.params.merchantId, ...request.body, createdBy: principal.actor },
          deps.clock.now(),
        );
        return reply.code(201).header("cache-control", "no-store").send(created);
      },
    },
    {
      method: "DELETE",
      path: "/merchants/{merchantId}/api-keys/{keyId}",
      operationId: "revokeApiKey",
      summary: "Revoke an API key at once",
      tag: "api-keys",
      params: ApiKeyParams,
      responses: { 200: { description: "the revoked key", schema: ApiKey }, 403: PROBLEM, 404: PROBLEM },
      handler: async (request: Req<Static<typeof ApiKeyParams>>) => {
        authorise(request, request.params.merchantId, "admin");
        const revoked = await revokeApiKey(
          db,
          request.params.merchantId,
          request.params.keyId,
          deps.clock.now(),
        );
        if (revoked === undefined) throw new ApiError("not_found", `no key ${request.params.keyId}`);
        return revoked;
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/cors-origins",
      operationId: "getCorsOrigins",
      summary: "Browser origins allowed to call the API with this merchant's credentials",
      tag: "merchants",
      params: MerchantParams,
      responses: { 200: { description: "origins", schema: Origins }, 404: PROBLEM },
      handler: async (request: Req) => {
        authorise(request, request.params.merchantId, "read");
        return { origins: await allowedOrigins(db, request.params.merchantId) };
      },
    },
    {
      method: "PUT",
      path: "/merchants/{merchantId}/cors-origins",
      operationId: "setCorsOrigins",
      summary: "Replace the allowed browser origins (exact origins, no wildcard)",
      tag: "merchants",
      params: MerchantParams,
      body: Origins,
      responses: {
        200: { description: "origins", schema: Origins },
        400: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof MerchantParams>, unknown, Static<typeof Origins>>) => {
        authorise(request, request.params.merchantId, "admin");
        await mustExist(request.params.merchantId);
        return {
          origins: await setAllowedOrigins(
            db,
            request.params.merchantId,
            request.body.origins,
            deps.clock.now(),
          ),
        };
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/notifications",
      operationId: "listNotifications",
      summary: "URLNotify notifications, newest first",
      tag: "notifications",
      params: MerchantParams,
      query: NotificationQuery,
      responses: {
        200: {
          description: "notifications",
          schema: Type.Object({ notifications: Type.Array(Notification) }),
        },
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof MerchantParams>, Static<typeof NotificationQuery>>) => {
        authorise(request, request.params.merchantId, "read");
        const { status, payId, before, limit } = request.query;
        if (payId !== undefined) noteSubject(request, { payId });
        return {
          notifications: await listNotifications(db, request.params.merchantId, {
            ...(status === undefined ? {} : { status }),
            ...(payId === undefined ? {} : { payId }),
            ...(before === undefined ? {} : { before }),
            limit: limit ?? 50,
          }),
        };
      },
    },
    {
      method: "POST",
      path: "/merchants/{merchantId}/notifications/{notificationId}/resend",
      operationId: "resendNotification",
      summary: "Send a notification again, due now with a fresh retry schedule",
      tag: "notifications",
      params: NotificationParams,
      responses: {
        202: { description: "the notification", schema: Notification },
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof NotificationParams>>, reply: FastifyReply) => {
        const { merchantId, notificationId } = request.params;
        authorise(request, merchantId, "act");
        const resent = await resendNotification(db, merchantId, notificationId, deps.clock.now());
        if (resent === undefined) throw new ApiError("not_found", `no notification ${notificationId}`);
        noteSubject(request, { payId: resent.payId });
        deps.gateway.wakeNotifications();
        return reply.code(202).send(resent);
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/subscriptions",
      operationId: "listSubscriptions",
      summary: "Kasse's subscriptions of the merchant",
      tag: "subscriptions",
      params: MerchantParams,
      responses: {
        200: {
          description: "subscriptions",
          schema: Type.Object({ subscriptions: Type.Array(Subscription) }),
        },
        404: PROBLEM,
      },
      handler: async (request: Req) => {
        authorise(request, request.params.merchantId, "read");
        return {
          subscriptions: await recurring().list(request.params.merchantId),
        };
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/subscriptions/{subscriptionId}",
      operationId: "getSubscription",
      summary: "One subscription",
      tag: "subscriptions",
      params: SubscriptionParams,
      responses: { 200: { description: "the subscription", schema: Subscription }, 404: PROBLEM },
      handler: async (request: Req<Static<typeof SubscriptionParams>>) => {
        const { merchantId, subscriptionId } = request.params;
        authorise(request, merchantId, "read");
        const found = await recurring().find(merchantId, subscriptionId);
        if (found === undefined) throw new ApiError("not_found", `no subscription ${subscriptionId}`);
        return found;
      },
    },
    subscription("pause"),
    subscription("resume"),
    subscription("cancel"),
    {
      method: "GET",
      path: "/request-log",
      operationId: "listRequestLog",
      summary: "The API's request log, newest first (no bodies, no query strings)",
      tag: "request-log",
      query: RequestLogQuery,
      responses: {
        200: { description: "entries", schema: Type.Object({ requests: Type.Array(RequestLogEntry) }) },
        403: PROBLEM,
      },
      handler: async (request: FastifyRequest<{ Querystring: Static<typeof RequestLogQuery> }>) => {
        const scope = scopeFor(principalOf(request), request.query.merchantId);
        return {
          requests: await deps.requestLog.list(scope, {
            before: request.query.before,
            limit: request.query.limit ?? 50,
          }),
        };
      },
    },
  ];
}
