/**
 * `kasse bench`: starts its own `kasse start` (gateway and built-in emulator) as a child process
 * on a fresh data directory or a fresh PostgreSQL database, runs whole standard payments against
 * it at a given concurrency, waits until every URLNotify has reached the bench's shop server and
 * the child has gone quiet, and reports what the payments cost: CPU of the child (and of the
 * PostgreSQL backends serving it), RSA signatures and transactions counted by the child, one
 * signature's cost measured in the same run, peak memory and S2S latency (docs/PERFORMANCE.md).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { Agent, request } from "undici";
import { EMULATOR_MIGRATIONS_DIR } from "../emulator/index.js";
import { GATEWAY_MIGRATIONS_DIR } from "../gateway/index.js";
import { createCertificate } from "../http/tls.js";
import type { ShopCredentials } from "../paygate/client.js";
import { openDatabase, openSharedPglite } from "../store/database.js";
import { runPayment } from "./payment.js";
import type { ProbeReport } from "./probe.js";
import { PAYMENT_TABLES, seedCopies } from "./seed.js";
import { ProgressBar, percentile, processCpuMs } from "./stats.js";

export interface BenchOptions {
  readonly payments: number;
  readonly concurrency: number;
  readonly store: "pglite" | "postgres";
  /** PostgreSQL server for `store: "postgres"`; a fresh database is created on it and dropped after. */
  readonly databaseUrl?: string;
  /** Payments already stored before the measured ones (copied with SQL, see seed.ts). */
  readonly stored?: number;
  /** Writes the child's CPU profile (`node --cpu-prof`) into this directory. */
  readonly cpuProfileDir?: string;
  /** Progress and notes; stderr in the CLI. */
  readonly progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface BenchResult {
  readonly payments: number;
  readonly concurrency: number;
  readonly store: "pglite" | "postgres";
  readonly storedPayments: number;
  readonly seconds: number;
  readonly paymentsPerSecond: number;
  /** Kasse's process plus, on PostgreSQL, the server backends serving it. */
  readonly cpuMsPerPayment: number;
  readonly kasseCpuMsPerPayment: number;
  /** `null` on PGlite, or when the server's processes cannot be read (not on this machine). */
  readonly postgresCpuMsPerPayment: number | null;
  readonly rsaSignsPerPayment: number;
  readonly rsaSignMs: number;
  readonly cryptoFloorRatio: number;
  readonly s2sLatencyMs: { readonly p50: number; readonly p99: number };
  readonly transactionsPerPayment: number;
  readonly notifiesPerPayment: number;
  readonly peakRssMb: number;
  /** RSS of the started, idle child before the first payment. */
  readonly idleRssMb: number;
}

