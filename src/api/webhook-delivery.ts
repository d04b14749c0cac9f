/**
 * The JSON API's view of its webhook deliveries (`webhook_deliveries`, written by the payment
 * steps' commit from `webhooks.ts`'s notifier, sent by the notify worker through
 * `notify/webhook-outbox.ts`): the list per endpoint and the replay button.
 */
import type { Queryable } from "../store/database.js";

export interface WebhookDeliveryView {
  readonly deliveryId: number;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly payId: string;
  readonly status: "pending" | "delivered" | "failed";
  readonly attempts: number;
  readonly lastHttpStatus: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
}

interface DeliveryRow {
  merchant_id: string;
  delivery_id: number | string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  pay_id: string;
  body: string;
  status: WebhookDeliveryView["status"];
  attempts: number;
  schedule_base: number;
  last_http_status: number | null;
  last_error: string | null;
  next_attempt_at: number | string;
  created_at: number | string;
}

const COLUMNS = `merchant_id, delivery_id, endpoint_id, event_id, event_type, pay_id, body, status, attempts,
  schedule_base, last_http_status, last_error, next_attempt_at, created_at`;
const iso = (epoch: number | string) => new Date(Number(epoch)).toISOString();

function viewOf(row: DeliveryRow): WebhookDeliveryView {
  return {
    deliveryId: Number(row.delivery_id),
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    payId: row.pay_id,
    status: row.status,
    attempts: row.attempts,
    lastHttpStatus: row.last_http_status,
    lastError: row.last_error,
    nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at) : null,
    createdAt: iso(row.created_at),
  };
}

export async function listDeliveries(
  db: Queryable,
  merchantId: string,
  endpointId: string,
  limit: number,
): Promise<WebhookDeliveryView[]> {
  const rows = await db.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM webhook_deliveries WHERE merchant_id = $1 AND endpoint_id = $2
     ORDER BY delivery_id DESC LIMIT $3`,
    [merchantId, endpointId, limit],
  );
  return rows.map(viewOf);
}

/** The replay button: due now with a fresh schedule, whatever its status. */
export async function resendDelivery(
  db: Queryable,
  merchantId: string,
  deliveryId: number,
  now: number,
): Promise<WebhookDeliveryView | undefined> {
  const rows = await db.query<DeliveryRow>(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, schedule_base = attempts, updated_at = $3
     WHERE merchant_id = $1 AND delivery_id = $2 AND EXISTS (SELECT 1 FROM webhook_endpoints e
       WHERE e.merchant_id = $1 AND e.endpoint_id = webhook_deliveries.endpoint_id AND e.active)
     RETURNING ${COLUMNS}`,
    [merchantId, deliveryId, now],
  );
  const row = rows[0];
  return row ? viewOf(row) : undefined;
}
