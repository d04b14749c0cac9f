/**
 * Recurring admin API (docs/recurring.md), inside `/api/admin` behind the bearer token:
 * - `POST /merchants/{merchantId}/charge-permissions/{chargePermissionId}/close`
 *   `{"reason"?, "cancelPendingCharges"?}` → the permission as Amazon shows it after closing, and
 *   how many of its subscriptions ended (the Paygate seeds have no way to close one);
 * - `POST /merchants/{merchantId}/subscriptions` `{"chargePermissionId", "amount", "currency"?,
 *   "interval": {"unit": "Year"|"Month"|"Week"|"Day", "value"}, "firstDueAt", "txType"?,
 *   "retryDelaysSeconds"?, "notifyUrl"?, "countryCode"?, "simulationCode"?}` → 201;
 * - `GET /merchants/{merchantId}/subscriptions[/{subscriptionId}]`;
 * - `POST /merchants/{merchantId}/subscriptions/{subscriptionId}/cancel` and `/resume`.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { MAX_AMOUNT } from "../../core/payment.js";
import { DEFAULT_RETRY_DELAYS_MS, FREQUENCY_RANGES, type FrequencyUnit } from "../../core/recurring.js";
import type { RecurringSide, SubscriptionRequest } from "./side.js";
import type { Subscription } from "./store.js";

export interface RecurringAdminOptions {
  /** Bound late: the recurring side is set up after the app. */
  readonly recurring: () => RecurringSide | undefined;
}

const UNITS: readonly Exclude<FrequencyUnit, "Variable">[] = ["Year", "Month", "Week", "Day"];
const ID = /^[A-Za-z0-9._-]{1,256}$/;

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function send(reply: FastifyReply, status: number, error: string, message: string, field?: string) {
  return reply.code(status).send({ error, message, ...(field === undefined ? {} : { field }) });
}

/** The JSON view of a subscription: times as ISO strings, money in minor units. */
export function subscriptionJson(subscription: Subscription) {
  const iso = (epoch: number) => new Date(epoch).toISOString();
  return {
    subscriptionId: subscription.subscriptionId,
    merchantId: subscription.merchantId,
    chargePermissionId: subscription.chargePermissionId,
    amount: subscription.amount,
    currency: subscription.currency,
    countryCode: subscription.countryCode,
    txType: subscription.txType,
    interval: subscription.interval,
    firstDueAt: iso(subscription.firstDueAt),
    retryDelaysSeconds: subscription.retryDelaysMs.map((ms) => ms / 1000),
    notifyUrl: subscription.notifyUrl,
    status: subscription.status,
    cycle: subscription.cycle,
    attempt: subscription.attempt,
    nextAttemptAt: subscription.status === "active" ? iso(subscription.nextAttemptAt) : undefined,
    pausedReason: subscription.pausedReason,
    lastPayId: subscription.lastPayId,
    lastResult: subscription.lastResult,
    lastReasonCode: subscription.lastReasonCode,
    createdAt: iso(subscription.createdAt),
  };
}

function requestOf(body: unknown): SubscriptionRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new FieldError("", "the body must be a JSON object");
  }
  const b = body as Record<string, unknown>;
  const text = (field: string, pattern: RegExp, required: boolean): string | undefined => {
    const value = b[field];
    if (value === undefined && !required) return undefined;
    if (typeof value !== "string" || !pattern.test(value)) throw new FieldError(field, `${field} is invalid`);
    return value;
  };
  const amount = b.amount;
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    throw new FieldError("amount", "amount must be a positive integer in minor units");
  }
  const interval = b.interval as { unit?: unknown; value?: unknown } | undefined;
  const unit = UNITS.find((candidate) => candidate === interval?.unit);
  if (unit === undefined)
    throw new FieldError("interval.unit", `interval.unit must be one of ${UNITS.join(", ")}`);
  const range = FREQUENCY_RANGES[unit];
  const value = interval?.value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new FieldError("interval.value", `interval.value must be ${range.min}–${range.max} for ${unit}`);
  }
  const firstDue = Date.parse(
    text("firstDueAt", /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/, true) as string,
  );
  if (Number.isNaN(firstDue)) throw new FieldError("firstDueAt", "firstDueAt must be an ISO 8601 date");
  const delays = b.retryDelaysSeconds ?? DEFAULT_RETRY_DELAYS_MS.map((ms) => ms / 1000);
  if (
    !Array.isArray(delays) ||
    delays.length > 10 ||
    !delays.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0 && d <= 90 * 86_400)
  ) {
    throw new FieldError(
      "retryDelaysSeconds",
      "retryDelaysSeconds must be up to 10 positive whole seconds (≤ 90 days)",
    );
  }
  const txType = b.txType ?? "AuthorizeWithCapture";
  if (txType !== "Authorize" && txType !== "AuthorizeWithCapture") {
    throw new FieldError("txType", "txType must be Authorize or AuthorizeWithCapture");
  }
  return {
    chargePermissionId: text("chargePermissionId", ID, true) as string,
    amount,
    currency: text("currency", /^[A-Z]{3}$/, false),
    countryCode: text("countryCode", /^(EU|UK|US|JP)$/, false),
    txType,
    interval: { unit, value },
    firstDueAt: firstDue,
    retryDelaysMs: (delays as number[]).map((seconds) => seconds * 1000),
    notifyUrl: text("notifyUrl", /^https?:\/\/\S+$/, false),
    simulationCode: text("simulationCode", /^[A-Za-z]{1,64}$/, false),
  };
}

