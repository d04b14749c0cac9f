/** Small measuring helpers of `kasse bench`: percentiles, a progress bar, another process's CPU. */
import { readFile } from "node:fs/promises";

/** The p-th percentile (nearest rank) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Linux reports process times in clock ticks of USER_HZ, 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** User + system CPU milliseconds of a process on this machine (`/proc/<pid>/stat`); `undefined` if unreadable. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
  return ((userTicks + systemTicks) * 1000) / TICKS_PER_SECOND;
}

/** `[#####-----] 120/200 (14.2/s)` on a terminal, redrawn in place; a line per tenth elsewhere. */
export class ProgressBar {
  readonly #total: number;
  readonly #out: (NodeJS.WritableStream & { isTTY?: boolean }) | undefined;
  readonly #started = performance.now();
  #done = 0;
  #lastTenth = 0;

  constructor(total: number, out?: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.#total = total;
    this.#out = out;
  }

  tick(): void {
    this.#done += 1;
    if (!this.#out) return;
    const tenth = Math.floor((this.#done * 10) / this.#total);
    if (this.#out.isTTY) this.#out.write(`\r${this.#line()}`);
    else if (tenth > this.#lastTenth) this.#out.write(`${this.#line()}\n`);
    this.#lastTenth = tenth;
  }

  done(): void {
    if (this.#out?.isTTY) this.#out.write("\n");
  }

  #line(): string {
    const width = 30;
    const filled = Math.round((this.#done / this.#total) * width);
    const rate = this.#done / ((performance.now() - this.#started) / 1000);
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.#done}/${this.#total} payments (${rate.toFixed(1)}/s)`;
  }
}