const ADMIN_TOKEN = randomBytes(24).toString("base64url");
/** One for the bench's life: a restarted child must open the merchant it sealed before. */
const MASTER_KEY = randomBytes(32).toString("base64");
/** The emulator's schema in a shared PGlite or on PostgreSQL (as `kasse start` names it). */
const EMULATOR_SCHEMA = "kasse_emulator";
const MERCHANT_ID = "bench-shop";
/** A payment makes two URLNotifies: the completion and the capture. */
const NOTIFIES_PER_PAYMENT = 2;
const QUIET_POLL_MS = 500;
const QUIET_LIMIT_MS = 60_000;

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const workDir = await mkdtemp(join(tmpdir(), "kasse-bench-"));
  const database = options.store === "postgres" ? await freshDatabase(options.databaseUrl) : undefined;
  const shopServer = await startShopServer();
  let child: ChildProcess | undefined;
  try {
    const tls = await createCertificate();
    await writeFile(join(workDir, "cert.pem"), tls.cert);
    await writeFile(join(workDir, "key.pem"), tls.key, { mode: 0o600 });
    const ports = { gateway: await freePort(), emulator: await freePort() };
    let started = await startChild(workDir, ports, database?.childUrl, undefined);
    child = started.child;
    const newAgent = () =>
      new Agent({ connect: { ca: tls.cert, rejectUnauthorized: true }, connections: 64 });
    let agent = newAgent();
    let world = {
      gatewayUrl: started.ready.gateway as string,
      emulatorUrl: started.ready.emulator as string,
      agent,
      shop: await createMerchant(started.ready.gateway as string, agent),
      notifyUrl: `${shopServer.url}/notify`,
    };
    const latencies: number[] = [];
    // One payment first: connections, JIT and caches warm, so the figures describe steady state.
    await runPayment(world, "warm-up", 100, () => {});
    await shopServer.waitFor(NOTIFIES_PER_PAYMENT, QUIET_LIMIT_MS);
    if (options.stored || options.cpuProfileDir) {
      // Stored payments are copies of the warm-up's rows, written while no child holds the database.
      await untilQuiet(prober(child), await idleTransactionsPerPoll(prober(child)));
      await stopChild(child);
      if (options.stored) {
        options.progress?.write(`storing ${options.stored} payments…\n`);
        await storePayments(workDir, database?.childUrl, options.stored);
      }
      started = await startChild(workDir, ports, database?.childUrl, options.cpuProfileDir);
      child = started.child;
      await agent.close();
      agent = newAgent();
      world = { ...world, agent };
      await runPayment(world, "warm-up-2", 100, () => {});
      await shopServer.waitFor(2 * NOTIFIES_PER_PAYMENT, QUIET_LIMIT_MS);
    }
    const probe = prober(child);
    const idlePerPoll = await idleTransactionsPerPoll(probe);
    await untilQuiet(probe, idlePerPoll);
    const backends = database ? await database.backends() : undefined;
    const before = await probe();
    const notifiesBefore = shopServer.count();
    const startedAt = performance.now();
    const bar = new ProgressBar(options.payments, options.progress);
    let next = 0;
    const worker = async () => {
      while (next < options.payments) {
        const index = next++;
        await runPayment(world, `B-${index + 1}`, 1_000 + index, (ms) => latencies.push(ms));
        bar.tick();
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.payments) }, worker));
    await shopServer.waitFor(notifiesBefore + NOTIFIES_PER_PAYMENT * options.payments, QUIET_LIMIT_MS);
    const seconds = (performance.now() - startedAt) / 1000;
    const after = await untilQuiet(probe, idlePerPoll);
    bar.done();
    const postgresCpuMs = backends ? await backends.cpuMsSince() : null;
    await agent.close();
    const rsaSignMs = measureSignatureMs(200);
    const per = (value: number) => value / options.payments;
    const kasseCpuMs = cpuMs(after) - cpuMs(before);
    const cpuMsPerPayment = per(kasseCpuMs + (postgresCpuMs ?? 0));
    const rsaSignsPerPayment = per(counter(after, before, "kasse_rsa_signatures_total"));
    return {
      payments: options.payments,
      concurrency: options.concurrency,
      store: options.store,
      storedPayments: options.stored ?? 0,
      seconds: round(seconds, 3),
      paymentsPerSecond: round(options.payments / seconds, 2),
      cpuMsPerPayment: round(cpuMsPerPayment, 2),
      kasseCpuMsPerPayment: round(per(kasseCpuMs), 2),
      postgresCpuMsPerPayment: postgresCpuMs === null ? null : round(per(postgresCpuMs), 2),
      rsaSignsPerPayment: round(rsaSignsPerPayment, 2),
      rsaSignMs: round(rsaSignMs, 4),
      cryptoFloorRatio: round(cpuMsPerPayment / (rsaSignsPerPayment * rsaSignMs), 2),
      s2sLatencyMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
      transactionsPerPayment: round(per(counter(after, before, "kasse_db_transactions_total")), 2),
      notifiesPerPayment: round(per(shopServer.count() - notifiesBefore), 2),
      peakRssMb: round(after.maxRssKb / 1024, 1),
      idleRssMb: round(started.idleRssBytes / 2 ** 20, 1),
    };
  } finally {
    if (child) await stopChild(child);
    await shopServer.close();
    await database?.drop();
    await rm(workDir, { recursive: true, force: true });
  }
}

const cpuMs = (report: ProbeReport) => (report.cpuUserMicros + report.cpuSystemMicros) / 1000;
const counter = (after: ProbeReport, before: ProbeReport, name: string) =>
  (after.counters[name] ?? 0) - (before.counters[name] ?? 0);
