/**
 * Recurring payments without I/O: the terms of a recurring charge permission (seed 004
 * "Einrichtung wiederkehrender Zahlungen", reference paygate-protocol.md §5.9, amazon-pay-v2.md
 * §12), the due dates of a subscription Kasse runs itself, its retry backoff, and the expiry
 * warning rule. Times are epoch milliseconds (UTC); money is minor units.
 */

/** Amazon's `recurringMetadata.frequency.unit` (amazon-pay-v2.md §4.1). */
export type FrequencyUnit = "Year" | "Month" | "Week" | "Day" | "Variable";

export const FREQUENCY_UNITS: readonly FrequencyUnit[] = ["Year", "Month", "Week", "Day", "Variable"];

/** Units per cycle the seed allows for each unit (`Value`: Year 1–3, … ; `Variable` takes 0). */
export const FREQUENCY_RANGES: Readonly<Record<FrequencyUnit, { min: number; max: number }>> = {
  Year: { min: 1, max: 3 },
  Month: { min: 1, max: 36 },
  Week: { min: 1, max: 57 },
  Day: { min: 1, max: 1095 },
  Variable: { min: 0, max: 0 },
};

export interface Frequency {
  readonly unit: FrequencyUnit;
  readonly value: number;
}

/** What an RTF=I init agrees with the buyer: the cycle and, when fixed, the amount per cycle. */
export interface RecurringTerms {
  readonly frequency: Frequency;
  /** Minor units per cycle; `undefined` when the amount is not fixed (`InstallmentAmount` 0 or absent). */
  readonly installmentAmount?: number | undefined;
}

/** Which parameter broke the terms, under the seed's spelling. */
export type TermsRefusal = { readonly parameter: "cycle" | "Value" | "InstallmentAmount" };

/**
 * Reads `cycle`, `Value` and `InstallmentAmount` (already format-checked: `Value` n..4,
 * `InstallmentAmount` n..10) into terms, or names the parameter that breaks the seed's ranges.
 *
 * @example recurringTermsOf("Month", "1", "990") // { frequency: { unit: "Month", value: 1 }, installmentAmount: 990 }
 */
export function recurringTermsOf(
  cycle: string,
  value: string,
  installmentAmount: string | undefined,
): RecurringTerms | TermsRefusal {
  const unit = FREQUENCY_UNITS.find((candidate) => candidate === cycle);
  if (unit === undefined) return { parameter: "cycle" };
  if (!/^\d{1,4}$/.test(value)) return { parameter: "Value" };
  const units = Number(value);
  const range = FREQUENCY_RANGES[unit];
  if (units < range.min || units > range.max) return { parameter: "Value" };
  let installment: number | undefined;
  if (installmentAmount !== undefined && installmentAmount !== "") {
    if (!/^\d{1,10}$/.test(installmentAmount)) return { parameter: "InstallmentAmount" };
    const amount = Number(installmentAmount);
    // The seed: "wählen Sie Null, wenn es sich nicht um einen festen Betrag handelt".
    installment = amount === 0 ? undefined : amount;
  }
  return { frequency: { unit, value: units }, installmentAmount: installment };
}

/**
 * Seed 004 ("Anfangszahlung", `InstallmentAmount`: "Transaktionsbetrag – wählen Sie Null, wenn es
 * sich nicht um einen festen Betrag handelt"): a series with a fixed amount is charged exactly that
 * amount each cycle; one without (`undefined`) any amount.
 *
 * @example fitsInstallment(990, 1290) // false
 */
export function fitsInstallment(installmentAmount: number | undefined, amount: number): boolean {
  return installmentAmount === undefined || amount === installmentAmount;
}

/** A schedule needs a fixed interval: `Variable` cannot say when the next charge is due. */
export function isSchedulable(frequency: Frequency): boolean {
  return frequency.unit !== "Variable" && frequency.value >= FREQUENCY_RANGES[frequency.unit].min;
}

const DAY_MS = 86_400_000;

/**
 * The due date of cycle `cycle` (1 = the first due date), counted from the anchor rather than
 * from the previous due date, so month ends do not drift: anchored on 31 January, monthly cycles
 * fall on 28/29 February, 31 March, 30 April. Time of day is kept.
 */
export function dueDateOf(anchor: number, frequency: Frequency, cycle: number): number {
  if (!isSchedulable(frequency)) throw new RangeError(`${frequency.unit} has no fixed interval`);
  if (!Number.isSafeInteger(cycle) || cycle < 1)
    throw new RangeError(`cycle ${cycle} is not a positive integer`);
  const steps = (cycle - 1) * frequency.value;
  switch (frequency.unit) {
    case "Day":
      return anchor + steps * DAY_MS;
    case "Week":
      return anchor + steps * 7 * DAY_MS;
    case "Month":
      return addMonths(anchor, steps);
    case "Year":
      return addMonths(anchor, steps * 12);
    default:
      throw new RangeError(`${frequency.unit} has no fixed interval`);
  }
}

