/**
 * Signed webhooks of the JSON API door (docs/api.md): per-merchant endpoints with rollable
 * secrets, and the events they get — the same domain events the Paygate door renders as
 * URLNotify (completion, capture and refund results), as JSON.
 *
 * Webhooks are a second consumer of the URLNotify outbox: the flows write one `notifications`
 * row per event in the transaction of the state change; each endpoint takes the rows after its
 * `cursor` into `webhook_deliveries` (one per endpoint and event, so nothing is taken twice).
 * Outbox ids are handed out before commit, so a row may become visible after a higher one: the
 * cursor only moves past rows older than {@link SETTLED_MS}, and younger ones are looked at again
 * (the unique key makes that harmless).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { PaymentAction } from "../core/payment.js";
import type { Database, Queryable } from "../store/database.js";
import type { SecretSealer } from "./ports.js";

/** Rows younger than this may still have lower-numbered rows in flight in other transactions. */
const SETTLED_MS = 60_000;
const TAKE_BATCH = 200;
export const SECRET_PREFIX = "whsec_";
/** A signature's timestamp may be this far from the receiver's clock (docs/api.md). */
export const SIGNATURE_TOLERANCE_S = 300;

export interface WebhookEndpointView {
  readonly endpointId: string;
  readonly merchantId: string;
  readonly url: string;
  readonly active: boolean;
  /** Until when the secret before the last roll still signs too; `null` when none does. */
  readonly previousSecretValidUntil: string | null;
  readonly createdAt: string;
}

interface EndpointRow {
  merchant_id: string;
  endpoint_id: string;
  url: string;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_until: number | string | null;
  cursor: number | string;
  active: boolean;
  created_at: number | string;
}

const COLUMNS =
  "merchant_id, endpoint_id, url, secret_enc, previous_secret_enc, previous_until, cursor, active, created_at";

const iso = (epoch: number | string) => new Date(Number(epoch)).toISOString();
const label = (merchantId: string, endpointId: string) => `webhook:${merchantId}:${endpointId}`;

function viewOf(row: EndpointRow, now: number): WebhookEndpointView {
  const previousUntil = row.previous_until === null ? undefined : Number(row.previous_until);
  return {
    endpointId: row.endpoint_id,
    merchantId: row.merchant_id,
    url: row.url,
    active: row.active,
    previousSecretValidUntil: previousUntil !== undefined && previousUntil > now ? iso(previousUntil) : null,
    createdAt: iso(row.created_at),
  };
}

const newSecret = () => `${SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;

/**
 * The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, one `v1` per secret
 * that is valid (the new one first, then the one before a roll during its grace period).
 */
export function signatureHeader(secrets: readonly string[], body: string, unixSeconds: number): string {
  const signatures = secrets.map(
    (secret) => `v1=${createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex")}`,
  );
  return [`t=${unixSeconds}`, ...signatures].join(",");
}

/** The receiver's check (as docs/api.md shows it): any `v1` matches and `t` is within tolerance. */
export function verifySignature(
  header: string,
  body: string,
  secret: string,
  nowUnixSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_S,
): boolean {
  const parts = header.split(",").map((part) => part.trim().split("="));
  const t = Number(parts.find(([key]) => key === "t")?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowUnixSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  return parts
    .filter(([key, value]) => key === "v1" && /^[0-9a-f]{64}$/.test(value ?? ""))
    .some(([, value]) => timingSafeEqual(Buffer.from(value as string, "hex"), expected));
}

export class WebhookStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretSealer,
  ) {}

  /** A new endpoint; it gets the events from now on. The secret is returned this once. */
  async create(
    merchantId: string,
    url: string,
    now: number,
  ): Promise<WebhookEndpointView & { readonly secret: string }> {
    const endpointId = `we_${randomBytes(8).toString("hex")}`;
    const secret = newSecret();
    const rows = await this.db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (merchant_id, endpoint_id, url, secret_enc, cursor, created_at, updated_at)
       VALUES ($1, $2, $3, $4,
         (SELECT COALESCE(max(notification_id), 0) FROM notifications WHERE merchant_id = $1), $5, $5)
       RETURNING ${COLUMNS}`,
      [merchantId, endpointId, url, this.box.seal(secret, label(merchantId, endpointId)), now],
    );
    return { ...viewOf(rows[0] as EndpointRow, now), secret };
  }

  async list(merchantId: string, now: number): Promise<WebhookEndpointView[]> {
    const rows = await this.db.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 ORDER BY created_at, endpoint_id`,
      [merchantId],
    );
    return rows.map((row) => viewOf(row, now));
  }

  /** A new secret; the old one keeps signing for `graceMs` (receivers switch meanwhile). */
  async rollSecret(
    merchantId: string,
    endpointId: string,
    graceMs: number,
    now: number,
  ): Promise<(WebhookEndpointView & { readonly secret: string }) | undefined> {
    const secret = newSecret();
    const rows = await this.db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET previous_secret_enc = secret_enc, previous_until = $3, secret_enc = $4,
         updated_at = $5
       WHERE merchant_id = $1 AND endpoint_id = $2 AND active RETURNING ${COLUMNS}`,
      [merchantId, endpointId, now + graceMs, this.box.seal(secret, label(merchantId, endpointId)), now],
    );
    const row = rows[0];
    return row ? { ...viewOf(row, now), secret } : undefined;
  }

  /** Stops deliveries to the endpoint (pending ones are given up). */
  async disable(
    merchantId: string,
    endpointId: string,
    now: number,
  ): Promise<WebhookEndpointView | undefined> {
    const rows = await this.db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET active = false, updated_at = $3 WHERE merchant_id = $1 AND endpoint_id = $2
       RETURNING ${COLUMNS}`,
      [merchantId, endpointId, now],
    );
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled', updated_at = $3
       WHERE merchant_id = $1 AND endpoint_id = $2 AND status = 'pending'`,
      [merchantId, endpointId, now],
    );
    const row = rows[0];
    return row ? viewOf(row, now) : undefined;
  }

  /** The secrets that sign now: the current one, and the previous one in its grace period. */
  async signingSecrets(merchantId: string, endpointId: string, now: number): Promise<string[] | undefined> {
    const rows = await this.db.query<EndpointRow>(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 AND endpoint_id = $2 AND active`,
      [merchantId, endpointId],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const open = (sealed: string) => this.box.open(sealed, label(merchantId, endpointId));
    const previousValid =
      row.previous_secret_enc !== null && row.previous_until !== null && Number(row.previous_until) > now;
    return [open(row.secret_enc), ...(previousValid ? [open(row.previous_secret_enc as string)] : [])];
  }

  /** Takes new outbox events into each active endpoint's deliveries; the number taken. */
  async takeEvents(now: number): Promise<number> {
    const endpoints = await this.db.query<{ merchant_id: string; endpoint_id: string }>(
      "SELECT merchant_id, endpoint_id FROM webhook_endpoints WHERE active",
    );
    let taken = 0;
    for (const endpoint of endpoints) {
      taken += await this.db.transaction((tx) => takeForEndpoint(tx, endpoint, now));
    }
    return taken;
  }
}

