/**
 * The long-running commands. Each one declares its flags (which drive parsing and `--help`),
 * starts its parts, announces readiness once, and drains on SIGTERM/SIGINT.
 */

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createSecureContext } from "node:tls";
import { answerBenchProbes } from "../bench/probe.js";
import { runBench } from "../bench/run.js";
import { EMULATOR_MIGRATIONS_DIR, startEmulator } from "../emulator/index.js";
import { resolveAdminToken } from "../gateway/admin-token.js";
import type { EmulatorEndpoint } from "../gateway/amazon-link.js";
import { GATEWAY_MIGRATIONS_DIR, type RunningGateway, startGateway } from "../gateway/index.js";
import { ensureMasterKeyCanary } from "../gateway/master-key-canary.js";
import { loadMasterKey, SecretBox } from "../gateway/secrets.js";
import { type CertificatePem, loadCertificate, loadOrCreateCertificate } from "../http/tls.js";
import { createLogger, type Logger } from "../log.js";
import { parseRetrySchedule } from "../notify/schedule.js";
import { type Database, openDatabase, openSharedPglite } from "../store/database.js";
import { bootstrapOperator, startDemo } from "../web/demo.js";
import { type Environment, parsePublicUrl, parseTrustedProxies, readEnvironment } from "./configuration.js";
import { createPrivateDirectory, restrictToOwner } from "./data-directory.js";
import { announceReady, closeOnSignals, type Running, reloadOnHangup } from "./lifecycle.js";
import {
  COMMON_FLAGS,
  ConfigurationError,
  type FlagSpec,
  type ParsedFlags,
  portFlag,
  UsageError,
} from "./options.js";

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  /** A command that is done when `run` resolves (exit 0), not a server that runs until a signal. */
  readonly endsOnItsOwn?: boolean;
  run(flags: ParsedFlags): Promise<void>;
}

/** PostgreSQL schema of the emulator's tables when DATABASE_URL is set (the gateway's stay in `public`). */
const EMULATOR_SCHEMA = "kasse_emulator";

const EMULATOR_PORT: FlagSpec = {
  name: "emulator-port",
  type: "string",
  value: "PORT",
  description: "port of the built-in Amazon Pay emulator",
  default: "8444",
};

export const emulatorCommand: Command = {
  name: "emulator",
  usage: "kasse emulator [--port 8444] [--data DIR] [--host ADDR]",
  summary:
    "Runs the Amazon Pay v2 emulator alone: Amazon's REST API under /sandbox/v2, /live/v2 and /v2, buyer pages,\ncheckout.js, IPNs, reports and the /__admin API. State is kept in DIR/emulator, or in the schema\nkasse_emulator of DATABASE_URL when that is set.",
  flags: [{ ...EMULATOR_PORT, name: "port", description: "port to listen on" }, ...COMMON_FLAGS],
  async run(flags) {
    const setup = await commonSetup(flags);
    const emulator = await startStoredEmulator(setup, String(flags.host), portFlag(flags, "port"));
    await restrictToOwner(setup.dataDir);
    closeOnSignals([emulator, ownerOnly(setup.dataDir)], setup.logger);
    announceReady({
      emulator: emulator.url,
      ...(emulator.generatedAdminToken ? { emulatorAdminToken: emulator.generatedAdminToken } : {}),
    });
  },
};

