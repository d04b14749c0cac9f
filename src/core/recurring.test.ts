import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  DEFAULT_RETRY_DELAYS_MS,
  dueDateOf,
  FREQUENCY_RANGES,
  FREQUENCY_UNITS,
  failureHandlingOf,
  fitsInstallment,
  isExpiringSoon,
  nextStepAfter,
  recurringTermsOf,
  retryDelayOf,
} from "./recurring.js";

const DAY = 86_400_000;

describe("recurring terms (seed 004, Anfangszahlung)", () => {
  it("accepts each unit's documented range and refuses one beyond either end, naming Value", () => {
    for (const unit of FREQUENCY_UNITS) {
      const { min, max } = FREQUENCY_RANGES[unit];
      for (const value of [min, max]) {
        assert.deepEqual(recurringTermsOf(unit, String(value), undefined), {
          frequency: { unit, value },
          installmentAmount: undefined,
        });
      }
      assert.deepEqual(recurringTermsOf(unit, String(max + 1), undefined), { parameter: "Value" });
      if (min > 0)
        assert.deepEqual(recurringTermsOf(unit, String(min - 1), undefined), { parameter: "Value" });
    }
    assert.deepEqual(recurringTermsOf("Year", "4", undefined), { parameter: "Value" });
    assert.deepEqual(recurringTermsOf("Day", "1095", "0"), {
      frequency: { unit: "Day", value: 1095 },
      installmentAmount: undefined,
    });
    assert.deepEqual(recurringTermsOf("Variable", "1", undefined), { parameter: "Value" });
  });

  it("knows only the seed's units, case-sensitively", () => {
    assert.deepEqual(recurringTermsOf("month", "1", undefined), { parameter: "cycle" });
    assert.deepEqual(recurringTermsOf("Quarter", "1", undefined), { parameter: "cycle" });
  });

  it("reads InstallmentAmount in minor units; 0 means not fixed", () => {
    assert.deepEqual(recurringTermsOf("Month", "1", "990"), {
      frequency: { unit: "Month", value: 1 },
      installmentAmount: 990,
    });
    assert.equal(
      (recurringTermsOf("Month", "1", "0") as { installmentAmount?: number }).installmentAmount,
      undefined,
    );
    assert.deepEqual(recurringTermsOf("Month", "1", "9.90"), { parameter: "InstallmentAmount" });
  });

  it("accepts a value exactly when the unit's range holds it (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FREQUENCY_UNITS), fc.integer({ min: 0, max: 9999 }), (unit, value) => {
        const { min, max } = FREQUENCY_RANGES[unit];
        const terms = recurringTermsOf(unit, String(value), undefined);
        assert.equal("frequency" in terms, value >= min && value <= max);
      }),
    );
  });
});

describe("due dates", () => {
  it("monthly from 31 January: end of each month, no drift", () => {
    const anchor = Date.UTC(2026, 0, 31, 9, 30);
    const dates = [1, 2, 3, 4, 13].map((cycle) =>
      new Date(dueDateOf(anchor, { unit: "Month", value: 1 }, cycle)).toISOString(),
    );
    assert.deepEqual(dates, [
      "2026-01-31T09:30:00.000Z",
      "2026-02-28T09:30:00.000Z",
      "2026-03-31T09:30:00.000Z",
      "2026-04-30T09:30:00.000Z",
      "2027-01-31T09:30:00.000Z",
    ]);
  });

  it("days, weeks and years", () => {
    const anchor = Date.UTC(2028, 1, 29);
    assert.equal(dueDateOf(anchor, { unit: "Day", value: 10 }, 3), anchor + 20 * DAY);
    assert.equal(dueDateOf(anchor, { unit: "Week", value: 2 }, 2), anchor + 14 * DAY);
    assert.equal(
      new Date(dueDateOf(anchor, { unit: "Year", value: 1 }, 2)).toISOString(),
      "2029-02-28T00:00:00.000Z",
    );
  });

  it("refuses Variable (no fixed interval) and cycles below 1", () => {
    assert.throws(() => dueDateOf(0, { unit: "Variable", value: 0 }, 1), RangeError);
    assert.throws(() => dueDateOf(0, { unit: "Month", value: 1 }, 0), RangeError);
  });

  it("is strictly increasing and never more than one interval's days apart (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom("Day", "Week", "Month", "Year" as const),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        (anchor, unit, value, cycle) => {
          const frequency = { unit, value } as const;
          const here = dueDateOf(anchor, frequency, cycle);
          const next = dueDateOf(anchor, frequency, cycle + 1);
          const maxGap = { Day: 1, Week: 7, Month: 31, Year: 366 }[unit] * value * DAY;
          assert.ok(next > here && next - here <= maxGap);
        },
      ),
    );
  });
});

