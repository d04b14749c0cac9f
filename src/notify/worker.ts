/**
 * URLNotify delivery (reference §1.7): POSTs each queued notify (`Len=…&Data=…` form) to the
 * shop's URLNotify at least once — any 2xx counts as delivered, anything else is retried on the
 * schedule, then given up. Woken when a flow queues a notify; otherwise it looks every
 * `pollIntervalMs` for due retries and for refunds that Amazon may have settled meanwhile
 * (their CreditNotification; the Amazon IPN intake takes this over later).
 *
 * Simple on purpose (the robust worker is the next issue): one loop per process, leases so
 * several processes do not send the same row at once.
 */
import { Agent, request } from "undici";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import { claimDue, type DueNotification, recordAttempt } from "./outbox.js";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./schedule.js";

export interface NotifyWorkerOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Delay before retry n (index n−1); the length is the number of retries. */
  readonly retryScheduleMs?: readonly number[];
  readonly pollIntervalMs?: number;
  readonly timeoutMs?: number;
  /** Extra periodic work (the refund poll); errors are logged, never fatal. */
  readonly onPoll?: () => Promise<void>;
}

const LEASE_MS = 60_000;
const BATCH = 20;

export class NotifyWorker {
  readonly #options: NotifyWorkerOptions;
  readonly #schedule: readonly number[];
  readonly #agent: Agent;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #again = false;
  #busy = false;
  #stopped = true;

  constructor(options: NotifyWorkerOptions) {
    this.#options = options;
    this.#schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    const timeout = options.timeoutMs ?? 15_000;
    this.#agent = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  }

  start(): void {
    this.#stopped = false;
    this.#arm(0);
  }

  /** Run now (a flow queued a notify). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#arm(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#agent.close();
  }

  #arm(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#cycle();
    }, delay);
    this.#timer.unref();
  }

  async #cycle(): Promise<void> {
    this.#busy = true;
    try {
      do {
        this.#again = false;
        if (this.#options.onPoll)
          await this.#options.onPoll().catch((error) => this.#log(error, "refund poll failed"));
        let due: DueNotification[];
        do {
          due = await claimDue(this.#options.db, this.#options.clock.now(), LEASE_MS, BATCH);
          await Promise.all(due.map((notification) => this.#deliver(notification)));
        } while (due.length === BATCH && !this.#stopped);
      } while (this.#again && !this.#stopped);
    } catch (error) {
      this.#log(error, "notify cycle failed");
    } finally {
      this.#busy = false;
      if (!this.#stopped) this.#arm(this.#nextDelay());
    }
  }

  #nextDelay(): number {
    const poll = this.#options.pollIntervalMs ?? 5_000;
    return Math.min(poll, ...this.#schedule.filter((delay) => delay > 0));
  }

  async #deliver(notification: DueNotification): Promise<void> {
    let error: string | undefined;
    try {
      const response = await request(notification.url, {
        method: "POST",
        body: notification.body,
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        dispatcher: this.#agent,
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) {
        await recordAttempt(this.#options.db, notification, { delivered: true }, this.#options.clock.now());
        return;
      }
      error = `HTTP ${response.statusCode}`;
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    }
    const now = this.#options.clock.now();
    const delay = this.#schedule[notification.attempts];
    await recordAttempt(
      this.#options.db,
      notification,
      { delivered: false, error, nextAttemptAt: delay === undefined ? undefined : now + delay },
      now,
    );
    this.#options.logger.warn(
      {
        merchantId: notification.merchantId,
        payId: notification.payId,
        attempt: notification.attempts + 1,
        error,
      },
      delay === undefined ? "URLNotify given up" : "URLNotify failed; retry scheduled",
    );
  }

  #log(error: unknown, message: string): void {
    this.#options.logger.error({ err: error }, message);
  }
}