export const startCommand: Command = {
  name: "start",
  usage:
    "kasse start [--port 8443] [--public-url URL] [--emulator-port 8444 | --no-emulator [--emulator-url URL]] [--data DIR] [--host ADDR]",
  summary:
    "Runs the gateway (Paygate endpoints, admin API, /livez, /readyz, /metrics) and, unless --no-emulator,\nthe built-in Amazon Pay emulator (not started when DATABASE_URL is set, unless --emulator).\nUses PGlite in DIR/gateway, or PostgreSQL when DATABASE_URL is set (in the schema named by\nKASSE_DATABASE_SCHEMA, if set; created when missing). The admin token comes from\nKASSE_ADMIN_TOKEN or is generated on first start (reported once as adminToken). Private keys and\nPaygate keys are sealed with KASSE_MASTER_KEY (base64, 32 bytes) or a key file made in DIR.\nEvery flag and variable: docs/CONFIGURATION.md.",
  flags: [
    { name: "port", type: "string", value: "PORT", description: "gateway port", default: "8443" },
    {
      name: "public-url",
      type: "string",
      value: "URL",
      description:
        "where buyers and Amazon reach the gateway, e.g. https://pay.example.com (or KASSE_PUBLIC_URL; default the listening URL)",
    },
    {
      name: "no-tls",
      type: "boolean",
      description: "serve plain HTTP, for a TLS-terminating proxy in front (with --public-url https://…)",
    },
    {
      name: "trusted-proxies",
      type: "string",
      value: "LIST",
      description:
        "IPs/CIDRs of proxies whose X-Forwarded-For/-Proto are believed, e.g. 10.0.0.5,10.1.0.0/16 (or KASSE_TRUSTED_PROXIES; default none)",
    },
    EMULATOR_PORT,
    { name: "no-emulator", type: "boolean", description: "do not start the built-in emulator" },
    {
      name: "emulator",
      type: "boolean",
      description:
        "start the built-in emulator even though DATABASE_URL is set (its tables go to schema kasse_emulator)",
    },
    {
      name: "emulator-url",
      type: "string",
      value: "URL",
      description:
        "with --no-emulator: an emulator running elsewhere (kasse emulator) for emulator merchants",
    },
    {
      name: "emulator-ca",
      type: "string",
      value: "FILE",
      description:
        "certificate (PEM) to trust for --emulator-url (default: this data directory's TLS certificate)",
    },
    {
      name: "notify-retry-schedule",
      type: "string",
      value: "LIST",
      description: "URLNotify retry delays, e.g. 1s,2s,5s (default: 8 retries, n³ minutes apart)",
    },
    {
      name: "reconcile-schedule",
      type: "string",
      value: "LIST",
      description:
        "delays between Amazon checks of a pending capture/refund/authorisation no IPN settled, e.g. 5s,10s (default 2m,5m,15m,30m,1h; the last repeats)",
    },
    {
      name: "notify-timeout",
      type: "string",
      value: "DELAY",
      description:
        "timeout of one URLNotify POST, e.g. 2s (default 10s); a killed process's claims lapse after 6x",
    },
    ...COMMON_FLAGS,
  ],
  run: (flags) => runStart(flags),
};

/** What `kasse demo` adds once the gateway runs: more parts to close, more ready-line keys. */
type StartExtension = (parts: {
  readonly gateway: RunningGateway;
  readonly tls: CertificatePem;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly env: Environment;
  readonly emulatorUrl: string | undefined;
}) => Promise<{ readonly running: Running; readonly ready: Record<string, unknown> }>;

