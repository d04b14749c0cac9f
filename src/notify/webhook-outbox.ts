/**
 * The JSON API's webhook outbox (`webhook_deliveries`): one row per endpoint and event, written by
 * the payment steps' commit in the transaction of the state change (the API door's notifier
 * rendered the body), claimed by the {@link NotifyWorker} with a lease and a token
 * (`FOR UPDATE SKIP LOCKED`) like the URLNotify outbox. The signature is made at send time by the
 * door's signer (the endpoint's secrets are the door's), so a rolled secret signs retries too.
 */
import { randomUUID } from "node:crypto";
import type { Database, Queryable } from "../store/database.js";
import type { WebhookMessage } from "./messages.js";
import type { OutboxChannel, OutboxItem } from "./worker.js";

export interface WebhookToEnqueue {
  readonly merchantId: string;
  readonly payId: string;
  readonly message: WebhookMessage;
}

/** Enqueues a delivery, due at once; `false` when that endpoint already has the event. */
export async function enqueueWebhook(
  db: Queryable,
  webhook: WebhookToEnqueue,
  now: number,
): Promise<boolean> {
  const { message } = webhook;
  const rows = await db.query(
    `INSERT INTO webhook_deliveries (merchant_id, endpoint_id, event_id, event_type, pay_id, body, next_attempt_at,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) ON CONFLICT DO NOTHING RETURNING delivery_id`,
    [
      webhook.merchantId,
      message.endpointId,
      message.eventId,
      message.eventType,
      webhook.payId,
      message.body,
      now,
    ],
  );
  return rows.length > 0;
}

/** Where and how one delivery goes: the endpoint's URL and its signature header; `undefined` when disabled. */
export type WebhookSigner = (
  merchantId: string,
  endpointId: string,
  body: string,
  now: number,
) => Promise<{ readonly url: string; readonly signature: string } | undefined>;

interface DeliveryRow {
  merchant_id: string;
  delivery_id: number | string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  pay_id: string;
  body: string;
  attempts: number;
  schedule_base: number;
}

/** The webhook outbox as a channel of the notify worker. */
export function webhookChannel(db: Database, sign: WebhookSigner): OutboxChannel {
  return {
    label: "webhook",
    async claim(now, leaseMs, limit) {
      const token = randomUUID();
      const rows = await db.transaction(async (tx) => {
        const due = await tx.query<DeliveryRow>(
          `SELECT merchant_id, delivery_id, endpoint_id, event_id, event_type, pay_id, body, attempts, schedule_base
           FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
           ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [now, limit],
        );
        for (const row of due) {
          await tx.query(
            `UPDATE webhook_deliveries SET lease_until = $3, lease_token = $4
             WHERE merchant_id = $1 AND delivery_id = $2`,
            [row.merchant_id, row.delivery_id, now + leaseMs, token],
          );
        }
        return due;
      });
      return rows.map(
        (row): OutboxItem => ({
          where: {
            merchantId: row.merchant_id,
            deliveryId: Number(row.delivery_id),
            payId: row.pay_id,
            event: row.event_type,
            attempt: row.attempts + 1,
          },
          retryIndex: row.attempts - row.schedule_base,
          async request(at) {
            const target = await sign(row.merchant_id, row.endpoint_id, row.body, at);
            if (target === undefined) return { gone: "endpoint disabled" };
            return {
              url: target.url,
              body: row.body,
              headers: {
                "content-type": "application/json",
                "kasse-signature": target.signature,
                "kasse-event-id": row.event_id,
              },
            };
          },
          async record(result, at) {
            const status = result.delivered
              ? "delivered"
              : result.nextAttemptAt === undefined
                ? "failed"
                : "pending";
            const updated = await db.query(
              `UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, next_attempt_at = $4,
               lease_until = NULL, lease_token = NULL, last_http_status = $5, last_error = $6, updated_at = $7
             WHERE merchant_id = $1 AND delivery_id = $2 AND lease_token = $8 AND status = 'pending'
             RETURNING delivery_id`,
              [
                row.merchant_id,
                row.delivery_id,
                status,
                result.nextAttemptAt ?? at,
                result.httpStatus ?? null,
                result.error ?? null,
                at,
                token,
              ],
            );
            return updated.length > 0;
          },
        }),
      );
    },
  };
}
