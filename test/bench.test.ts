/**
 * `kasse bench` as a user runs it: its own gateway and emulator, whole payments, one JSON object
 * with CONTRACT.md's keys. Only the shape and sanity of the figures are checked, never a speed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const CONTRACT_NUMBERS = [
  "payments",
  "seconds",
  "paymentsPerSecond",
  "cpuMsPerPayment",
  "rsaSignsPerPayment",
  "rsaSignMs",
  "cryptoFloorRatio",
  "transactionsPerPayment",
  "peakRssMb",
] as const;

async function bench(store: "pglite" | "postgres"): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", MAIN, "bench", "--payments", "5", "--concurrency", "2", "--store", store, "--json"],
    { env: process.env, timeout: 180_000 },
  );
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, 1, `one JSON object on stdout, got:\n${stdout}`);
  return JSON.parse(lines[0] as string) as Record<string, unknown>;
}

function assertFigures(result: Record<string, unknown>, store: string): void {
  assert.equal(result.store, store);
  assert.equal(result.payments, 5);
  for (const key of CONTRACT_NUMBERS) {
    const value = result[key];
    assert.ok(typeof value === "number" && Number.isFinite(value) && value > 0, `${key} = ${value}`);
  }
  const latency = result.s2sLatencyMs as { p50: unknown; p99: unknown };
  for (const value of [latency.p50, latency.p99])
    assert.ok(typeof value === "number" && Number.isFinite(value) && value > 0, `s2sLatencyMs ${value}`);
  assert.ok((latency.p99 as number) >= (latency.p50 as number));
  // Every payment's completion and capture reached the shop.
  assert.equal(result.notifiesPerPayment, 2);
}

describe("kasse bench", () => {
  it("runs whole payments on PGlite and prints the contract's figures", async () => {
    assertFigures(await bench("pglite"), "pglite");
  });

  it("runs them on PostgreSQL (a fresh database on DATABASE_URL's server) and counts the server's CPU", {
    skip: process.env.DATABASE_URL ? false : "DATABASE_URL is not set",
  }, async () => {
    const result = await bench("postgres");
    assertFigures(result, "postgres");
    const server = result.postgresCpuMsPerPayment;
    assert.ok(typeof server === "number" && server > 0, `postgresCpuMsPerPayment = ${server}`);
  });
});