async function runStart(flags: ParsedFlags, extend?: StartExtension): Promise<void> {
  if (flags["no-tls"] && (flags["tls-cert"] !== undefined || flags["tls-key"] !== undefined))
    throw new UsageError("--no-tls and --tls-cert/--tls-key exclude each other");
  const { dataDir, tls, logger, env } = await commonSetup(flags);
  const publicUrl =
    typeof flags["public-url"] === "string"
      ? parsePublicUrl(flags["public-url"], "--public-url")
      : env.publicUrl;
  const trustedProxies =
    typeof flags["trusted-proxies"] === "string"
      ? parseTrustedProxies(flags["trusted-proxies"], "--trusted-proxies")
      : env.trustedProxies;
  if (flags.emulator && flags["no-emulator"])
    throw new UsageError("--emulator and --no-emulator exclude each other");
  // Production means PostgreSQL; its emulator would write a play Amazon into the real database.
  const withEmulator = flags.emulator === true || (!flags["no-emulator"] && env.databaseUrl === undefined);
  const running: Running[] = [];
  const ready: Record<string, unknown> = {};
  let emulatorEndpoint = await externalEmulator(flags, tls, withEmulator);
  const shared = withEmulator && env.databaseUrl === undefined ? await sharedPglite(dataDir) : undefined;
  try {
    if (withEmulator) {
      const emulator = await startStoredEmulator(
        { dataDir, tls, logger, env },
        String(flags.host),
        portFlag(flags, "emulator-port"),
        shared?.emulator,
      );
      running.push(emulator);
      ready.emulator = emulator.url;
      if (emulator.generatedAdminToken) ready.emulatorAdminToken = emulator.generatedAdminToken;
      // The gateway reaches its emulator over HTTPS, trusting the certificate both serve.
      emulatorEndpoint = {
        url: emulator.url,
        ca: tls.cert,
        ...(emulator.adminToken === undefined ? {} : { adminToken: emulator.adminToken }),
      };
    }
    const gateway = await startGateway({
      host: String(flags.host),
      port: portFlag(flags, "port"),
      dataDir,
      tls: flags["no-tls"] ? "none" : tls,
      logger: logger.child({ part: "gateway" }),
      ...databaseOptions(env),
      ...(shared ? { db: shared.gateway } : {}),
      ...(env.adminToken ? { adminToken: env.adminToken } : {}),
      ...(env.masterKey ? { masterKey: env.masterKey } : {}),
      ...(publicUrl ? { publicUrl } : {}),
      ...(trustedProxies ? { trustedProxies } : {}),
      ...(emulatorEndpoint ? { emulator: emulatorEndpoint } : {}),
      ...(typeof flags["notify-retry-schedule"] === "string"
        ? { notifyRetryScheduleMs: delaysFlag("notify-retry-schedule", flags["notify-retry-schedule"]) }
        : {}),
      ...(typeof flags["reconcile-schedule"] === "string"
        ? { reconcileScheduleMs: delaysFlag("reconcile-schedule", flags["reconcile-schedule"]) }
        : {}),
      ...(typeof flags["notify-timeout"] === "string"
        ? { notifyTimeoutMs: singleDelayFlag("notify-timeout", flags["notify-timeout"]) }
        : {}),
    });
    running.push(gateway);
    ready.gateway = gateway.url;
    if (gateway.publicUrl !== gateway.url) ready.publicUrl = gateway.publicUrl;
    ready.backOffice = `${gateway.url}/back-office/`;
    if (gateway.generatedAdminToken) ready.adminToken = gateway.generatedAdminToken;
    await bootstrapOperator(gateway, process.env);
    if (extend) {
      const extension = await extend({
        gateway,
        tls,
        logger,
        dataDir,
        env,
        emulatorUrl: emulatorEndpoint?.url,
      });
      running.push(extension.running);
      Object.assign(ready, extension.ready);
    }
    if (!flags["no-tls"])
      reloadOnHangup(logger, async () => gateway.reloadTls(await resolveTls(flags, dataDir)));
  } catch (error) {
    for (const part of running.reverse()) await part.close().catch(() => {});
    await shared?.close().catch(() => {});
    throw error;
  }
  await restrictToOwner(dataDir);
  closeOnSignals([ownerOnly(dataDir), ...running], logger);
  announceReady({ gateway: ready.gateway, ...ready });
  answerBenchProbes();
}

export const demoCommand: Command = {
  ...startCommand,
  name: "demo",
  usage: "kasse demo [--shop-port 8445] [the flags of kasse start]",
  summary:
    "kasse start plus a demo shop wired to a demo merchant on the built-in emulator: buy something with Amazon Pay\nin a browser, offline, then find, capture and refund the payment in the back office. The ready line adds\ndemoShop, backOffice and demoLogin {user, password} (a back-office account that sees the demo merchant).",
  flags: [
    {
      name: "shop-port",
      type: "string",
      value: "PORT",
      description: "port of the demo shop",
      default: "8445",
    },
    ...startCommand.flags,
  ],
  run: (flags) =>
    runStart(flags, async ({ gateway, tls, logger, dataDir, env, emulatorUrl }) => {
      if (!emulatorUrl)
        throw new UsageError("kasse demo needs an emulator (drop --no-emulator or give --emulator-url)");
      const { token } = await resolveAdminToken(dataDir, env.adminToken);
      const demo = await startDemo({
        gateway,
        adminToken: token,
        emulatorUrl,
        tls,
        logger: logger.child({ part: "demo-shop" }),
        host: String(flags.host),
        shopPort: portFlag(flags, "shop-port"),
      });
      return { running: demo.shop, ready: demo.ready };
    }),
};

