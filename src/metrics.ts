/**
 * The process's metrics, in Prometheus' data model (prom-client). One registry per process: the
 * gateway's `/metrics` renders it, and `kasse bench` reads the counters below from the processes it
 * starts. Parts at every layer may count here (it imports nothing of ours).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();

/** RSA signatures made by this process (Amazon request signing, button payloads, SNS messages). */
export const rsaSignatures = new Counter({
  name: "kasse_rsa_signatures_total",
  help: "RSA signatures computed by this process",
  labelNames: ["purpose"] as const,
  registers: [registry],
});

/** Database transactions committed or rolled back, by engine and by the part that ran them. */
export const dbTransactions = new Counter({
  name: "kasse_db_transactions_total",
  help: "Database transactions run by this process",
  labelNames: ["engine"] as const,
  registers: [registry],
});

/** Requests answered, by door (`paygate`, `ipn`, `admin`, `api`, `ops`, …) and HTTP status. */
export const httpRequests = new Counter({
  name: "kasse_http_requests_total",
  help: "HTTP requests answered, by door and status",
  labelNames: ["door", "status"] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: "kasse_http_request_duration_seconds",
  help: "Time from a request's arrival to its answer, by door",
  labelNames: ["door"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/**
 * Amazon Pay calls (a call's retries included), by operation and outcome: `ok`, `declined`,
 * `refused` (another 4xx), `unknown` (a money-moving call without an answer: resumed later),
 * `unavailable` (5xx/429/network after the last try, nothing moved), `error` (TLS, configuration).
 */
export const amazonCalls = new Counter({
  name: "kasse_amazon_calls_total",
  help: "Amazon Pay API calls, by operation and outcome",
  labelNames: ["operation", "outcome"] as const,
  registers: [registry],
});

export const amazonCallDuration = new Histogram({
  name: "kasse_amazon_call_duration_seconds",
  help: "Duration of Amazon Pay API calls with their retries, by operation and outcome",
  labelNames: ["operation", "outcome"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40],
  registers: [registry],
});

/** URLNotify outbox rows not yet delivered (read from the database at each scrape: all nodes). */
export const outboxBacklog = new Gauge({
  name: "kasse_notify_outbox_pending",
  help: "URLNotify notifications waiting for delivery",
  registers: [registry],
});

export const outboxOldestAge = new Gauge({
  name: "kasse_notify_outbox_oldest_age_seconds",
  help: "Age of the oldest URLNotify notification waiting for delivery (0 when none)",
  registers: [registry],
});

export const notifyFailed = new Gauge({
  name: "kasse_notify_failed",
  help: "URLNotify notifications given up after the last retry (status failed)",
  registers: [registry],
});

export const reconcileBacklog = new Gauge({
  name: "kasse_reconcile_backlog",
  help: "Payments with an outcome pending at Amazon that the reconciliation job watches",
  registers: [registry],
});

export const reconcileOverdue = new Gauge({
  name: "kasse_reconcile_overdue",
  help: "Payments whose next reconciliation check is more than 5 minutes overdue",
  registers: [registry],
});

/** Calls the reconciliation job gave up because Amazon never told their outcome (docs/async.md). */
export const cutCallsGivenUp = new Counter({
  name: "kasse_cut_calls_given_up_total",
  help: "Amazon calls with an unknown outcome that the reconciliation job gave up after its last try",
  registers: [registry],
});

export const cutCallsOpen = new Gauge({
  name: "kasse_cut_calls_open",
  help: "Money-moving Amazon calls whose outcome is not known yet (planned, sent or unknown)",
  registers: [registry],
});

export const cutCallsAbandoned = new Gauge({
  name: "kasse_cut_calls_given_up",
  help: "Calls still open that the reconciliation job has given up (an operator must resume them)",
  registers: [registry],
});

/** Per merchant, the gaps between imported settlement periods found at its last import or upload. */
export const settlementGaps = new Gauge({
  name: "kasse_accounting_settlement_gaps",
  help: "Spans between a merchant's imported settlement periods that no settlement covers while Kasse recorded captures or refunds in them (as of the last import)",
  labelNames: ["merchant_id"],
  registers: [registry],
});

/** 1 when the scrape could read the database, 0 when it could not (the gauges above are stale). */
export const databaseUp = new Gauge({
  name: "kasse_database_up",
  help: "Whether the database answered at the last scrape",
  registers: [registry],
});
