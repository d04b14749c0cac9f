/**
 * The reconciliation job: for payments whose pending Amazon outcome no IPN has settled, it asks
 * Amazon itself, with backoff (docs/async.md). Due times come from the injected clock and are
 * stored with the payment, so the job survives restarts and several processes share it.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../log.js";
import { PeriodicTask } from "../../notify/periodic.js";
import { claimDueSettlements, resetSettlementSchedule } from "../store/settlements.js";
import type { FlowDeps } from "./ports.js";
import { settlePendingActions } from "./settle.js";

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
  /** The clock of the schedule (tests drive the backoff with it); default the flows' clock. */
  readonly clock?: Clock;
  readonly scheduleMs?: readonly number[];
  /** Real milliseconds between looks for due payments. Default 5 s. */
  readonly pollIntervalMs?: number;
}

const BATCH = 20;

export class SettleJob {
  readonly #deps: FlowDeps;
  readonly #options: SettleJobOptions;
  readonly #schedule: readonly number[];
  readonly #task: PeriodicTask;

  constructor(deps: FlowDeps, options: SettleJobOptions) {
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
    let due: Awaited<ReturnType<typeof claimDueSettlements>>;
    do {
      due = await claimDueSettlements(
        this.#deps.db,
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
  }

  /**
   * Settles one payment now (an IPN, or a due check); whatever it records restarts the backoff
   * for what is still pending.
   */
  async settle(
    merchantId: string,
    payId: string,
    context: { readonly attempts?: number; readonly chargeChanged?: boolean } = {},
  ): Promise<number> {
    const result = await settlePendingActions(this.#deps, merchantId, payId, {
      ...(context.chargeChanged === undefined ? {} : { chargeChanged: context.chargeChanged }),
    });
    if (result.applied > 0) {
      await resetSettlementSchedule(this.#deps.db, merchantId, payId);
      this.#options.logger.info(
        { merchantId, payId, applied: result.applied, stillPending: result.stillPending, ...context },
        "pending Amazon outcome settled",
      );
    }
    return result.applied;
  }
}
