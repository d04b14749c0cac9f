import { createHash, randomUUID } from "node:crypto";
import { request } from "undici";
import { createTargetDispatchers, refuseTarget, type TargetDispatchers } from "../../amazon/sns-http.js";
import type { SnsSignatureVersion } from "../../amazon/sns-message.js";
import { type Clock, systemClock } from "../../core/clock.js";
import type { Queryable } from "../../store/database.js";
import type { SigningIdentity } from "./signing-certificate.js";
import { type IpnMessage, signIpnEnvelope, topicArnFor } from "./sns-envelope.js";

/**
 * Drains the IPN outbox (reference §10): every row becomes one signed SNS notification POSTed
 * to the merchant's IPN URL; any 2xx delivers it, anything else is retried on the schedule.
 * At-least-once: a row is leased before sending (claimed with `FOR UPDATE SKIP LOCKED`, so two
 * workers never send the same row at once) and only settled after the answer; a worker that
 * dies mid-send leaves a lapsing lease and the row goes out again.
 */

/** Fault switches the worker consults for each notification it is about to send. */
export interface IpnFaultSwitches {
  /** True when this notification is to be lost, as Amazon sometimes loses one. */
  takeIpnDrop(): boolean;
  /** True when this notification is to be sent twice. */
  takeIpnDuplicate(): boolean;
  /**
   * Real milliseconds to hold this notification back before its first send (0: none), so
   * notifications arrive late and out of order; asked once per notification.
   */
  takeIpnDelay(outboxId: string): number;
}

export interface IpnDeliveryOptions {
  db: Queryable;
  identity: SigningIdentity;
  /** The emulator's own https origin, for `SigningCertURL` and `UnsubscribeURL`. */
  publicOrigin: () => string;
  /** Real time (leases); the emulated clock is real time plus `clock.offset_ms`. */
  realClock?: Clock;
  /**
   * Delays after each failed attempt, in emulated milliseconds. Default: hourly for the next 3
   * hours (§10, CV2 page as quoted by the reference), then the notification is abandoned.
   */
  retrySchedule?: readonly number[];
  /** SignatureVersion for merchants without their own setting. Default `"2"`. */
  defaultSignatureVersion?: SnsSignatureVersion;
  /** Per-request timeout (connect, headers, body) in real milliseconds. Default 15 s (SNS's). */
  timeoutMs?: number;
  /**
   * Real milliseconds between outbox polls. Default 2 s: a commit that enqueues IPNs wakes the
   * worker at once (`wake`), so the poll only finds what that misses — retries falling due, lapsed
   * leases, rows another process sharing the database enqueued — and costs little while idle.
   */
  pollIntervalMs?: number;
  /** Most notifications in flight at once. Default 16. */
  concurrency?: number;
  faults?: IpnFaultSwitches;
  randomId?: () => string;
  /** Told about every attempt's end (for logs). */
  onAttempt?: (event: IpnAttemptEvent) => void;
}

export interface IpnAttemptEvent {
  outboxId: string;
  merchantId: string;
  outcome: "delivered" | "retry" | "abandoned" | "dropped";
  status?: number;
  error?: string;
}

export const DEFAULT_IPN_RETRY_SCHEDULE: readonly number[] = [3_600_000, 3_600_000, 3_600_000];

interface ClaimedRow {
  id: string;
  merchant_id: string;
  object_type: IpnMessage["ObjectType"];
  object_id: string;
  charge_permission_id: string;
  notification_type: IpnMessage["NotificationType"];
  attempts: number;
  envelope: string | null;
  ipn_url: string | null;
  region: string;
  ipn_signature_version: SnsSignatureVersion | null;
  /** The emulated clock's offset from real time when the row was claimed, milliseconds. */
  offset_ms: string | number | null;
}

type DeliveryPlan =
  | { readonly kind: "delayed"; readonly row: ClaimedRow; readonly delayMs: number }
  | { readonly kind: "dropped"; readonly row: ClaimedRow }
  | { readonly kind: "abandoned"; readonly row: ClaimedRow; readonly error: string | undefined }
  | { readonly kind: "send"; readonly row: ClaimedRow; readonly target: URL };

