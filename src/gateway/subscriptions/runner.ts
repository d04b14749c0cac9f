/**
 * The due-charge worker of the subscriptions Kasse runs itself: it claims active subscriptions
 * whose next attempt is due (leased, `FOR UPDATE SKIP LOCKED`), charges each through the RTF=R
 * flow, and records what comes next (core/recurring.ts `nextStepAfter`): the next cycle, a retry
 * of a soft decline after the policy's delay, or a pause with a `DunningNotification` to the
 * shop's URLNotify, written in the same transaction.
 *
 * No attempt charges twice: each attempt has a ReqId derived from (subscription, cycle, attempt),
 * so a worker that crashed after the charge, or lost its lease, asks again with the same ReqId
 * and is answered the original charge.
 *
 * The schedule's clock is injected (tests drive due dates with a manual clock and `runDue()`,
 * without sleeping); notifications use the gateway's own clock, which the notify worker follows.
 */
import type { Clock } from "../../core/clock.js";
import { type ChargeVerdict, nextStepAfter } from "../../core/recurring.js";
import type { Logger } from "../../log.js";
import { paygateCode } from "../../paygate/codes.js";
import { paygateCodeOf, recurringReadingOf } from "../../paygate/outcome-codes.js";
import { recurringShop } from "../../paygate/pages/recurring-charge.js";
import { recurringCharge } from "../../payments/recurring-charge.js";
import type { SubscriptionDeps } from "./deps.js";
import { queueDunning } from "./dunning.js";
import { claimDueSubscriptions, recordAttempt, type Subscription } from "./store.js";

export interface SubscriptionRunnerOptions {
  readonly deps: SubscriptionDeps;
  /** The schedule's clock (due dates, retries, leases). */
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often the worker looks for due subscriptions; default one minute. */
  readonly pollIntervalMs?: number;
  /** How long a claimed subscription is held; default ten minutes. */
  readonly leaseMs?: number;
}

const BATCH = 20;

export interface RunSummary {
  readonly attempted: number;
  readonly charged: number;
  readonly failed: number;
  readonly paused: number;
}

export class SubscriptionRunner {
  readonly #options: SubscriptionRunnerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = true;

  constructor(options: SubscriptionRunnerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#arm();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Charges every subscription due now (by the injected clock); also what the timer runs. */
  runDue(): Promise<RunSummary> {
    const run = this.#running.then(
      () => this.#runDue(),
      () => this.#runDue(),
    );
    this.#running = run.catch(() => undefined);
    return run;
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.runDue()
        .catch((error) => this.#options.logger.error({ err: error }, "subscription run failed"))
        .finally(() => this.#arm());
    }, this.#options.pollIntervalMs ?? 60_000);
    this.#timer.unref();
  }

  async #runDue(): Promise<RunSummary> {
    const totals = { attempted: 0, charged: 0, failed: 0, paused: 0 };
    const { deps, clock } = this.#options;
    for (;;) {
      const due = await claimDueSubscriptions(deps.db, clock.now(), this.#options.leaseMs ?? 600_000, BATCH);
      for (const subscription of due) {
        const outcome = await this.#attempt(subscription).catch((error) => {
          // The lease runs out and the same attempt (same ReqId) is made again later.
          this.#options.logger.error(
            { err: error, merchantId: subscription.merchantId, subscriptionId: subscription.subscriptionId },
            "subscription charge failed",
          );
          return undefined;
        });
        totals.attempted += 1;
        if (outcome === "charged") totals.charged += 1;
        if (outcome === "failed" || outcome === "paused") totals.failed += 1;
        if (outcome === "paused") totals.paused += 1;
      }
      if (due.length < BATCH || this.#stopped) return totals;
    }
  }

  async #attempt(subscription: Subscription): Promise<"charged" | "failed" | "paused" | "open"> {
    const { deps, clock, logger } = this.#options;
    const transId = `SUB-${subscription.subscriptionId}-${subscription.cycle}`;
    const done = await recurringCharge(deps.payments, subscription.merchantId, {
      chargePermissionId: subscription.chargePermissionId,
      transId,
      refnr: undefined,
      reqId: attemptReqId(subscription),
      countryCode: subscription.countryCode,
      amount: subscription.amount,
      currency: subscription.currency,
      intent: subscription.txType,
      softDescriptor: undefined,
      simulationCode: subscription.simulationCode,
      door: recurringShop(subscription.notifyUrl, {
        userData: undefined,
        custom: undefined,
        scheme: "blowfish",
      }),
    });
    const result = done.ok
      ? { payment: done.payment, action: done.action, ...recurringReadingOf(done.action, done.amazonMessage) }
      : undefined;
    const verdict: ChargeVerdict =
      result === undefined
        ? { kind: "failed", reasonCode: done.ok ? undefined : paygateCodeOf(done.refusal).name }
        : result.status === "OK"
          ? { kind: "charged" }
          : result.status === "FAILED"
            ? { kind: "failed", reasonCode: result.action.reasonCode }
            : { kind: "open" };
    const step = nextStepAfter(
      {
        firstDueAt: subscription.firstDueAt,
        frequency: subscription.interval,
        retryDelaysMs: subscription.retryDelaysMs,
        cycle: subscription.cycle,
        attempt: subscription.attempt,
        attemptBase: subscription.attemptBase,
      },
      verdict,
      clock.now(),
    );
    const merchant = await deps.findMerchant(subscription.merchantId);
    const payId = result?.payment.payId;
    const reasonCode = verdict.kind === "failed" ? verdict.reasonCode : undefined;
    let queued = false;
    await deps.db.transaction(async (tx) => {
      const recorded = await recordAttempt(
        tx,
        subscription,
        step,
        { payId, result: result?.status ?? "FAILED", reasonCode },
        clock.now(),
      );
      if (!recorded || step.status !== "paused" || merchant === undefined) return;
      const code = done.ok ? (result?.code ?? paygateCode("INTERNAL_ERROR")) : paygateCodeOf(done.refusal);
      const amazonText = result?.errorText ?? reasonCode ?? code.description;
      queued = await queueDunning(
        tx,
        merchant,
        subscription,
        {
          payId,
          transId,
          code,
          reasonCode,
          errorText: step.reason === reasonCode ? amazonText : `${step.reason}: ${amazonText}`,
          cycle: step.cycle,
          attempts: step.attempt,
          kind: "charge",
        },
        deps.payments.clock.now(),
      );
    });
    if (queued) deps.wake();
    if (step.status === "paused") {
      logger.warn(
        {
          merchantId: subscription.merchantId,
          subscriptionId: subscription.subscriptionId,
          reason: step.reason,
        },
        "subscription paused; dunning notification queued",
      );
      return "paused";
    }
    return verdict.kind === "charged" ? "charged" : verdict.kind === "open" ? "open" : "failed";
  }
}

/** `sub-<16 hex of the id>-<cycle>-<attempt>`: at most 32 characters (ans..32, reference §4.1). */
export function attemptReqId(
  subscription: Pick<Subscription, "subscriptionId" | "cycle" | "attempt">,
): string {
  return `sub-${subscription.subscriptionId.slice(0, 16)}-${subscription.cycle}-${subscription.attempt}`;
}
