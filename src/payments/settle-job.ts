/**
 * The reconciliation job: for payments whose pending Amazon outcome no IPN has settled, it asks
 * Amazon itself, with backoff (docs/async.md). Due times come from the injected clock and are
 * stored with the payment, so the job survives restarts and several processes share it.
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import { cutCallsGivenUp } from "../metrics.js";
import { PeriodicTask } from "../notify/periodic.js";
import type { CutCall, DueSettlement, PaymentDeps, PaymentRecord } from "./ports.js";
import { resumeCutAction, settlePending } from "./settle.js";

/**
 * Delays between checks: the first after the payment's last change, then one per check, the last
 * one repeated for as long as Amazon says pending (asynchronous authorisations take up to 24 h,
 * refunds can take days; §5.5).
 */
export const DEFAULT_RECONCILE_SCHEDULE_MS: readonly number[] = [
  2 * 60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  60 * 60_000,
];

export interface SettleJobOptions {
  readonly logger: Logger;
  /** The clock of the schedule (tests drive the backoff with it); default the steps' clock. */
  readonly clock?: Clock;
  readonly scheduleMs?: readonly number[];
  /** Real milliseconds between looks for due payments. Default 5 s. */
  readonly pollIntervalMs?: number;
  /**
   * How long a call with an unknown outcome is left to the request that made it before the job
   * resumes it the first time. Default 2 minutes.
   */
  readonly cutCallGraceMs?: number;
  /**
   * Delays after each of the job's tries of a call Amazon does not answer; after the last one
   * the call is given up (logged at error, counted, listed for an operator). Default
   * {@link DEFAULT_CUT_CALL_BACKOFF_MS}.
   */
  readonly cutCallBackoffMs?: readonly number[];
  /** Randomness of the backoff's jitter, in [0, 1); tests fix it. Default `Math.random`. */
  readonly random?: () => number;
}

/** Longer than any live request spends on one Amazon call (connector retries included). */
export const DEFAULT_CUT_CALL_GRACE_MS = 2 * 60_000;

/**
 * Ten tries over about eight hours — long enough for an Amazon outage to pass, short enough that
 * an operator hears of a call that stays unknown on the day it was made.
 */
export const DEFAULT_CUT_CALL_BACKOFF_MS: readonly number[] = [
  2 * 60_000,
  4 * 60_000,
  8 * 60_000,
  16 * 60_000,
  32 * 60_000,
  60 * 60_000,
  2 * 60 * 60_000,
  2 * 60 * 60_000,
  2 * 60 * 60_000,
  2 * 60 * 60_000,
];

/** Each delay is spread by ±20 %, so calls cut by one outage are not all retried at once. */
const JITTER = 0.2;

const BATCH = 20;

export class SettleJob {
  readonly #deps: PaymentDeps;
  readonly #options: SettleJobOptions;
  readonly #schedule: readonly number[];
  readonly #task: PeriodicTask;