export const benchCommand: Command = {
  name: "bench",
  endsOnItsOwn: true,
  usage: "kasse bench [--payments 200] [--concurrency 16] [--store pglite|postgres] [--stored N] [--json]",
  summary:
    "Measures what a payment costs: starts its own kasse start (gateway and built-in emulator) on a fresh data\ndirectory, or a fresh database on DATABASE_URL's server (default 127.0.0.1:5432) with --store postgres,\nruns whole standard payments (init, buyer, review, completion, capture, IPNs, URLNotify) and prints\nCPU, RSA signatures, transactions and memory per payment (docs/PERFORMANCE.md). Progress goes to stderr.",
  flags: [
    { name: "payments", type: "string", value: "N", description: "payments to run", default: "200" },
    { name: "concurrency", type: "string", value: "C", description: "payments at once", default: "16" },
    { name: "store", type: "string", value: "STORE", description: "pglite or postgres", default: "pglite" },
    {
      name: "stored",
      type: "string",
      value: "N",
      description: "payments already stored before the measured ones (copied with SQL)",
      default: "0",
    },
    { name: "json", type: "boolean", description: "print the figures as one JSON object" },
    {
      name: "cpu-prof",
      type: "string",
      value: "DIR",
      description: "write a CPU profile of the started kasse start (node --cpu-prof) into DIR",
    },
    { name: "help", type: "boolean", description: "show this help" },
  ],
  async run(flags) {
    const store = String(flags.store);
    if (store !== "pglite" && store !== "postgres")
      throw new UsageError(`--store is pglite or postgres, got ${store}`);
    const result = await runBench({
      payments: countFlag(flags, "payments"),
      concurrency: countFlag(flags, "concurrency"),
      store,
      ...(flags.stored !== "0" ? { stored: countFlag(flags, "stored", 10_000_000) } : {}),
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      ...(typeof flags["cpu-prof"] === "string" ? { cpuProfileDir: resolve(flags["cpu-prof"]) } : {}),
      progress: process.stderr,
    });
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(result)}\n`
        : `${Object.entries(result)
            .map(
              ([key, value]) =>
                `${key.padEnd(24)} ${typeof value === "object" && value ? JSON.stringify(value) : value}`,
            )
            .join("\n")}\n`,
    );
  },
};

export const migrateCommand: Command = {
  name: "migrate",
  endsOnItsOwn: true,
  usage: "kasse migrate [--data DIR]",
  summary:
    "Applies the gateway's database migrations (PostgreSQL of DATABASE_URL, or PGlite in DIR/gateway) and\nchecks the master key against the database's canary, then exits. Run it once before upgrading\nseveral nodes (docs/GOING-LIVE.md).",
  flags: [
    COMMON_FLAGS.find((flag) => flag.name === "data") as FlagSpec,
    { name: "help", type: "boolean", description: "show this help" },
  ],
  async run(flags) {
    const env = readEnvironment();
    const dataDir = resolve(String(flags.data));
    await createPrivateDirectory(dataDir);
    const secrets = new SecretBox(await loadMasterKey(dataDir, env.masterKey));
    const db = await openDatabase(
      env.databaseUrl
        ? {
            migrationsDir: GATEWAY_MIGRATIONS_DIR,
            url: env.databaseUrl,
            ...(env.databaseSchema ? { schema: env.databaseSchema } : {}),
          }
        : { migrationsDir: GATEWAY_MIGRATIONS_DIR, dataDir: join(dataDir, "gateway") },
    );
    try {
      await ensureMasterKeyCanary(db, secrets, Date.now());
      const applied = await db.query<{ name: string }>("SELECT name FROM schema_migrations ORDER BY name");
      process.stdout.write(
        `${JSON.stringify({ migrated: true, database: db.engine, migrations: applied.map((row) => row.name) })}\n`,
      );
    } finally {
      await db.close();
      await restrictToOwner(dataDir);
    }
  },
};

interface Setup {
  readonly dataDir: string;
  readonly tls: CertificatePem;
  readonly logger: Logger;
  readonly env: Environment;
}

function databaseOptions(env: Environment) {
  return {
    ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}),
    ...(env.databaseSchema ? { databaseSchema: env.databaseSchema } : {}),
  };
}

/** Narrows the data directory's modes once more at shutdown (what PGlite created meanwhile). */
function ownerOnly(dataDir: string): Running {
  return { close: () => restrictToOwner(dataDir) };
}

/**
 * The emulator keeps its state where the gateway does: in the schema kasse_emulator of the
 * gateway's PGlite (`kasse start`), in PGlite in DIR/emulator (`kasse emulator`, and data
 * directories made before the two shared one PGlite), or in its own schema of DATABASE_URL.
 */
function startStoredEmulator(setup: Setup, host: string, port: number, db?: Database) {
  const databaseUrl = setup.env.databaseUrl;
  return startEmulator({
    host,
    port,
    tls: setup.tls,
    logger: setup.logger.child({ part: "emulator" }),
    ...(db
      ? { db }
      : databaseUrl
        ? { databaseUrl, databaseSchema: EMULATOR_SCHEMA }
        : { dataDir: join(setup.dataDir, "emulator") }),
  });
}

/**
 * One PGlite in DIR/gateway for the gateway (schema public) and the built-in emulator (schema
 * kasse_emulator): one WebAssembly PostgreSQL in memory instead of two (docs/PERFORMANCE.md).
 * Not with DATABASE_URL (the caller's check), and not for a data directory whose emulator already lives in
 * DIR/emulator: its merchants and payments stay there.
 */
async function sharedPglite(dataDir: string) {
  if (existsSync(join(dataDir, "emulator"))) return undefined;
  const pglite = await openSharedPglite(join(dataDir, "gateway"));
  try {
    const emulator = await pglite.open(EMULATOR_MIGRATIONS_DIR, EMULATOR_SCHEMA);
    const gateway = await pglite.open(GATEWAY_MIGRATIONS_DIR, "public");
    return { emulator, gateway, close: () => pglite.close() };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}

async function commonSetup(flags: ParsedFlags): Promise<Setup> {
  const env = readEnvironment();
  const dataDir = resolve(String(flags.data));
  await createPrivateDirectory(dataDir);
  const logger = createLogger();
  const tls = await resolveTls(flags, dataDir);
  return { dataDir, tls, logger, env };
}

/** `--tls-cert/--tls-key` read anew (SIGHUP reloads them), or the data directory's own pair. */
async function resolveTls(flags: ParsedFlags, dataDir: string): Promise<CertificatePem> {
  const cert = flags["tls-cert"];
  const key = flags["tls-key"];
  if (typeof cert === "string" && typeof key === "string") {
    let pair: CertificatePem;
    try {
      pair = await loadCertificate(cert, key);
    } catch (error) {
      throw new ConfigurationError(`--tls-cert/--tls-key cannot be read: ${(error as Error).message}`);
    }
    try {
      createSecureContext({ cert: pair.cert, key: pair.key });
    } catch (error) {
      throw new ConfigurationError(
        `--tls-cert/--tls-key are not a matching PEM pair: ${(error as Error).message}`,
      );
    }
    return pair;
  }
  if (cert !== undefined || key !== undefined) throw new UsageError("--tls-cert and --tls-key go together");
  return loadOrCreateCertificate(dataDir);
}

/**
 * `--no-emulator --emulator-url URL`: the gateway uses an emulator started on its own (another
 * process or host), trusting `--emulator-ca`, or the certificate this data directory holds (what
 * a `kasse emulator --data` on the same directory serves).
 */
async function externalEmulator(
  flags: ParsedFlags,
  tls: CertificatePem,
  builtIn: boolean,
): Promise<EmulatorEndpoint | undefined> {
  const url = flags["emulator-url"];
  const ca = flags["emulator-ca"];
  if (url === undefined) {
    if (ca !== undefined) throw new UsageError("--emulator-ca goes with --emulator-url");
    return undefined;
  }
  if (builtIn) throw new UsageError("--emulator-url needs --no-emulator");
  const parsed = URL.canParse(String(url)) ? new URL(String(url)) : undefined;
  if (parsed?.protocol !== "https:" || parsed.pathname !== "/")
    throw new UsageError(`--emulator-url must be https://host:port, got ${url}`);
  const adminToken = process.env.KASSE_EMULATOR_ADMIN_TOKEN;
  return {
    url: parsed.origin,
    ca: typeof ca === "string" ? await readFile(ca, "utf8") : tls.cert,
    ...(adminToken ? { adminToken } : {}),
  };
}

function countFlag(flags: ParsedFlags, name: string, max = 1_000_000): number {
  const text = String(flags[name]);
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > max)
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got ${text}`);
  return count;
}

function delaysFlag(name: string, text: string): number[] {
  try {
    return parseRetrySchedule(text);
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

function singleDelayFlag(name: string, text: string): number {
  const [delay, ...more] = delaysFlag(name, text);
  if (delay === undefined || delay <= 0 || more.length > 0)
    throw new UsageError(`--${name} is one positive delay like 2s, got ${text}`);
  return delay;
}