/** The stored emulated clock offset as an interval, added to a real time inside a statement. */
const EMULATED_OFFSET = "coalesce((select offset_ms from clock), 0) * interval '1 millisecond'";

export class IpnDeliveryWorker {
  readonly #options: IpnDeliveryOptions;
  readonly #realClock: Clock;
  readonly #schedule: readonly number[];
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #randomId: () => string;
  readonly #dispatchers: TargetDispatchers;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #shutdown = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #pollAgain = false;
  #backlog = false;
  #stopped = false;

  constructor(options: IpnDeliveryOptions) {
    this.#options = options;
    this.#realClock = options.realClock ?? systemClock;
    this.#schedule = options.retrySchedule ?? DEFAULT_IPN_RETRY_SCHEDULE;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#concurrency = options.concurrency ?? 16;
    this.#randomId = options.randomId ?? randomUUID;
    this.#dispatchers = createTargetDispatchers({ timeoutMs: this.#timeoutMs });
  }

  /** Polls the outbox until {@link stop}. */
  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => this.wake(), this.#options.pollIntervalMs ?? 2_000);
    this.#timer.unref();
    this.wake();
  }

  /** Looks at the outbox now (after a commit that added rows, or a clock change). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#polling) {
      this.#pollAgain = true;
      return;
    }
    this.#polling = this.#poll()
      .catch(() => undefined)
      .finally(() => {
        this.#polling = undefined;
        if (this.#pollAgain) {
          this.#pollAgain = false;
          this.wake();
        }
      });
  }

  /** Claims what is due and waits until those notifications are settled; for tests and tools. */
  async drain(): Promise<void> {
    await this.#polling;
    await this.#poll();
    await Promise.all(this.#inFlight);
  }

  /**
   * Stops polling, cuts off sends still waiting for an answer (a hanging endpoint must not hold
   * a shutdown) and releases their rows uncounted, so the next run sends them again.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#shutdown.abort();
    await this.#polling;
    await Promise.all(this.#inFlight);
    await this.#dispatchers.close();
  }

  async #poll(): Promise<void> {
    const room = this.#concurrency - this.#inFlight.size;
    // With no room, or every room taken, more may be due: look again as soon as a send ends
    // instead of at the next poll.
    if (room <= 0) {
      this.#backlog = true;
      return;
    }
    const rows = await this.#claim(room);
    if (rows.length === room) this.#backlog = true;
    // Each row's fate is decided in claim order before anything is sent (the fault switches
    // count in that order); the rows that will be sent and have no envelope yet are sealed
    // together, in one statement per poll instead of one per notification.
    const plans = rows.map((row) => this.#plan(row));
    const sealing = this.#seal(
      plans.flatMap((plan) => (plan.kind === "send" && plan.row.envelope === null ? [plan.row] : [])),
    );
    for (const plan of plans) {
      const delivery =
        plan.kind === "send"
          ? sealing.then((envelopes) => this.#deliver(plan, envelopes.get(plan.row.id) ?? plan.row.envelope))
          : this.#deliver(plan, null);
      const work = delivery
        .catch(() => undefined)
        .finally(() => {
          this.#inFlight.delete(work);
          if (this.#backlog) {
            this.#backlog = false;
            this.wake();
          }
        });
      this.#inFlight.add(work);
    }
  }

  async #claim(limit: number): Promise<ClaimedRow[]> {
    const now = this.#realClock.now();
    // The lease outlasts the longest send (a duplicate is two sends) so no one else takes it.
    const leaseUntil = now + 2 * this.#timeoutMs + 5_000;
    // The emulated now is the real now plus the stored offset, added here in the statement (the
    // offset read with the rows it selects, one statement instead of a clock read before it);
    // the claimed rows carry the offset on, so sealing and settling need no read of their own.
    return this.#options.db.query<ClaimedRow>(
      `with due as (
         select id from ipn_outbox
          where delivered_at is null and outcome is null
            -- New rows take the database's now() at insert; compare with it too, or a row
            -- inserted in the same millisecond as this claim would wait for the next poll.
            and next_attempt_at <= greatest($1::timestamptz + ${EMULATED_OFFSET}, now())
            and (lease_until is null or lease_until <= $2::timestamptz)
          order by id
          limit $3
          for update skip locked
       )
       update ipn_outbox o
          set lease_until = $4::timestamptz
         from due, merchants m
        where o.id = due.id and m.merchant_id = o.merchant_id
       returning o.id::text as id, o.merchant_id, o.object_type, o.object_id, o.charge_permission_id,
                 o.notification_type, o.attempts, o.envelope, m.ipn_url, m.region, m.ipn_signature_version,
                 (select offset_ms from clock) as offset_ms`,
      [iso(now), iso(now), limit, iso(leaseUntil)],
    );
  }

  /** Held back or dropped by a fault, abandoned (no usable IPN URL), or to be sent to `target`. */
  #plan(row: ClaimedRow): DeliveryPlan {
    const delayMs = row.attempts === 0 ? (this.#options.faults?.takeIpnDelay(row.id) ?? 0) : 0;
    if (delayMs > 0) return { kind: "delayed", row, delayMs };
    if (this.#options.faults?.takeIpnDrop()) return { kind: "dropped", row };
    const target = row.ipn_url ? parseUrl(row.ipn_url) : undefined;
    const refusal = !target ? "merchant has no usable IPN URL" : refuseTarget(target);
    if (!target || refusal) return { kind: "abandoned", row, error: refusal };
    return { kind: "send", row, target };
  }

  async #deliver(plan: DeliveryPlan, envelope: string | null): Promise<void> {
    const { row } = plan;
    if (plan.kind === "delayed") {
      // Held back by its lease: nobody claims it before the delay is over.
      await this.#options.db.query(
        "update ipn_outbox set lease_until = $2::timestamptz where id = $1::bigint",
        [row.id, iso(this.#realClock.now() + plan.delayMs)],
      );
      return;
    }
    if (plan.kind === "dropped") {
      await this.#settle(row, "dropped", { error: "dropped by fault injection" });
      return;
    }
    if (plan.kind === "abandoned") {
      await this.#settle(row, "abandoned", { error: plan.error });
      return;
    }
    if (envelope === null) throw new Error(`IPN ${row.id} has no envelope`);
    const { target } = plan;
    const sends = this.#options.faults?.takeIpnDuplicate() ? 2 : 1;
    let result: SendResult = { ok: false, error: "not sent" };
    for (let i = 0; i < sends; i += 1) {
      const attempt = await this.#send(target, envelope);
      if (attempt.ok || !result.ok) result = attempt;
    }
    if (!result.ok && this.#shutdown.signal.aborted) {
      await this.#options.db.query("update ipn_outbox set lease_until = null where id = $1::bigint", [
        row.id,
      ]);
      return;
    }
    if (result.ok) {
      await this.#settle(row, "delivered", result);
    } else if (row.attempts >= this.#schedule.length) {
      await this.#settle(row, "abandoned", result);
    } else {
      await this.#settle(row, "retry", result);
    }
  }

  /**
   * Builds and stores each row's signed envelope once, so retries resend identical bytes (as SNS
   * does); answers the stored envelope per row id. One statement for all rows: the first envelope
   * stored wins (a worker whose lease lapsed may have sealed one meanwhile), and the one stored is
   * what goes out.
   */
  async #seal(rows: readonly ClaimedRow[]): Promise<Map<string, string>> {
    if (rows.length === 0) return new Map();
    const envelopes = rows.map((row) => this.#envelopeOf(row));
    const stored = await this.#options.db.query<{ id: string; envelope: string }>(
      `update ipn_outbox o set envelope = coalesce(o.envelope, sealed.envelope)
         from unnest($1::text[], $2::text[]) as sealed (id, envelope)
        where o.id = sealed.id::bigint
       returning o.id::text as id, o.envelope`,
      [rows.map((row) => row.id), envelopes],
    );
    return new Map(stored.map((row) => [row.id, row.envelope]));
  }

  #envelopeOf(row: ClaimedRow): string {
    const topicArn = topicArnFor(row.merchant_id, row.region);
    const origin = this.#options.publicOrigin();
    return JSON.stringify(
      signIpnEnvelope({
        ipn: {
          MerchantID: row.merchant_id,
          ObjectType: row.object_type,
          ObjectId: row.object_id,
          ChargePermissionId: row.charge_permission_id,
          NotificationType: row.notification_type,
          NotificationId: this.#randomId(),
          NotificationVersion: "V2",
        },
        messageId: this.#randomId(),
        topicArn,
        timestamp: this.#realClock.now() + Number(row.offset_ms ?? 0),
        signatureVersion: row.ipn_signature_version ?? this.#options.defaultSignatureVersion ?? "2",
        signingCertUrl: `${origin}/__sns/cert.pem`,
        unsubscribeUrl: `${origin}/__sns/unsubscribe?SubscriptionArn=${encodeURIComponent(subscriptionArnFor(topicArn))}`,
        privateKey: this.#options.identity.privateKey,
      }),
    );
  }

  async #send(target: URL, envelope: string): Promise<SendResult> {
    const message = JSON.parse(envelope) as { MessageId: string; TopicArn: string };
    try {
      const response = await request(target, {
        method: "POST",
        dispatcher: this.#dispatchers.forUrl(target),
        headers: {
          "content-type": "text/plain; charset=UTF-8",
          "user-agent": "Amazon Simple Notification Service Agent",
          "x-amz-sns-message-type": "Notification",
          "x-amz-sns-message-id": message.MessageId,
          "x-amz-sns-topic-arn": message.TopicArn,
          "x-amz-sns-subscription-arn": subscriptionArnFor(message.TopicArn),
        },
        body: envelope,
        signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#shutdown.signal]),
      });
      await response.body.dump();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return ok
        ? { ok, status: response.statusCode }
        : { ok, status: response.statusCode, error: `HTTP ${response.statusCode}` };
    } catch (error) {
      return { ok: false, error: (error as Error).message || String(error) };
    }
  }

  async #settle(
    row: ClaimedRow,
    outcome: IpnAttemptEvent["outcome"],
    result: Partial<SendResult>,
  ): Promise<void> {
    const db = this.#options.db;
    const params = [row.id, result.status ?? null, result.error ?? null];
    if (outcome === "retry") {
      const delay = this.#schedule[row.attempts] ?? 0;
      await db.query(
        `update ipn_outbox set attempts = attempts + 1, lease_until = null, last_status = $2, last_error = $3,
                next_attempt_at = $4::timestamptz + ${EMULATED_OFFSET}
          where id = $1::bigint`,
        [...params, iso(this.#realClock.now() + delay)],
      );
    } else {
      await db.query(
        `update ipn_outbox set attempts = attempts + $5, lease_until = null, last_status = $2, last_error = $3,
                outcome = $4, delivered_at = case when $4 = 'delivered' then now() else null end
          where id = $1::bigint`,
        [...params, outcome, outcome === "dropped" ? 0 : 1],
      );
    }
    this.#options.onAttempt?.({
      outboxId: row.id,
      merchantId: row.merchant_id,
      outcome,
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.error ? { error: result.error } : {}),
    });
  }
}

type SendResult =
  | { ok: true; status: number; error?: undefined }
  | { ok: false; status?: number; error: string };

/** One subscription per topic; the suffix is stable so receivers can match it. */
export function subscriptionArnFor(topicArn: string): string {
  const hex = createHash("sha256").update(topicArn).digest("hex");
  return `${topicArn}:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function iso(epoch: number): string {
  return new Date(epoch).toISOString();
}
