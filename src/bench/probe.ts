/**
 * The measured side of `kasse bench`: a `kasse start` spawned with an IPC channel answers each
 * `probe` message with its own CPU time, peak RSS and counters, so the bench reads exactly what
 * this process spent, signed and committed, whatever else runs on the machine.
 */
import { registry } from "../metrics.js";

export interface ProbeReport {
  /** `process.cpuUsage()` of the whole process (all threads), microseconds. */
  readonly cpuUserMicros: number;
  readonly cpuSystemMicros: number;
  /** Peak resident set size so far (`getrusage` maxrss), kilobytes. */
  readonly maxRssKb: number;
  readonly rssBytes: number;
  /** Counter name → sum over its labels. */
  readonly counters: Readonly<Record<string, number>>;
}

export async function probeReport(): Promise<ProbeReport> {
  const cpu = process.cpuUsage();
  const counters: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    // prom-client types `type` as an enum but sets the string at run time.
    if (String(metric.type) !== "counter") continue;
    counters[metric.name] = metric.values.reduce((sum, sample) => sum + sample.value, 0);
  }
  return {
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    maxRssKb: process.resourceUsage().maxRSS,
    rssBytes: process.memoryUsage.rss(),
    counters,
  };
}

/** Answers probes when a parent gave this process an IPC channel (`kasse bench` does); else nothing. */
export function answerBenchProbes(): void {
  if (!process.send) return;
  // The channel must not keep a draining process alive.
  process.channel?.unref();
  process.on("message", (message: unknown) => {
    if ((message as { type?: unknown })?.type !== "probe") return;
    void probeReport().then((report) => process.send?.({ type: "probe", report }));
  });
}
