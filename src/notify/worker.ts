/**
 * URLNotify delivery (reference §1.7): POSTs each queued notify (`Len=…&Data=…` form) to the
 * shop's URLNotify until the shop acknowledges it — any 2xx — and then never again; anything
 * else (an error status, a timeout, a connection that hangs or answers garbage) is logged and
 * retried on the schedule (default 8 retries, n³ minutes), then given up (`failed`, resendable
 * through the admin API).
 *
 * Durable: the outbox rows are the only state. Rows are claimed with a lease and a token
 * (`FOR UPDATE SKIP LOCKED`), so several processes on one PostgreSQL share the work; a process
 * killed mid-delivery leaves a lease that lapses and the row goes out again from any process.
 * The lease is longer than the request timeout, so a row is never sent by two processes at once.
 */
import { Agent, request } from "undici";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import { claimDue, type DueNotification, recordAttempt } from "./outbox.js";
import { PeriodicTask } from "./periodic.js";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./schedule.js";

export interface NotifyWorkerOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Delay before retry n (index n−1); the length is the number of retries. */
  readonly retryScheduleMs?: readonly number[];
  /** Real milliseconds between looks for due rows (a flow's wake() comes sooner). Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Connect, headers and body timeout of one POST. Default 10 s. */
  readonly timeoutMs?: number;
}

const BATCH = 20;
/** Most of a shop's answer that is read (and ignored): a shop streaming garbage cannot hold a worker. */
const ANSWER_LIMIT = 64 * 1024;

export class NotifyWorker {
  readonly #options: NotifyWorkerOptions;
  readonly #schedule: readonly number[];
  readonly #timeoutMs: number;
  readonly #agent: Agent;
  readonly #task: PeriodicTask;

  constructor(options: NotifyWorkerOptions) {
    this.#options = options;
    this.#schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const timeout = this.#timeoutMs;
    this.#agent = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
    this.#task = new PeriodicTask(
      () => this.#cycle(),
      options.pollIntervalMs ?? 1_000,
      (error) => options.logger.error({ err: error }, "URLNotify cycle failed"),
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

  /** Run now (a flow queued a notify, or an admin resent one). */
  wake(): void {
    this.#task.wake();
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#agent.close();
  }

  async #cycle(): Promise<void> {
    let due: DueNotification[];
    do {
      due = await claimDue(this.#options.db, this.#options.clock.now(), this.leaseMs, BATCH);
      await Promise.all(due.map((notification) => this.#deliver(notification)));
    } while (due.length === BATCH && !this.#task.stopped);
  }

  async #deliver(notification: DueNotification): Promise<void> {
    const { logger } = this.#options;
    const where = {
      merchantId: notification.merchantId,
      notificationId: notification.notificationId,
      payId: notification.payId,
      event: notification.event,
      attempt: notification.attempts + 1,
    };
    let error: string;
    let httpStatus: number | undefined;
    try {
      const response = await request(notification.url, {
        method: "POST",
        body: notification.body,
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        dispatcher: this.#agent,
      });
      await response.body.dump({ limit: ANSWER_LIMIT }).catch(() => undefined);
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const recorded = await recordAttempt(
          this.#options.db,
          notification,
          { delivered: true, httpStatus: response.statusCode },
          this.#options.clock.now(),
        );
        if (!recorded) logger.warn(where, "URLNotify delivered, but the row's lease was lost meanwhile");
        else logger.info({ ...where, status: response.statusCode }, "URLNotify delivered");
        return;
      }
      httpStatus = response.statusCode;
      error = `HTTP ${response.statusCode}`;
    } catch (cause) {
      // Timeouts, refused connections, TLS failures and answers that are not HTTP.
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    const now = this.#options.clock.now();
    const delay = this.#schedule[notification.retryIndex];
    await recordAttempt(
      this.#options.db,
      notification,
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
      delay === undefined ? "URLNotify given up" : "URLNotify failed; retry scheduled",
    );
  }
}
