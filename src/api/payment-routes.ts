/**
 * `/api/v1/payments`: the list with filters and cursor, one payment with its timeline, and the
 * actions — capture, refund (partial), cancel — each under an `Idempotency-Key`.
 */
import type { Static } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.js";
import type { Payments } from "../payments/index.js";
import type { Database } from "../store/database.js";
import { principalOf } from "./auth.js";
import { ApiError, problem } from "./errors.js";
import { fingerprintOf, idempotencyKeyOf, replayKeyOf, runIdempotent } from "./idempotency.js";
import { type ApiAction, runPaymentAction } from "./payment-actions.js";
import { actionJson, findPayment, listPayments, paymentDetail, paymentJson } from "./payments-query.js";
import type { ApiGateway } from "./ports.js";
import { canAct } from "./principal.js";
import { noteSubject } from "./request-log.js";
import { type ApiRoute, scopeFor } from "./route.js";
import {
  ActionResult,
  CancelBody,
  CaptureBody,
  IdempotencyHeader,
  PayIdParams,
  PaymentDetail,
  PaymentList,
  PaymentListQuery,
  PROBLEM,
  RefundBody,
  ScopeQuery,
} from "./schemas.js";

export interface PaymentRouteDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly payments: Payments;
  readonly gateway: Pick<ApiGateway, "loadPayment">;
}

type ItemRequest = FastifyRequest<{
  Params: Static<typeof PayIdParams>;
  Querystring: Static<typeof ScopeQuery>;
}>;

export function paymentRoutes(deps: PaymentRouteDeps): ApiRoute[] {
  const { db } = deps;

  const load = async (request: ItemRequest) => {
    const principal = principalOf(request);
    const stored = await findPayment(
      db,
      deps.gateway.loadPayment,
      scopeFor(principal, request.query.merchantId),
      request.params.payId,
    );
    noteSubject(request, { merchantId: stored.payment.merchantId, payId: stored.payment.payId });
    return { principal, stored };
  };

  const act = (kind: ApiAction) => async (request: ItemRequest, reply: FastifyReply) => {
    const key = idempotencyKeyOf(request.headers["idempotency-key"]);
    const { principal, stored } = await load(request);
    const { merchantId, payId } = stored.payment;
    if (!canAct(principal, merchantId))
      throw new ApiError("forbidden", `role ${principal.role} may only read`);
    const body = (request.body ?? {}) as { amount?: number; currency?: string; reason?: string };
    const answer = await runIdempotent(
      db,
      {
        merchantId,
        key,
        fingerprint: fingerprintOf(request.method, request.url.split("?")[0] as string, body),
        payId,
      },
      deps.clock.now(),
      async () => {
        const outcome = await runPaymentAction(deps.payments, stored.payment, kind, {
          payId,
          amount: body.amount,
          currency: body.currency,
          reason: body.reason,
          replayKey: replayKeyOf(key),
        });
        if (!outcome.ok) {
          const details = problem(outcome.code, outcome.detail, {
            ...(outcome.reasonCode === undefined ? {} : { reasonCode: outcome.reasonCode }),
          });
          return { statusCode: details.status, body: details };
        }
        const after = (await deps.gateway.loadPayment(merchantId, payId)) ?? stored;
        return {
          // 201: done; 202: Amazon decides later (pending) or has not answered yet (inFlight).
          statusCode: outcome.action.state === "succeeded" ? 201 : 202,
          body: { payment: paymentJson(after), action: actionJson(after, outcome.action) },
        };
      },
    );
    reply.header("idempotent-replayed", String(answer.replayed));
    if (answer.statusCode >= 400) reply.type("application/problem+json");
    return reply.code(answer.statusCode).send(answer.body);
  };

  const action = (kind: ApiAction, path: string, summary: string, body: ApiRoute["body"]): ApiRoute => ({
    method: "POST",
    path,
    operationId: `${kind}Payment`,
    summary,
    tag: "payments",
    params: PayIdParams,
    query: ScopeQuery,
    headers: IdempotencyHeader,
    ...(body === undefined ? {} : { body }),
    responses: {
      201: { description: "the action succeeded", schema: ActionResult },
      202: {
        description: "accepted: Amazon Pay settles it later (state pending or inFlight)",
        schema: ActionResult,
      },
      400: PROBLEM,
      402: PROBLEM,
      404: PROBLEM,
      409: PROBLEM,
      502: PROBLEM,
      503: PROBLEM,
    },
    handler: act(kind),
  });

  return [
    {
      method: "GET",
      path: "/payments",
      operationId: "listPayments",
      summary: "Payments, newest first, filtered and paged by cursor",
      tag: "payments",
      query: PaymentListQuery,
      responses: {
        200: { description: "a page of payments", schema: PaymentList },
        400: PROBLEM,
        403: PROBLEM,
      },
      handler: async (request: FastifyRequest<{ Querystring: Static<typeof PaymentListQuery> }>) => {
        const scope = scopeFor(principalOf(request), request.query.merchantId);
        if ("merchantId" in scope) noteSubject(request, { merchantId: scope.merchantId });
        if (request.query.payId !== undefined) noteSubject(request, { payId: request.query.payId });
        return listPayments(db, deps.gateway.loadPayment, scope, request.query);
      },
    },
    {
      method: "GET",
      path: "/payments/{payId}",
      operationId: "getPayment",
      summary: "One payment with its timeline (actions, Amazon calls, URLNotify deliveries, IPNs)",
      tag: "payments",
      params: PayIdParams,
      query: ScopeQuery,
      responses: { 200: { description: "the payment", schema: PaymentDetail }, 404: PROBLEM, 409: PROBLEM },
      handler: async (request: ItemRequest) => paymentDetail(db, (await load(request)).stored),
    },
    action(
      "capture",
      "/payments/{payId}/captures",
      "Capture the authorisation (default: all of it)",
      CaptureBody,
    ),
    action("refund", "/payments/{payId}/refunds", "Refund part or all of what was captured", RefundBody),
    action("cancel", "/payments/{payId}/cancel", "Cancel the uncaptured authorisation", CancelBody),
  ];
}
