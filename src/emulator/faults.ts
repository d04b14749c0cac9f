/**
 * Fault injection switches (CONTRACT `POST /__admin/faults`): added latency, the next N answers
 * replaced by 500/503/408/429 or a dropped connection per operation or for all, and dropped,
 * duplicated or delayed (so reordered) IPNs, which the IPN worker takes through {@link IpnFaultSwitches}. A failure hits
 * either before the request is processed (nothing changes) or after its transaction committed
 * (`afterCommit`: the change and its idempotency record are kept and only the answer is lost, as
 * when Amazon's answer is lost in transit). Kept in memory on purpose: faults are a test harness
 * setting, not emulated state, and must not survive a restart.
 */
import type { IpnFaultSwitches } from "./ipn/delivery-worker.js";

export type FaultStatus = 500 | 503 | 408 | 429;

/** What the client gets instead of the real answer: an error status, or the connection closed. */
export type FaultKind = FaultStatus | "dropConnection";

/**
 * `beforeProcessing`: the request is refused after authentication, before any change.
 * `afterCommit`: the request is processed and committed, then the answer is replaced.
 */
export type FaultPhase = "beforeProcessing" | "afterCommit";

export const FAULT_PHASES: readonly FaultPhase[] = ["beforeProcessing", "afterCommit"];

export interface FaultFailure {
  /** An API operation name (e.g. `createCharge`) or `*`. */
  operation: string;
  status: FaultKind;
  phase: FaultPhase;
  remaining: number;
}

export const FAULT_REASONS: Readonly<Record<FaultStatus, { reasonCode: string; message: string }>> = {
  500: { reasonCode: "InternalServerError", message: "Injected fault: internal server error." },
  503: { reasonCode: "ServiceUnavailable", message: "Injected fault: service unavailable." },
  408: { reasonCode: "RequestTimeout", message: "Injected fault: request timeout." },
  429: { reasonCode: "TooManyRequests", message: "Injected fault: throttled." },
};

export interface FaultSettings {
  /** Extra milliseconds before every API answer. */
  latencyMs: number;
  /** Queued failures, taken in the order configured. */
  failures: FaultFailure[];
  ipnDrop: number;
  ipnDuplicate: number;
  /** The next `count` IPNs are each held back a random 0–`maxMs` real milliseconds. */
  ipnDelay: { count: number; maxMs: number };
}

const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  failures: [],
  ipnDrop: 0,
  ipnDuplicate: 0,
  ipnDelay: { count: 0, maxMs: 0 },
};

export class Faults implements IpnFaultSwitches {
  #settings: FaultSettings = { ...NO_FAULTS };
  /** IPNs already held back once: a delayed one is sent when its time comes, not delayed again. */
  readonly #delayed = new Set<string>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  get settings(): Readonly<FaultSettings> {
    return this.#settings;
  }

  /** Replaces the latency (when given), adds failures, sets IPN counters (when given). */
  configure(change: {
    latencyMs?: number;
    failures?: { operation?: string; status: FaultKind; phase?: FaultPhase; count: number }[];
    ipnDrop?: number;
    ipnDuplicate?: number;
    ipnDelay?: { count: number; maxMs: number };
  }): void {
    const next = { ...this.#settings, failures: [...this.#settings.failures] };
    if (change.latencyMs !== undefined) next.latencyMs = change.latencyMs;
    for (const failure of change.failures ?? []) {
      next.failures.push({
        operation: failure.operation ?? "*",
        status: failure.status,
        phase: failure.phase ?? "beforeProcessing",
        remaining: failure.count,
      });
    }
    if (change.ipnDrop !== undefined) next.ipnDrop = change.ipnDrop;
    if (change.ipnDuplicate !== undefined) next.ipnDuplicate = change.ipnDuplicate;
    if (change.ipnDelay !== undefined) next.ipnDelay = { ...change.ipnDelay };
    this.#settings = next;
  }

  reset(): void {
    this.#settings = { ...NO_FAULTS };
  }

  /** The injected failure for this operation in this phase, consuming one count; undefined when none. */
  takeFailure(operation: string, phase: FaultPhase = "beforeProcessing"): FaultKind | undefined {
    const failure = this.#settings.failures.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.phase === phase &&
        (candidate.operation === operation || candidate.operation === "*"),
    );
    if (failure === undefined) return undefined;
    failure.remaining -= 1;
    this.#settings.failures = this.#settings.failures.filter((candidate) => candidate.remaining > 0);
    return failure.status;
  }

  takeIpnDrop(): boolean {
    if (this.#settings.ipnDrop <= 0) return false;
    this.#settings.ipnDrop -= 1;
    return true;
  }

  takeIpnDuplicate(): boolean {
    if (this.#settings.ipnDuplicate <= 0) return false;
    this.#settings.ipnDuplicate -= 1;
    return true;
  }

  takeIpnDelay(outboxId: string): number {
    const { count, maxMs } = this.#settings.ipnDelay;
    if (count <= 0 || this.#delayed.has(outboxId)) return 0;
    this.#delayed.add(outboxId);
    this.#settings.ipnDelay = { count: count - 1, maxMs };
    return Math.round(this.#random() * maxMs);
  }
}