export async function recurringAdminRoutes(
  app: FastifyInstance,
  options: RecurringAdminOptions,
): Promise<void> {
  const side = (reply: FastifyReply) => {
    const recurring = options.recurring();
    if (recurring === undefined) send(reply, 503, "unavailable", "recurring payments are not set up");
    return recurring;
  };

  app.post<{
    Params: { merchantId: string; chargePermissionId: string };
    Body: { reason?: unknown; cancelPendingCharges?: unknown } | undefined;
  }>("/merchants/:merchantId/charge-permissions/:chargePermissionId/close", async (req, reply) => {
    const recurring = side(reply);
    if (recurring === undefined) return reply;
    const { reason, cancelPendingCharges } = req.body ?? {};
    if (reason !== undefined && typeof reason !== "string")
      return send(reply, 400, "invalid_request", "reason must be a string", "reason");
    if (cancelPendingCharges !== undefined && typeof cancelPendingCharges !== "boolean") {
      return send(
        reply,
        400,
        "invalid_request",
        "cancelPendingCharges must be a boolean",
        "cancelPendingCharges",
      );
    }
    const closed = await recurring.closePermission(req.params.merchantId, req.params.chargePermissionId, {
      reason,
      cancelPendingCharges,
    });
    if (!closed.ok) {
      return send(
        reply,
        closed.error === "unknown_charge_permission" ? 404 : 502,
        closed.error,
        closed.message,
      );
    }
    return { ...closed.permission, canceledSubscriptions: closed.canceledSubscriptions };
  });

  app.post<{ Params: { merchantId: string } }>("/merchants/:merchantId/subscriptions", async (req, reply) => {
    const recurring = side(reply);
    if (recurring === undefined) return reply;
    let request: SubscriptionRequest;
    try {
      request = requestOf(req.body);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      return send(reply, 400, "invalid_request", error.message, error.field);
    }
    const created = await recurring.createSubscription(req.params.merchantId, request);
    if (!created.ok) return send(reply, created.status, created.error, created.message, created.field);
    return reply.code(201).send({
      ...subscriptionJson(created.subscription),
      permissionExpiresAt: created.permissionExpiresAt,
    });
  });

  app.get<{ Params: { merchantId: string } }>("/merchants/:merchantId/subscriptions", async (req, reply) => {
    const recurring = side(reply);
    if (recurring === undefined) return reply;
    return {
      subscriptions: (await recurring.listSubscriptions(req.params.merchantId)).map(subscriptionJson),
    };
  });

  app.get<{ Params: { merchantId: string; subscriptionId: string } }>(
    "/merchants/:merchantId/subscriptions/:subscriptionId",
    async (req, reply) => {
      const recurring = side(reply);
      if (recurring === undefined) return reply;
      const found = await recurring.findSubscription(req.params.merchantId, req.params.subscriptionId);
      if (found === undefined) return send(reply, 404, "not_found", "no such subscription", "subscriptionId");
      return subscriptionJson(found);
    },
  );

  for (const action of ["cancel", "resume"] as const) {
    app.post<{ Params: { merchantId: string; subscriptionId: string } }>(
      `/merchants/:merchantId/subscriptions/:subscriptionId/${action}`,
      async (req, reply) => {
        const recurring = side(reply);
        if (recurring === undefined) return reply;
        const changed = await recurring.setStatus(
          req.params.merchantId,
          req.params.subscriptionId,
          action === "cancel" ? "canceled" : "active",
        );
        if (changed === undefined) {
          return send(reply, 404, "not_found", "no such subscription, or it is canceled", "subscriptionId");
        }
        return subscriptionJson(changed);
      },
    );
  }
}