interface EventRow {
  notification_id: number | string;
  pay_id: string;
  xid: string;
  event: "completion" | "capture" | "credit";
  created_at: number | string;
}

const EVENT_NAMES = { completion: "authorization", capture: "capture", credit: "refund" } as const;

async function takeForEndpoint(
  tx: Queryable,
  endpoint: { readonly merchant_id: string; readonly endpoint_id: string },
  now: number,
): Promise<number> {
  // The endpoint's row lock: two processes never take for one endpoint at once.
  const [locked] = await tx.query<{ cursor: number | string }>(
    `SELECT cursor FROM webhook_endpoints WHERE merchant_id = $1 AND endpoint_id = $2 AND active
     FOR UPDATE SKIP LOCKED`,
    [endpoint.merchant_id, endpoint.endpoint_id],
  );
  if (locked === undefined) return 0;
  const cursor = Number(locked.cursor);
  const rows = await tx.query<EventRow>(
    `SELECT n.notification_id, n.pay_id, n.xid, n.event, n.created_at FROM notifications n
     WHERE n.merchant_id = $1 AND n.notification_id > $2 AND n.event IN ('completion', 'capture', 'credit')
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.merchant_id = n.merchant_id
         AND d.endpoint_id = $3 AND d.event_id = n.notification_id::text)
     ORDER BY n.notification_id LIMIT $4`,
    [endpoint.merchant_id, cursor, endpoint.endpoint_id, TAKE_BATCH],
  );
  for (const row of rows) {
    const [payment] = await tx.query<{ currency: string; actions: PaymentAction[] | string }>(
      "SELECT currency, actions FROM payments WHERE merchant_id = $1 AND pay_id = $2",
      [endpoint.merchant_id, row.pay_id],
    );
    const actions = typeof payment?.actions === "string" ? JSON.parse(payment.actions) : payment?.actions;
    const action = (actions as PaymentAction[] | undefined)?.find((candidate) => candidate.xid === row.xid);
    if (payment === undefined || action === undefined) continue;
    const result = action.state === "failed" ? "failed" : "succeeded";
    const type = `payment.${EVENT_NAMES[row.event]}.${result}`;
    const body = JSON.stringify({
      id: `evt_${row.notification_id}`,
      type,
      createdAt: iso(row.created_at),
      data: {
        merchantId: endpoint.merchant_id,
        payId: row.pay_id,
        xid: row.xid,
        transId: action.transId,
        amount: action.amount,
        currency: payment.currency,
        reasonCode: action.reasonCode ?? null,
      },
    });
    await tx.query(
      `INSERT INTO webhook_deliveries (merchant_id, endpoint_id, event_id, event_type, pay_id, body, next_attempt_at,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) ON CONFLICT DO NOTHING`,
      [endpoint.merchant_id, endpoint.endpoint_id, String(row.notification_id), type, row.pay_id, body, now],
    );
  }
  const full = rows.length === TAKE_BATCH;
  const [settled] = await tx.query<{ id: number | string | null }>(
    `SELECT max(notification_id) AS id FROM notifications
     WHERE merchant_id = $1 AND notification_id > $2 AND created_at < $3 AND notification_id <= $4`,
    [
      endpoint.merchant_id,
      cursor,
      now - SETTLED_MS,
      full ? Number(rows[rows.length - 1]?.notification_id) : Number.MAX_SAFE_INTEGER,
    ],
  );
  if (settled?.id !== null && settled?.id !== undefined) {
    await tx.query("UPDATE webhook_endpoints SET cursor = $3 WHERE merchant_id = $1 AND endpoint_id = $2", [
      endpoint.merchant_id,
      endpoint.endpoint_id,
      Number(settled.id),
    ]);
  }
  return rows.length;
}