const round = (value: number, digits: number) => Number(value.toFixed(digits));

interface StartedChild {
  readonly child: ChildProcess;
  readonly ready: Record<string, unknown>;
  readonly idleRssBytes: number;
}

/**
 * `kasse start` through the same entry point and loader flags as this process (so it works from
 * the built package and from the sources), with an IPC channel for probes.
 */
async function startChild(
  workDir: string,
  ports: { readonly gateway: number; readonly emulator: number },
  databaseUrl: string | undefined,
  cpuProfileDir: string | undefined,
): Promise<StartedChild> {
  const entry = process.argv[1];
  if (!entry) throw new Error("cannot find the kasse entry point to start");
  const { DATABASE_URL: _url, KASSE_DATABASE_SCHEMA: _schema, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv.filter((flag) => !flag.startsWith("--cpu-prof")),
      ...(cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir] : []),
      entry,
      "start",
      // With DATABASE_URL `kasse start` runs no emulator unless asked; the bench needs its own.
      ...(databaseUrl ? ["--emulator"] : []),
      // Fixed ports: the emulator keeps the gateway's IPN URL across a restart.
      ...["--port", String(ports.gateway), "--emulator-port", String(ports.emulator), "--host", "127.0.0.1"],
      ...["--data", join(workDir, "data")],
      ...["--tls-cert", join(workDir, "cert.pem"), "--tls-key", join(workDir, "key.pem")],
    ],
    {
      env: {
        ...env,
        KASSE_LOG_LEVEL: "warn",
        KASSE_ADMIN_TOKEN: ADMIN_TOKEN,
        KASSE_MASTER_KEY: MASTER_KEY,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-10_000);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const readyLine = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`kasse start exited ${code} before ready:\n${stderr}`)));
  });
  lines.close();
  const report = await prober(child)();
  return { child, ready: JSON.parse(readyLine) as Record<string, unknown>, idleRssBytes: report.rssBytes };
}

function prober(child: ChildProcess): () => Promise<ProbeReport> {
  return () =>
    new Promise((resolve, reject) => {
      const onMessage = (message: { type?: string; report?: ProbeReport }) => {
        if (message?.type !== "probe" || !message.report) return;
        child.off("message", onMessage);
        clearTimeout(timer);
        resolve(message.report);
      };
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        reject(new Error("kasse start did not answer a probe within 10 s"));
      }, 10_000);
      child.on("message", onMessage);
      child.send({ type: "probe" });
    });
}

/**
 * What the idle child commits per poll window: its background jobs (URLNotify outbox, IPN
 * delivery, settlement checks) poll the database on timers.
 */
async function idleTransactionsPerPoll(probe: () => Promise<ProbeReport>): Promise<number> {
  const windows = 4;
  const first = await probe();
  await new Promise((resolve) => setTimeout(resolve, windows * QUIET_POLL_MS));
  return counter(await probe(), first, "kasse_db_transactions_total") / windows;
}

/**
 * Waits until the child commits no more than when idle for one poll (the IPNs it still handles
 * and the notifies it still sends are part of the payments' cost), at most QUIET_LIMIT_MS.
 */
async function untilQuiet(probe: () => Promise<ProbeReport>, idlePerPoll: number): Promise<ProbeReport> {
  const deadline = performance.now() + QUIET_LIMIT_MS;
  const quiet = Math.ceil(idlePerPoll * 1.5) + 1;
  let last = await probe();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_POLL_MS));
    const now = await probe();
    if (counter(now, last, "kasse_db_transactions_total") <= quiet || performance.now() > deadline)
      return now;
    last = now;
  }
}

