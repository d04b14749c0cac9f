/**
 * Delivery of the JSON API's webhooks (`webhook_deliveries`, filled by `webhooks.ts`): each
 * cycle takes new events, then POSTs the due deliveries — JSON, signed at send time
 * (`Kasse-Signature`) — until the endpoint answers 2xx, retrying on the URLNotify schedule and
 * giving up after it (a resend starts it again). Rows are claimed with a lease and a token
 * (`FOR UPDATE SKIP LOCKED`) as the notify worker claims its outbox, so several Kasse processes
 * share the work and none sends a row another holds.
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "undici";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import { PeriodicTask } from "../notify/periodic.js";
import { DEFAULT_RETRY_SCHEDULE_MS } from "../notify/schedule.js";
import type { Database, Queryable } from "../store/database.js";
import { signatureHeader, type WebhookStore } from "./webhooks.js";

export interface WebhookDeliveryOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: WebhookStore;
  /** The URLNotify schedule (`--notify-retry-schedule`) unless a test says otherwise. */
  readonly retryScheduleMs?: readonly number[];
  readonly pollIntervalMs?: number;
  readonly timeoutMs?: number;
}

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
const BATCH = 20;
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

export class WebhookDelivery {
  readonly #options: WebhookDeliveryOptions;
  readonly #schedule: readonly number[];
  readonly #timeoutMs: number;
  readonly #agent: Agent;
  readonly #task: PeriodicTask;

  constructor(options: WebhookDeliveryOptions) {
    this.#options = options;
    this.#schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const timeout = this.#timeoutMs;
    this.#agent = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
    this.#task = new PeriodicTask(
      () => this.#cycle(),
      options.pollIntervalMs ?? 1_000,
      (error) => options.logger.error({ err: error }, "webhook cycle failed"),
    );
  }

  start(): void {
    this.#task.start();
  }

  wake(): void {
    this.#task.wake();
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#agent.close();
  }

  async #cycle(): Promise<void> {
    const { db, clock, store } = this.#options;
    await store.takeEvents(clock.now());
    let due: DeliveryRow[];
    do {
      const token = randomUUID();
      due = await this.#claim(db, clock.now(), token);
      await Promise.all(due.map((row) => this.#deliver(row, token)));
    } while (due.length === BATCH && !this.#task.stopped);
  }

  async #claim(db: Database, now: number, token: string): Promise<DeliveryRow[]> {
    // Twice the longest a POST can take (connect, headers, body timeouts in a row).
    const leaseMs = 2 * 3 * this.#timeoutMs;
    return db.transaction(async (tx) => {
      const rows = await tx.query<DeliveryRow>(
        `SELECT ${COLUMNS} FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, BATCH],
      );
      for (const row of rows) {
        await tx.query(
          `UPDATE webhook_deliveries SET lease_until = $3, lease_token = $4 WHERE merchant_id = $1 AND delivery_id = $2`,
          [row.merchant_id, row.delivery_id, now + leaseMs, token],
        );
      }
      return rows;
    });
  }

  async #deliver(row: DeliveryRow, token: string): Promise<void> {
    const { db, clock, logger, store } = this.#options;
    const where = { merchantId: row.merchant_id, deliveryId: Number(row.delivery_id), event: row.event_type };
    let httpStatus: number | undefined;
    let error: string | undefined;
    try {
      const secrets = await store.signingSecrets(row.merchant_id, row.endpoint_id, clock.now());
      const [endpoint] = await db.query<{ url: string }>(
        "SELECT url FROM webhook_endpoints WHERE merchant_id = $1 AND endpoint_id = $2",
        [row.merchant_id, row.endpoint_id],
      );
      if (secrets === undefined || endpoint === undefined) {
        error = "endpoint disabled";
      } else {
        const response = await request(endpoint.url, {
          method: "POST",
          body: row.body,
          headers: {
            "content-type": "application/json",
            "kasse-signature": signatureHeader(secrets, row.body, Math.floor(clock.now() / 1000)),
            "kasse-event-id": row.event_id,
          },
          dispatcher: this.#agent,
        });
        await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        httpStatus = response.statusCode;
        if (httpStatus < 200 || httpStatus >= 300) error = `HTTP ${httpStatus}`;
      }
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    const now = clock.now();
    const delay =
      error === "endpoint disabled" ? undefined : this.#schedule[row.attempts - row.schedule_base];
    const status = error === undefined ? "delivered" : delay === undefined ? "failed" : "pending";
    await db.query(
      `UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, next_attempt_at = $4, lease_until = NULL,
         lease_token = NULL, last_http_status = $5, last_error = $6, updated_at = $7
       WHERE merchant_id = $1 AND delivery_id = $2 AND lease_token = $8 AND status = 'pending'`,
      [
        row.merchant_id,
        row.delivery_id,
        status,
        now + (delay ?? 0),
        httpStatus ?? null,
        error ?? null,
        now,
        token,
      ],
    );
    if (error === undefined) logger.info(where, "webhook delivered");
    else
      logger.warn(
        { ...where, error },
        status === "failed" ? "webhook given up" : "webhook failed; retry scheduled",
      );
  }
}
