/**
 * URLNotify retry schedule (reference §1.7, Axepta "URL Notify"): 8 retries, n³ minutes before
 * retry n (1, 8, 27, … 512 min). `--notify-retry-schedule 1s,2s,5s` replaces it.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8].map(
  (n) => n ** 3 * 60_000,
);

/** Parses `1s,2s,500ms,3m`; throws on anything else. */
export function parseRetrySchedule(text: string): number[] {
  return text.split(",").map((item) => {
    const match = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)\s*$/.exec(item);
    if (match === null) throw new RangeError(`retry delay "${item}" is not like 500ms, 2s, 5m or 1h`);
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
    return Math.round(Number(match[1]) * unit);
  });
}
