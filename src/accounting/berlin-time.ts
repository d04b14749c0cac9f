/**
 * Calendar days in Europe/Berlin, where German bookkeeping dates live (a capture posted at
 * 23:30 UTC on 31 December belongs to 1 January). Days are integers `YYYYMMDD`.
 */
const PARTS = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Berlin",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

function partsOf(epoch: number): Record<string, string> {
  return Object.fromEntries(PARTS.formatToParts(new Date(epoch)).map((part) => [part.type, part.value]));
}

/** The Berlin calendar day of an instant, `YYYYMMDD`. */
export function berlinDay(epoch: number): number {
  const parts = partsOf(epoch);
  return Number(`${parts.year}${parts.month}${parts.day}`);
}

/** `YYYYMMDDHHMMSSFFF` in Berlin time (DATEV's "Erzeugt am"). */
export function berlinTimestamp(epoch: number): string {
  const parts = partsOf(epoch);
  const millis = String(((epoch % 1000) + 1000) % 1000).padStart(3, "0");
  return `${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}${millis}`;
}

/** `YYYY-MM-DD` → `YYYYMMDD`, or `undefined` when it is not a real date. */
export function dayOfIso(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return year * 10_000 + month * 100 + day;
}

/** `YYYYMMDD` → `YYYY-MM-DD`. */
export function isoOfDay(day: number): string {
  const text = String(day);
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}
