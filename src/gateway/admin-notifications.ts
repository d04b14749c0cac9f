/**
 * Notifications admin API (docs/async.md), inside `/api/admin` behind the bearer token:
 * - `GET /merchants/{merchantId}/notifications[?status=pending|delivered|failed&payId=…&before=…&limit=…]`
 *   → `{"notifications": [...]}` newest first: status, attempts, last error, next attempt;
 * - `POST /merchants/{merchantId}/notifications/{notificationId}/resend` → 202 with the
 *   notification, due now with a fresh retry schedule.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Clock } from "../core/clock.js";
import type { MerchantDirectory } from "../merchants/directory.js";
import { listNotifications, type NotificationView, resendNotification } from "../notify/outbox.js";
import type { Database } from "../store/database.js";

export interface NotificationAdminOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly merchants: MerchantDirectory;
  /** Tells the delivery worker a row became due. */
  readonly wake: () => void;
}

const STATUSES: readonly NotificationView["status"][] = ["pending", "delivered", "failed"];

function badRequest(reply: FastifyReply, field: string, message: string): FastifyReply {
  return reply.code(400).send({ error: "invalid_request", message, field });
}

function notFound(reply: FastifyReply, field: string, message: string): FastifyReply {
  return reply.code(404).send({ error: "not_found", message, field });
}

export async function notificationAdminRoutes(
  app: FastifyInstance,
  options: NotificationAdminOptions,
): Promise<void> {
  app.get<{
    Params: { merchantId: string };
    Querystring: { status?: string; payId?: string; before?: string; limit?: string };
  }>("/merchants/:merchantId/notifications", async (req, reply) => {
    const { merchantId } = req.params;
    if (!(await options.merchants.exists(merchantId))) {
      return notFound(reply, "merchantId", `no merchant ${merchantId}`);
    }
    const { status, payId, before, limit } = req.query;
    if (status !== undefined && !STATUSES.includes(status as NotificationView["status"])) {
      return badRequest(reply, "status", `status must be one of ${STATUSES.join(", ")}`);
    }
    if (payId !== undefined && !/^[0-9a-f]{32}$/.test(payId)) {
      return badRequest(reply, "payId", "payId must be 32 lower-case hex characters");
    }
    if (before !== undefined && !/^[1-9]\d{0,15}$/.test(before)) {
      return badRequest(reply, "before", "before must be a notification id");
    }
    const count = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      return badRequest(reply, "limit", "limit must be 1–1000");
    }
    const notifications = await listNotifications(options.db, merchantId, {
      ...(status === undefined ? {} : { status: status as NotificationView["status"] }),
      ...(payId === undefined ? {} : { payId }),
      ...(before === undefined ? {} : { before: Number(before) }),
      limit: count,
    });
    return { notifications };
  });

  app.post<{ Params: { merchantId: string; notificationId: string } }>(
    "/merchants/:merchantId/notifications/:notificationId/resend",
    async (req, reply) => {
      const { merchantId, notificationId } = req.params;
      if (!/^[1-9]\d{0,15}$/.test(notificationId)) {
        return notFound(reply, "notificationId", `no notification ${notificationId}`);
      }
      const resent = await resendNotification(
        options.db,
        merchantId,
        Number(notificationId),
        options.clock.now(),
      );
      if (resent === undefined) {
        return notFound(reply, "notificationId", `no notification ${notificationId} of ${merchantId}`);
      }
      options.wake();
      return reply.code(202).send(resent);
    },
  );
}