/** Copies the warm-up payment `count` times in the gateway's and the emulator's tables. */
async function storePayments(workDir: string, databaseUrl: string | undefined, count: number): Promise<void> {
  if (databaseUrl) {
    for (const [schema, migrationsDir, tables] of [
      ["public", GATEWAY_MIGRATIONS_DIR, PAYMENT_TABLES.gateway],
      [EMULATOR_SCHEMA, EMULATOR_MIGRATIONS_DIR, PAYMENT_TABLES.emulator],
    ] as const) {
      const db = await openDatabase({ migrationsDir, url: databaseUrl, schema, poolSize: 1 });
      try {
        await db.transaction((tx) => seedCopies(tx, tables, count));
      } finally {
        await db.close();
      }
    }
    return;
  }
  const pglite = await openSharedPglite(join(workDir, "data", "gateway"));
  try {
    const gateway = await pglite.open(GATEWAY_MIGRATIONS_DIR, "public");
    const emulator = await pglite.open(EMULATOR_MIGRATIONS_DIR, EMULATOR_SCHEMA);
    await gateway.transaction((tx) => seedCopies(tx, PAYMENT_TABLES.gateway, count));
    await emulator.transaction((tx) => seedCopies(tx, PAYMENT_TABLES.emulator, count));
  } finally {
    await pglite.close();
  }
}

/** A loopback port free right now (the child is restarted on the same ones). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address !== "object") throw new Error("no free port");
  return address.port;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

async function createMerchant(gatewayUrl: string, agent: Agent): Promise<ShopCredentials> {
  const response = await request(`${gatewayUrl}/api/admin/merchants`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      merchantId: MERCHANT_ID,
      name: "Bench shop",
      amazon: { environment: "emulator", region: "eu" },
    }),
    dispatcher: agent,
  });
  const body = (await response.body.json()) as { hmacKey: string; blowfishKey: string };
  if (response.statusCode !== 201) throw new Error(`creating the bench merchant: ${JSON.stringify(body)}`);
  return { merchantId: MERCHANT_ID, hmacKey: body.hmacKey, blowfishKey: body.blowfishKey };
}

/** The shop's URLNotify receiver: counts what arrives and answers 200. */
async function startShopServer() {
  let count = 0;
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      count += 1;
      res.writeHead(200, { "content-type": "text/plain" }).end("OK");
      waiters = waiters.filter((waiter) => {
        if (count < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("the shop server has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    count: () => count,
    waitFor: (wanted: number, limitMs: number) =>
      new Promise<void>((resolve, reject) => {
        if (count >= wanted) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`only ${count} of ${wanted} URLNotifies arrived within ${limitMs} ms`)),
          limitMs,
        );
        waiters.push({
          count: wanted,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fresh database on the server (created, dropped afterwards), so the bench neither sees nor
 * touches any other data; the child's connections carry an application name by which the bench
 * finds their server processes.
 */
async function freshDatabase(serverUrl = "postgres://postgres@127.0.0.1:5432/postgres") {
  const name = `kasse_bench_${process.pid}_${Date.now()}`;
  const applicationName = `kasse-bench-${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const childUrl = new URL(serverUrl);
  childUrl.pathname = `/${name}`;
  childUrl.searchParams.set("application_name", applicationName);
  let baseline = new Map<number, number>();
  let latest = new Map<number, number>();
  let poller: NodeJS.Timeout | undefined;
  const sample = async () => {
    const rows = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
      [applicationName],
    );
    for (const { pid } of rows.rows) {
      const cpu = await processCpuMs(pid);
      if (cpu !== undefined) latest.set(pid, cpu);
    }
  };
  return {
    childUrl: childUrl.toString(),
    /** Starts sampling the child's backends' CPU (a pool may close and open connections meanwhile). */
    async backends() {
      await sample();
      baseline = new Map(latest);
      latest = new Map(latest);
      poller = setInterval(() => void sample().catch(() => {}), 250);
      return {
        /** CPU milliseconds of those backends since `backends()`; `null` when /proc shows none. */
        async cpuMsSince(): Promise<number | null> {
          clearInterval(poller);
          await sample();
          if (latest.size === 0) return null;
          let total = 0;
          for (const [pid, cpu] of latest) total += cpu - (baseline.get(pid) ?? 0);
          return total;
        },
      };
    },
    async drop() {
      clearInterval(poller);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
}

/** CPU milliseconds of one RSA-2048 PSS signature (SHA-256, salt 32, as Amazon Pay's), measured now. */
export function measureSignatureMs(count: number): number {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const options = { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  const data = Buffer.from("x".repeat(400));
  for (let i = 0; i < 10; i += 1) sign("sha256", data, options);
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += 1) sign("sha256", data, options);
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / 1000 / count;
}