  constructor(deps: PaymentDeps, options: SettleJobOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#schedule = options.scheduleMs?.length ? options.scheduleMs : DEFAULT_RECONCILE_SCHEDULE_MS;
    this.#task = new PeriodicTask(
      () => this.#cycle(),
      options.pollIntervalMs ?? 5_000,
      (error) => options.logger.error({ err: error }, "reconciliation cycle failed"),
    );
  }

  start(): void {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  async #cycle(): Promise<void> {
    const schedule = this.#schedule;
    const delayOf = (attempts: number) => schedule[Math.min(attempts, schedule.length - 1)] as number;
    let due: DueSettlement[];
    do {
      due = await this.#deps.store.claimDueSettlements(
        (this.#options.clock ?? this.#deps.clock).now(),
        schedule[0] as number,
        delayOf,
        BATCH,
      );
      for (const { merchantId, payId, attempts } of due) {
        await this.settle(merchantId, payId, { attempts }).catch((error) =>
          this.#options.logger.warn(
            { err: error, merchantId, payId, attempts },
            "reconciliation could not ask Amazon; next check per backoff",
          ),
        );
      }
    } while (due.length === BATCH && !this.#task.stopped);
    await this.#resumeCutCalls();
  }

  /**
   * Actions whose Amazon call has an unknown outcome (a killed process, an answer lost on every
   * try) are resumed here when nobody asks again: the shop may never come back (docs/async.md).
   * Each call is tried on its stored backoff and given up after the last try.
   */
  async #resumeCutCalls(): Promise<void> {
    const deps = this.#deps;
    const backoff = this.#options.cutCallBackoffMs?.length
      ? this.#options.cutCallBackoffMs
      : DEFAULT_CUT_CALL_BACKOFF_MS;
    const random = this.#options.random ?? Math.random;
    const delayOf = (attempts: number) => {
      const delay = backoff[Math.min(attempts, backoff.length) - 1] as number;
      return Math.round(delay * (1 - JITTER + 2 * JITTER * random()));
    };
    const clock = this.#options.clock ?? deps.clock;
    let cut: CutCall[];
    do {
      cut = await deps.store.claimCutCalls(
        clock.now(),
        this.#options.cutCallGraceMs ?? DEFAULT_CUT_CALL_GRACE_MS,
        delayOf,
        BATCH,
      );
      for (const call of cut) {
        const stillUnknown = await this.#resumeCutCall(call).catch((error) => {
          this.#options.logger.warn(
            {
              err: error,
              merchantId: call.merchantId,
              payId: call.payId,
              xid: call.xid,
              attempts: call.attempts,
            },
            "cut Amazon call could not be resumed; tried again later",
          );
          return true;
        });
        if (stillUnknown && call.attempts >= backoff.length) await this.#giveUp(call, clock.now());
      }
    } while (cut.length === BATCH && !this.#task.stopped);
  }

  /** Resumes one cut call; whether its outcome is still unknown. */
  async #resumeCutCall({ merchantId, payId, xid, idempotencyKey, attempts }: CutCall): Promise<boolean> {
    const action = await resumeCutAction(this.#deps, merchantId, payId, xid);
    const logged = { merchantId, payId, xid, attempts, state: action?.state };
    if (action?.state === "inFlight") {
      this.#options.logger.warn(logged, "cut Amazon call resumed; outcome still unknown");
      return true;
    }
    // Settled meanwhile by another path (or gone): the call's row is closed with the action's
    // state, so it is not claimed again. A resume that reached Amazon has closed it already.
    if (await this.#deps.store.isCallOpen(merchantId, idempotencyKey)) {
      await this.#deps.store.finishCall(
        merchantId,
        idempotencyKey,
        action?.state === "failed" ? "failed" : "succeeded",
        action?.reasonCode,
      );
    }
    this.#options.logger.info(logged, "cut Amazon call resumed");
    return false;
  }

  async #giveUp({ merchantId, payId, xid, idempotencyKey, attempts }: CutCall, now: number): Promise<void> {
    await this.#deps.store.giveUpCall(merchantId, idempotencyKey, now);
    cutCallsGivenUp.inc();
    this.#options.logger.error(
      { merchantId, payId, xid, idempotencyKey, attempts },
      "cut Amazon call given up: its outcome is still unknown after the last try; " +
        "resume it with POST /api/admin/merchants/{merchantId}/operations/{idempotencyKey}/resume",
    );
  }

  /**
   * Settles one payment now (an IPN, or a due check); whatever it records restarts the backoff
   * for what is still pending. `loaded`: the payment as the caller just read it (an IPN's lookup).
   */
  async settle(
    merchantId: string,
    payId: string,
    context: { readonly attempts?: number; readonly chargeChanged?: boolean } = {},
    loaded?: PaymentRecord,
  ): Promise<number> {
    const result = await settlePending(this.#deps, merchantId, payId, {
      ...(context.chargeChanged === undefined ? {} : { chargeChanged: context.chargeChanged }),
      ...(loaded === undefined ? {} : { loaded }),
    });
    if (result.applied > 0) {
      await this.#deps.store.resetSettlementSchedule(merchantId, payId);
      this.#options.logger.info(
        { merchantId, payId, applied: result.applied, stillPending: result.stillPending, ...context },
        "pending Amazon outcome settled",
      );
    }
    return result.applied;
  }
}
