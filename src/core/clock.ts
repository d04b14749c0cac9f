/**
 * Time is a parameter, never a global: the gateway, the connector and the emulator take a
 * `Clock`, so tests and the emulator's controllable clock move time without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  advance(milliseconds: number): number {
    this.#now += milliseconds;
    return this.#now;
  }

  set(epochMilliseconds: number): void {
    this.#now = epochMilliseconds;
  }
}

/** Amazon's compact UTC timestamp, `YYYYMMDDTHHMMSSZ`. */
export function compactTimestamp(epochMilliseconds: number): string {
  return new Date(epochMilliseconds)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

const COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const EXTENDED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/;

/** Parses the compact form and tolerates ISO extended; `undefined` for anything else. */
export function parseAmazonTimestamp(text: string): number | undefined {
  const match = COMPACT.exec(text) ?? EXTENDED.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const epoch = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  const roundTrip = new Date(epoch);
  if (
    roundTrip.getUTCMonth() !== (mo as number) - 1 ||
    roundTrip.getUTCDate() !== d ||
    roundTrip.getUTCHours() !== h ||
    roundTrip.getUTCMinutes() !== mi ||
    roundTrip.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return epoch;
}
