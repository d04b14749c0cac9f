/**
 * Signed webhooks of the JSON API door (docs/api.md): per-merchant endpoints with rollable
 * secrets, and the events they get — the same domain events the Paygate door renders as
 * URLNotify (completion, capture and refund results), as JSON.
 *
 * Webhooks are this door's side of the payment steps' notifier port ({@link webhookNotifier}):
 * each domain event becomes one JSON body per active endpoint, written by the step's commit into
 * `webhook_deliveries` in the transaction of the state change (beside the Paygate door's
 * URLNotify row), and delivered by the one notify worker (src/notify) on the URLNotify schedule;
 * {@link WebhookStore.signer} signs each attempt with the endpoint's secrets at send time.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { ShopNotification } from "../core/outcome.js";
import type { NoticeKind } from "../core/payment.js";
import type { WebhookMessage } from "../notify/messages.js";
import type { WebhookSigner } from "../notify/webhook-outbox.js";
import type { DoorNotifier } from "../payments/ports.js";
import type { Database } from "../store/database.js";
import type { SecretSealer } from "./ports.js";

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
  active: boolean;
  created_at: number | string;
}

const COLUMNS =
  "merchant_id, endpoint_id, url, secret_enc, previous_secret_enc, previous_until, active, created_at";

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

/**
 * How long a merchant's active endpoints are taken from memory: every payment step asks before
 * its commit, and the answer changes rarely. This process's own changes drop the entry at once;
 * another process's reach it within this time (as the merchant directory's cache).
 */
export const ENDPOINT_CACHE_MS = 1_000;

export class WebhookStore {
  readonly #active = new Map<string, { readonly endpoints: readonly string[]; readonly readAt: number }>();
  /** Counts this process's endpoint changes: a read begun before one is not cached after it. */
  #changes = 0;

  constructor(
    private readonly db: Database,
    private readonly box: SecretSealer,
    private readonly monotonicNow: () => number = () => performance.now(),
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
      `INSERT INTO webhook_endpoints (merchant_id, endpoint_id, url, secret_enc, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       RETURNING ${COLUMNS}`,
      [merchantId, endpointId, url, this.box.seal(secret, label(merchantId, endpointId)), now],
    );
    this.#forget(merchantId);
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
    this.#forget(merchantId);
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

  /** The endpoints that get events now (from memory for {@link ENDPOINT_CACHE_MS}). */
  async activeEndpoints(merchantId: string): Promise<readonly string[]> {
    const cached = this.#active.get(merchantId);
    if (cached && this.monotonicNow() - cached.readAt < ENDPOINT_CACHE_MS) return cached.endpoints;
    const readAt = this.monotonicNow();
    const changes = this.#changes;
    const rows = await this.db.query<{ endpoint_id: string }>(
      "SELECT endpoint_id FROM webhook_endpoints WHERE merchant_id = $1 AND active ORDER BY created_at, endpoint_id",
      [merchantId],
    );
    const endpoints = rows.map((row) => row.endpoint_id);
    if (changes === this.#changes) this.#active.set(merchantId, { endpoints, readAt });
    return endpoints;
  }

  #forget(merchantId: string): void {
    this.#changes += 1;
    this.#active.delete(merchantId);
  }

  /** The notify worker's signer: the endpoint's URL and the signature header for one attempt. */
  readonly signer: WebhookSigner = async (merchantId, endpointId, body, now) => {
    const secrets = await this.signingSecrets(merchantId, endpointId, now);
    if (secrets === undefined) return undefined;
    const [endpoint] = await this.db.query<{ url: string }>(
      "SELECT url FROM webhook_endpoints WHERE merchant_id = $1 AND endpoint_id = $2",
      [merchantId, endpointId],
    );
    if (endpoint === undefined) return undefined;
    return { url: endpoint.url, signature: signatureHeader(secrets, body, Math.floor(now / 1000)) };
  };
}

/** Webhook `type` prefixes of the steps' outcomes (docs/api.md): `.succeeded` or `.failed` follows. */
const OUTCOME_TYPES: Readonly<Partial<Record<ShopNotification["kind"], string>>> = {
  completion: "payment.authorization",
  capture: "payment.capture",
  credit: "payment.refund",
  recurringCharge: "payment.recurring_charge",
};

/** Webhook `type`s of Amazon's notices: things that happened, neither succeeded nor failed. */
const NOTICE_TYPES: Readonly<Record<NoticeKind, string>> = {
  chargeback: "payment.chargeback",
  permissionClosed: "payment.recurring_permission.closed",
  permissionExpiring: "payment.recurring_permission.expiring",
};

function typeOf(notification: ShopNotification): string | undefined {
  const { kind, event } = notification;
  if (Object.hasOwn(NOTICE_TYPES, kind)) return NOTICE_TYPES[kind as NoticeKind];
  const prefix = OUTCOME_TYPES[kind];
  return prefix === undefined ? undefined : `${prefix}.${event.result === "OK" ? "succeeded" : "failed"}`;
}

/** The event's `id`: the same for every endpoint, one per payment, XID and event (as the outbox's key). */
export function webhookEventId(notification: ShopNotification): string {
  return `evt_${notification.event.xid}_${notification.event.type}`;
}

/** The JSON body of a domain event. */
export function webhookBody(
  notification: ShopNotification,
  createdAt: number,
): { type: string; body: string } | undefined {
  const { payment, action, event } = notification;
  const type = typeOf(notification);
  if (type === undefined) return undefined;
  const notice = Object.hasOwn(NOTICE_TYPES, notification.kind);
  const body = JSON.stringify({
    id: webhookEventId(notification),
    type,
    createdAt: iso(createdAt),
    data: {
      merchantId: payment.merchantId,
      payId: payment.payId,
      xid: action.xid,
      transId: action.transId,
      amount: action.amount,
      currency: payment.currency,
      reasonCode: event.reasonCode ?? action.reasonCode ?? null,
      // A notice names Amazon's object (the chargeback, the permission) and, expiring, when.
      ...(notice
        ? {
            amazonId: action.amazonId ?? null,
            ...(notification.kind === "permissionExpiring" ? { expiresAt: action.expiresAt ?? null } : {}),
          }
        : {}),
    },
  });
  return { type, body };
}

/**
 * The JSON API door's side of the notifier port: each domain event as one webhook per endpoint
 * the merchant has active (none: the door has nobody to tell).
 */
export function webhookNotifier(store: WebhookStore, clock: Clock): DoorNotifier {
  return {
    async rendererFor(merchantId) {
      // The endpoints are read here, before the step's transaction; rendering does no I/O.
      const endpoints = await store.activeEndpoints(merchantId);
      if (endpoints.length === 0) return undefined;
      return (_door, notification) => {
        const rendered = webhookBody(notification, clock.now());
        if (rendered === undefined) return [];
        const { type, body } = rendered;
        const eventId = webhookEventId(notification);
        return endpoints.map(
          (endpointId): WebhookMessage => ({
            channel: "webhook",
            endpointId,
            eventId,
            eventType: type,
            body,
          }),
        );
      };
    },
  };
}
