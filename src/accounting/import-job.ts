/**
 * The settlement import on its own schedule: every merchant is due once per `intervalMs` by the
 * injected clock (a new merchant one interval after the job first sees it); a cycle claims due merchants with `FOR UPDATE SKIP LOCKED` and pushes their next
 * run out in the same transaction, so several gateway processes never import one merchant at once
 * and a restart continues from the stored times. Failures are logged and kept as `last_error`.
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import { PeriodicTask } from "../notify/periodic.js";
import type { Database } from "../store/database.js";
import type { Accounting } from "./accounting.js";

export interface SettlementImportJobOptions {
  readonly db: Database;
  readonly accounting: Pick<Accounting, "importSettlements">;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Between two imports of one merchant; default 6 hours (Amazon settles daily, keeps 90 days). */
  readonly intervalMs?: number;
  /** Real milliseconds between looks for due merchants; default one minute. */
  readonly pollIntervalMs?: number;
  /** Merchants per cycle. */
  readonly batch?: number;
}

export class SettlementImportJob {
  readonly #options: SettlementImportJobOptions;
  readonly #task: PeriodicTask;

  constructor(options: SettlementImportJobOptions) {
    this.#options = options;
    this.#task = new PeriodicTask(
      async () => {
        await this.runDue();
      },
      options.pollIntervalMs ?? 60_000,
      (error) => options.logger.error({ err: error }, "settlement import job failed"),
    );
  }

  start(): void {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** Claims the merchants due now and imports each; the merchant ids handled. */
  async runDue(): Promise<string[]> {
    const { db, clock, logger } = this.#options;
    const now = clock.now();
    const interval = this.#options.intervalMs ?? 6 * 3_600_000;
    const due = await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO settlement_import_state (merchant_id, next_run_at)
         SELECT merchant_id, $1::bigint + $2::bigint FROM merchants WHERE active ON CONFLICT (merchant_id) DO NOTHING`,
        [now, interval],
      );
      const rows = await tx.query<{ merchant_id: string }>(
        `SELECT s.merchant_id FROM settlement_import_state s JOIN merchants m ON m.merchant_id = s.merchant_id
         WHERE m.active AND s.next_run_at <= $1 ORDER BY s.next_run_at LIMIT $2 FOR UPDATE OF s SKIP LOCKED`,
        [now, this.#options.batch ?? 20],
      );
      for (const row of rows) {
        await tx.query("UPDATE settlement_import_state SET next_run_at = $2 WHERE merchant_id = $1", [
          row.merchant_id,
          now + interval,
        ]);
      }
      return rows.map((row) => row.merchant_id);
    });
    for (const merchantId of due) {
      try {
        const result = await this.#options.accounting.importSettlements(merchantId);
        if (result.failed.length > 0 || result.missingPeriods.length > 0) {
          logger.warn(
            { merchantId, failed: result.failed, missingPeriods: result.missingPeriods },
            "scheduled settlement import found problems",
          );
        }
      } catch (error) {
        logger.error({ merchantId, err: error }, "scheduled settlement import failed");
        await db.query("UPDATE settlement_import_state SET last_error = $2 WHERE merchant_id = $1", [
          merchantId,
          String((error as Error).message).slice(0, 1000),
        ]);
      }
    }
    return due;
  }
}