describe("failures, retries, expiry", () => {
  it("retries soft declines only", () => {
    assert.equal(failureHandlingOf("SoftDeclined"), "retry");
    assert.equal(failureHandlingOf("ProcessingFailure"), "retry");
    for (const hard of [
      "HardDeclined",
      "AmazonRejected",
      "PeriodicAmountExceeded",
      "InvalidChargePermissionStatus",
    ]) {
      assert.equal(failureHandlingOf(hard), "stop");
    }
    assert.equal(failureHandlingOf(undefined), "stop");
  });

  it("backs off by the policy, then gives up", () => {
    assert.equal(retryDelayOf(DEFAULT_RETRY_DELAYS_MS, 1), DAY);
    assert.equal(retryDelayOf(DEFAULT_RETRY_DELAYS_MS, 3), 7 * DAY);
    assert.equal(retryDelayOf(DEFAULT_RETRY_DELAYS_MS, 4), undefined);
    assert.equal(retryDelayOf([], 1), undefined);
  });

  it("warns within 30 days of expiry, not before and not after", () => {
    const now = Date.UTC(2026, 5, 1);
    assert.equal(isExpiringSoon(now + 30 * DAY, now), true);
    assert.equal(isExpiringSoon(now + 30 * DAY + 1, now), false);
    assert.equal(isExpiringSoon(now - 1, now), false);
    assert.equal(isExpiringSoon(undefined, now), false);
  });
});

describe("a subscription after a due charge", () => {
  const cursor = {
    firstDueAt: Date.UTC(2026, 0, 15),
    frequency: { unit: "Month", value: 1 } as const,
    retryDelaysMs: [DAY, 3 * DAY],
    cycle: 1,
    attempt: 0,
    attemptBase: 0,
  };
  const now = Date.UTC(2026, 0, 15, 1);

  it("charged: the next cycle on its anchored due date", () => {
    assert.deepEqual(nextStepAfter(cursor, { kind: "charged" }, now), {
      status: "active",
      cycle: 2,
      attempt: 0,
      nextAttemptAt: Date.UTC(2026, 1, 15),
    });
  });

  it("soft declines: retried by the policy, then paused as RetriesExhausted", () => {
    const soft = { kind: "failed", reasonCode: "SoftDeclined" } as const;
    assert.deepEqual(nextStepAfter(cursor, soft, now), {
      status: "active",
      cycle: 1,
      attempt: 1,
      nextAttemptAt: now + DAY,
    });
    assert.deepEqual(nextStepAfter({ ...cursor, attempt: 1 }, soft, now), {
      status: "active",
      cycle: 1,
      attempt: 2,
      nextAttemptAt: now + 3 * DAY,
    });
    assert.deepEqual(nextStepAfter({ ...cursor, attempt: 2 }, soft, now), {
      status: "paused",
      cycle: 1,
      attempt: 3,
      reason: "RetriesExhausted",
    });
  });

  it("after a resume the retry policy starts again, the attempt count goes on", () => {
    const soft = { kind: "failed", reasonCode: "SoftDeclined" } as const;
    assert.deepEqual(nextStepAfter({ ...cursor, attempt: 3, attemptBase: 3 }, soft, now), {
      status: "active",
      cycle: 1,
      attempt: 4,
      nextAttemptAt: now + DAY,
    });
  });

  it("hard declines and closed permissions pause at once; open attempts are asked again", () => {
    assert.deepEqual(nextStepAfter(cursor, { kind: "failed", reasonCode: "HardDeclined" }, now), {
      status: "paused",
      cycle: 1,
      attempt: 1,
      reason: "HardDeclined",
    });
    const open = nextStepAfter(cursor, { kind: "open" }, now);
    assert.equal(open.status, "active");
    assert.equal(open.attempt, 0);
  });
});

describe("InstallmentAmount (seed 004)", () => {
  it("a fixed amount per cycle admits exactly that amount; 0 (no fixed amount) admits any", () => {
    const fixed = recurringTermsOf("Month", "1", "990");
    const free = recurringTermsOf("Month", "1", "0");
    assert.ok(!("parameter" in fixed) && !("parameter" in free));
    assert.equal(fitsInstallment(fixed.installmentAmount, 990), true);
    assert.equal(fitsInstallment(fixed.installmentAmount, 989), false);
    assert.equal(fitsInstallment(fixed.installmentAmount, 1290), false);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9_999_999_999 }), (amount) =>
        fitsInstallment(free.installmentAmount, amount),
      ),
    );
  });
});
