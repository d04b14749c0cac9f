/**
 * The one delivery worker of the notification outboxes (reference §1.7 for URLNotify,
 * docs/api.md for webhooks): POSTs each due row of each channel — the Paygate door's URLNotify
 * (`Len=…&Data=…` form) and the JSON API door's signed webhooks — until the receiver
 * acknowledges it (any 2xx) and then never again; anything else (an error status, a timeout, a
 * connection that hangs or answers garbage) is logged and retried on the one schedule (default 8
 * retries, n³ minutes), then given up (`failed`, resendable).
 *
 * Durable: the outbox rows are the only state. Each channel claims its rows with a lease and a
 * token (`FOR UPDATE SKIP LOCKED`), so several processes on one PostgreSQL share the work; a
 * process killed mid-delivery leaves a lease that lapses and the row goes out again from any
 * process. The lease is longer than the request timeout, so a row is never sent by two processes
 * at once.
 */
import { Agent, request } from "undici";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import { claimDue, recordAttempt } from "./outbox.js";
import { PeriodicTask } from "./periodic.js";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./schedule.js";

/** One attempt's result as an outbox records it. */
export interface AttemptResult {
  readonly delivered: boolean;
  /** The receiver's HTTP status, when it answered at all. */
  readonly httpStatus?: number;
  readonly error?: string;
  /** When to try again; `undefined` on delivery or when given up. */
  readonly nextAttemptAt?: number | undefined;
}

/** The POST of one claimed row. */
export interface OutboxRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A claimed row: what to send, where to log it, and how to record the attempt under its lease. */
export interface OutboxItem {
  /** Log fields naming the row (merchant, id, PayID, event, attempt). */
  readonly where: Readonly<Record<string, unknown>>;
  /** Attempts since the last resend: the index into the retry schedule. */
  readonly retryIndex: number;
  /** The request, made at send time; `gone` when there is nobody to send to any more (given up). */
  request(now: number): Promise<OutboxRequest | { readonly gone: string }>;
  /** `false` when the lease was lost meanwhile (another claimant owns the row now). */
  record(result: AttemptResult, now: number): Promise<boolean>;
}

/** One outbox table the worker drains. */
export interface OutboxChannel {
  /** In log lines: `URLNotify delivered`, `webhook given up`. */
  readonly label: string;
  claim(now: number, leaseMs: number, limit: number): Promise<OutboxItem[]>;
}

/** The Paygate door's URLNotify outbox (`notifications`, `outbox.ts`) as a channel. */
export function urlNotifyChannel(db: Database): OutboxChannel {
  return {
    label: "URLNotify",
    async claim(now, leaseMs, limit) {
      const due = await claimDue(db, now, leaseMs, limit);
      return due.map((notification) => ({
        where: {
          merchantId: notification.merchantId,
          notificationId: notification.notificationId,
          payId: notification.payId,
          event: notification.event,
          attempt: notification.attempts + 1,
        },
        retryIndex: notification.retryIndex,
        request: async () => ({
          url: notification.url,
          body: notification.body,
          headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        }),
        record: (result, at) => recordAttempt(db, notification, result, at),
      }));
    },
  };
}

export interface NotifyWorkerOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** More outboxes beside URLNotify (the JSON API's webhooks, `webhook-outbox.ts`). */
  readonly channels?: readonly OutboxChannel[];
  /** Delay before retry n (index n−1); the length is the number of retries. */
  readonly retryScheduleMs?: readonly number[];
  /** Real milliseconds between looks for due rows (a flow's wake() comes sooner). Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Connect, headers and body timeout of one POST. Default 10 s. */
  readonly timeoutMs?: number;
}

const BATCH = 20;
/** Most of a receiver's answer that is read (and ignored): one streaming garbage cannot hold a worker. */
const ANSWER_LIMIT = 64 * 1024;

export class NotifyWorker {
  readonly #options: NotifyWorkerOptions;
  readonly #channels: readonly OutboxChannel[];
  readonly #schedule: readonly number[];
  readonly #timeoutMs: number;
  readonly #agent: Agent;
  readonly #task: PeriodicTask;

  constructor(options: NotifyWorkerOptions) {
    this.#options = options;
    this.#channels = [urlNotifyChannel(options.db), ...(options.channels ?? [])];
    this.#schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const timeout = this.#timeoutMs;
    this.#agent = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
    this.#task = new PeriodicTask(
      () => this.#cycle(),
      options.pollIntervalMs ?? 1_000,
      (error) => options.logger.error({ err: error }, "notify cycle failed"),
    );
  }

  /**
   * The lease of a claimed row: twice the longest one POST can take (connect, headers and body
   * timeouts in a row), so it cannot lapse while its holder is still sending.
   */
  get leaseMs(): number {
    return 2 * 3 * this.#timeoutMs;
  }

  start(): void {
    this.#task.start();
  }

  /** Run now (a flow queued a notify or webhook, or an admin resent one). */
  wake(): void {
    this.#task.wake();
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#agent.close();
  }

  async #cycle(): Promise<void> {
    for (const channel of this.#channels) {
      let due: OutboxItem[];
      do {
        due = await channel.claim(this.#options.clock.now(), this.leaseMs, BATCH);
        await Promise.all(due.map((item) => this.#deliver(channel.label, item)));
      } while (due.length === BATCH && !this.#task.stopped);
    }
  }

  async #deliver(label: string, item: OutboxItem): Promise<void> {
    const { logger, clock } = this.#options;
    const { where } = item;
    let error: string;
    let httpStatus: number | undefined;
    let retry = true;
    try {
      const target = await item.request(clock.now());
      if ("gone" in target) {
        error = target.gone;
        retry = false;
      } else {
        const response = await request(target.url, {
          method: "POST",
          body: target.body,
          headers: target.headers,
          dispatcher: this.#agent,
        });
        await response.body.dump({ limit: ANSWER_LIMIT }).catch(() => undefined);
        if (response.statusCode >= 200 && response.statusCode < 300) {
          const recorded = await item.record(
            { delivered: true, httpStatus: response.statusCode },
            clock.now(),
          );
          if (!recorded) logger.warn(where, `${label} delivered, but the row's lease was lost meanwhile`);
          else logger.info({ ...where, status: response.statusCode }, `${label} delivered`);
          return;
        }
        httpStatus = response.statusCode;
        error = `HTTP ${response.statusCode}`;
      }
    } catch (cause) {
      // Timeouts, refused connections, TLS failures and answers that are not HTTP.
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    const now = clock.now();
    const delay = retry ? this.#schedule[item.retryIndex] : undefined;
    await item.record(
      {
        delivered: false,
        ...(httpStatus === undefined ? {} : { httpStatus }),
        error,
        nextAttemptAt: delay === undefined ? undefined : now + delay,
      },
      now,
    );
    logger.warn(
      { ...where, error, ...(delay === undefined ? {} : { retryInMs: delay }) },
      delay === undefined ? `${label} given up` : `${label} failed; retry scheduled`,
    );
  }
}
