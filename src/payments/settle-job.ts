/**
 * The reconciliation job: for payments whose pending Amazon outcome no IPN has settled, it asks
 * Amazon itself, with backoff (docs/async.md). Due times come from the injected clock and are
 * stored with the payment, so the job survives restarts and several processes share it.
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
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
   * resumes it (and between two resumes while Amazon does not answer). Default 2 minutes.
   */
  readonly cutCallGraceMs?: number;
}

/** Longer than any live request spends on one Amazon call (connector retries included). */
export const DEFAULT_CUT_CALL_GRACE_MS = 2 * 60_000;

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
   */
  async #resumeCutCalls(): Promise<void> {
    const deps = this.#deps;
    let cut: CutCall[];
    do {
      cut = await deps.store.claimCutCalls(
        (this.#options.clock ?? deps.clock).now(),
        this.#options.cutCallGraceMs ?? DEFAULT_CUT_CALL_GRACE_MS,
        BATCH,
      );
      for (const { merchantId, payId, xid, idempotencyKey } of cut) {
        await this.#resumeCutCall(merchantId, payId, xid, idempotencyKey).catch((error) =>
          this.#options.logger.warn(
            { err: error, merchantId, payId, xid },
            "cut Amazon call could not be resumed; tried again later",
          ),
        );
      }
    } while (cut.length === BATCH && !this.#task.stopped);
  }

  async #resumeCutCall(merchantId: string, payId: string, xid: string, idempotencyKey: string) {
    const action = await resumeCutAction(this.#deps, merchantId, payId, xid);
    const logged = { merchantId, payId, xid, state: action?.state };
    if (action?.state === "inFlight") {
      this.#options.logger.warn(logged, "cut Amazon call resumed; outcome still unknown");
      return;
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
