/**
 * The gateway's operations endpoints (CONTRACT.md `kasse start`, docs/CONFIGURATION.md):
 * - `GET /livez`: the process serves (no database needed; restart it when this fails);
 * - `GET /readyz`: 200 only when the database answers, every migration this node knows is
 *   applied and the master key opens the canary; else 503 with the reason (take it out of the
 *   load balancer, do not restart it);
 * - `GET /metrics`: the process registry in Prometheus text format, with the outbox and
 *   reconciliation backlogs read from the database at each scrape, and each merchant's gaps
 *   between settlement periods as its last import counted them.
 * `GET /health` stays as it was (the process serves) for existing probes.
 */
import { readdir } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { periodGapCounts } from "../accounting/index.js";
import type { Clock } from "../core/clock.js";
import {
  cutCallsAbandoned,
  cutCallsOpen,
  databaseUp,
  notifyFailed,
  outboxBacklog,
  outboxOldestAge,
  reconcileBacklog,
  reconcileOverdue,
  registry,
  settlementGaps,
} from "../metrics.js";
import type { Database } from "../store/database.js";
import { canaryOpens } from "./master-key-canary.js";
import type { SecretBox } from "./secrets.js";

export interface HealthOptions {
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly migrationsDir: string;
  readonly clock: Clock;
  /** Longest a readiness or metrics query may take before the database counts as down. */
  readonly queryTimeoutMs?: number;
}

export type Readiness =
  | { readonly ready: true; readonly database: string; readonly migrations: number }
  | { readonly ready: false; readonly reason: string };

/** A reconciliation check this late means the job is not running anywhere. */
const OVERDUE_MS = 5 * 60_000;

export async function checkReadiness(options: HealthOptions, known: readonly string[]): Promise<Readiness> {
  const timeoutMs = options.queryTimeoutMs ?? 2_000;
  try {
    const applied = await withTimeout(
      options.db.query<{ name: string }>("SELECT name FROM schema_migrations"),
      timeoutMs,
    );
    const names = new Set(applied.map((row) => row.name));
    const missing = known.filter((name) => !names.has(name));
    if (missing.length > 0)
      return { ready: false, reason: `migrations not applied: ${missing.join(", ")} (run kasse migrate)` };
    if (!(await withTimeout(canaryOpens(options.db, options.secrets), timeoutMs)))
      return { ready: false, reason: "the master key does not open this database's canary" };
    return { ready: true, database: options.db.engine, migrations: known.length };
  } catch (error) {
    return { ready: false, reason: `database unavailable: ${describe(error)}` };
  }
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const known = (await readdir(options.migrationsDir)).filter((name) => /^\d{3}_.*\.sql$/.test(name)).sort();
  app.get("/health", async () => ({ status: "ok", database: options.db.engine }));
  app.get("/livez", async (_request, reply) =>
    reply.header("cache-control", "no-store").send({ status: "ok" }),
  );
  app.get("/readyz", async (_request, reply) => {
    const readiness = await checkReadiness(options, known);
    return reply
      .code(readiness.ready ? 200 : 503)
      .header("cache-control", "no-store")
      .send(readiness.ready ? { status: "ready", ...readiness } : { status: "unavailable", ...readiness });
  });
  app.get("/metrics", async (_request, reply) => {
    await refreshDatabaseGauges(options);
    return reply
      .header("cache-control", "no-store")
      .type(registry.contentType)
      .send(await registry.metrics());
  });
}

async function refreshDatabaseGauges(options: HealthOptions): Promise<void> {
  const now = options.clock.now();
  try {
    const [outbox] = await withTimeout(
      options.db.query<{ pending: number; oldest: number | null; failed: number }>(
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
                min(created_at) FILTER (WHERE status = 'pending') AS oldest,
                count(*) FILTER (WHERE status = 'failed')::int AS failed
           FROM notifications`,
      ),
      options.queryTimeoutMs ?? 2_000,
    );
    const [settle] = await withTimeout(
      options.db.query<{ pending: number; overdue: number }>(
        `SELECT count(*)::int AS pending,
                count(*) FILTER (WHERE settle_next_at < $1)::int AS overdue
           FROM payments
          WHERE credit_pending > 0 OR status IN ('AuthorizationPending', 'CapturePending')`,
        [now - OVERDUE_MS],
      ),
      options.queryTimeoutMs ?? 2_000,
    );
    const [calls] = await withTimeout(
      options.db.query<{ open: number; given_up: number }>(
        `SELECT count(*)::int AS open, count(*) FILTER (WHERE given_up_at IS NOT NULL)::int AS given_up
           FROM operations WHERE state IN ('planned', 'sent', 'unknown')`,
      ),
      options.queryTimeoutMs ?? 2_000,
    );
    const gaps = await withTimeout(periodGapCounts(options.db), options.queryTimeoutMs ?? 2_000);
    outboxBacklog.set(outbox?.pending ?? 0);
    outboxOldestAge.set(outbox?.oldest == null ? 0 : Math.max(0, (now - Number(outbox.oldest)) / 1000));
    notifyFailed.set(outbox?.failed ?? 0);
    reconcileBacklog.set(settle?.pending ?? 0);
    reconcileOverdue.set(settle?.overdue ?? 0);
    cutCallsOpen.set(calls?.open ?? 0);
    cutCallsAbandoned.set(calls?.given_up ?? 0);
    settlementGaps.reset();
    for (const { merchantId, gaps: count } of gaps) settlementGaps.set({ merchant_id: merchantId }, count);
    databaseUp.set(1);
  } catch {
    databaseUp.set(0);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The error's message without a connection string or credentials. */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/postgres(ql)?:\/\/\S+/gi, "postgres://…").slice(0, 200);
}