function addMonths(epoch: number, months: number): number {
  const date = new Date(epoch);
  const target = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(
    year,
    month,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  );
}

/**
 * How a failed due charge is handled: a soft decline (amazon-pay-v2.md §4.4: `SoftDeclined`,
 * `ProcessingFailure`; `TransactionTimedOut` is a pending authorisation that did not finish)
 * may succeed later and is retried; everything else needs the buyer or the merchant (hard
 * decline, closed or non-chargeable permission, monthly limit reached) and stops the schedule.
 */
export type FailureHandling = "retry" | "stop";

const RETRYABLE_REASONS: ReadonlySet<string> = new Set([
  "SoftDeclined",
  "ProcessingFailure",
  "TransactionTimedOut",
]);

export function failureHandlingOf(reasonCode: string | undefined): FailureHandling {
  return reasonCode !== undefined && RETRYABLE_REASONS.has(reasonCode) ? "retry" : "stop";
}

/** Retry n (1-based) of a cycle waits `delays[n-1]`; `undefined` once the retries are used up. */
export function retryDelayOf(delaysMs: readonly number[], retry: number): number | undefined {
  return retry >= 1 ? delaysMs[retry - 1] : undefined;
}

/** The default retry policy of a subscription: 1, 3 and 7 days after the failed attempt. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1 * DAY_MS, 3 * DAY_MS, 7 * DAY_MS];

/** How long before a permission's expiry Kasse warns (the brief: 30 days). */
export const EXPIRY_WARNING_MS = 30 * DAY_MS;

/** True when the permission expires within the warning window (and has not expired yet). */
export function isExpiringSoon(expiresAt: number | undefined, now: number): boolean {
  return expiresAt !== undefined && expiresAt > now && expiresAt - now <= EXPIRY_WARNING_MS;
}

/** Where a subscription stands: the cycle being charged and the attempts made on it. */
export interface SubscriptionCursor {
  readonly firstDueAt: number;
  readonly frequency: Frequency;
  readonly retryDelaysMs: readonly number[];
  readonly cycle: number;
  readonly attempt: number;
  /**
   * Attempts of this cycle made before the last resume: a resumed subscription gets the whole
   * retry policy again, while its attempt numbers (and so its ReqIds) keep counting.
   */
  readonly attemptBase: number;
}

/** What one due charge came to, as the subscription sees it. */
export type ChargeVerdict =
  | { readonly kind: "charged" }
  | { readonly kind: "failed"; readonly reasonCode: string | undefined }
  /** No final answer yet (in flight or pending at Amazon): the same attempt is asked again. */
  | { readonly kind: "open" };

export type NextStep =
  | {
      readonly status: "active";
      readonly cycle: number;
      readonly attempt: number;
      readonly nextAttemptAt: number;
    }
  | {
      readonly status: "paused";
      readonly cycle: number;
      readonly attempt: number;
      /** Amazon's reason, or `RetriesExhausted` after the last soft decline. */
      readonly reason: string;
    };

/** How long an open attempt waits before it is asked again (its ReqId answers the same charge). */
export const OPEN_ATTEMPT_RECHECK_MS = 5 * 60_000;

/**
 * The subscription after one attempt (`cursor.attempt` attempts were made before it): charged →
 * the next cycle's due date; soft decline with retries left → the policy's delay; anything else →
 * paused (the caller sends the dunning notification).
 */
export function nextStepAfter(cursor: SubscriptionCursor, verdict: ChargeVerdict, now: number): NextStep {
  const attempts = cursor.attempt + 1;
  switch (verdict.kind) {
    case "charged": {
      const cycle = cursor.cycle + 1;
      return {
        status: "active",
        cycle,
        attempt: 0,
        nextAttemptAt: dueDateOf(cursor.firstDueAt, cursor.frequency, cycle),
      };
    }
    case "open":
      return {
        status: "active",
        cycle: cursor.cycle,
        attempt: cursor.attempt,
        nextAttemptAt: now + OPEN_ATTEMPT_RECHECK_MS,
      };
    case "failed": {
      const delay = retryDelayOf(cursor.retryDelaysMs, attempts - cursor.attemptBase);
      if (failureHandlingOf(verdict.reasonCode) === "retry" && delay !== undefined) {
        return { status: "active", cycle: cursor.cycle, attempt: attempts, nextAttemptAt: now + delay };
      }
      const reason =
        failureHandlingOf(verdict.reasonCode) === "retry"
          ? "RetriesExhausted"
          : (verdict.reasonCode ?? "Failed");
      return { status: "paused", cycle: cursor.cycle, attempt: attempts, reason };
    }
  }
}
