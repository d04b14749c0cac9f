/**
 * The process's metrics, in Prometheus' data model (prom-client). One registry per process: the
 * gateway's `/metrics` renders it, and `kasse bench` reads the counters below from the processes it
 * starts. Parts at every layer may count here (it imports nothing of ours).
 */
import { Counter, Registry } from "prom-client";

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
