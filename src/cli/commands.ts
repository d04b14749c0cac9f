/**
 * The long-running commands. Each one declares its flags (which drive parsing and `--help`),
 * starts its parts, announces readiness once, and drains on SIGTERM/SIGINT.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { startEmulator } from "../emulator/index.js";
import { resolveAdminToken } from "../gateway/admin-token.js";
import { type RunningGateway, startGateway } from "../gateway/index.js";
import { type CertificatePem, loadCertificate, loadOrCreateCertificate } from "../http/tls.js";
import { createLogger, type Logger } from "../log.js";
import { parseRetrySchedule } from "../notify/schedule.js";
import { bootstrapOperator, startDemo } from "../web/demo.js";
import { announceReady, closeOnSignals, type Running } from "./lifecycle.js";
import { COMMON_FLAGS, type FlagSpec, type ParsedFlags, portFlag, UsageError } from "./options.js";

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
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
    closeOnSignals([emulator], setup.logger);
    announceReady({ emulator: emulator.url });
  },
};

export const startCommand: Command = {
  name: "start",
  usage:
    "kasse start [--port 8443] [--emulator-port 8444 | --no-emulator [--emulator-url URL]] [--data DIR] [--host ADDR]",
  summary:
    "Runs the gateway (Paygate endpoints, admin API) and, unless --no-emulator, the built-in Amazon Pay emulator.\nUses PGlite in DIR/gateway, or PostgreSQL when DATABASE_URL is set (in the schema named by\nKASSE_DATABASE_SCHEMA, if set; created when missing). The admin token comes from\nKASSE_ADMIN_TOKEN or is generated on first start (reported once as adminToken). Private keys and\nPaygate keys are sealed with KASSE_MASTER_KEY (base64, 32 bytes) or a key file made in DIR.",
  flags: [
    { name: "port", type: "string", value: "PORT", description: "gateway port", default: "8443" },
    EMULATOR_PORT,
    { name: "no-emulator", type: "boolean", description: "do not start the built-in emulator" },
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
  readonly emulatorUrl: string | undefined;
}) => Promise<{ readonly running: Running; readonly ready: Record<string, unknown> }>;

async function runStart(flags: ParsedFlags, extend?: StartExtension): Promise<void> {
  const { dataDir, tls, logger } = await commonSetup(flags);
  const running: Running[] = [];
  const ready: Record<string, unknown> = {};
  let emulatorEndpoint = await externalEmulator(flags, tls);
  try {
    if (!flags["no-emulator"]) {
      const emulator = await startStoredEmulator(
        { dataDir, tls, logger },
        String(flags.host),
        portFlag(flags, "emulator-port"),
      );
      running.push(emulator);
      ready.emulator = emulator.url;
      // The gateway reaches its emulator over HTTPS, trusting the certificate both serve.
      emulatorEndpoint = { url: emulator.url, ca: tls.cert };
    }
    const gateway = await startGateway({
      host: String(flags.host),
      port: portFlag(flags, "port"),
      dataDir,
      tls,
      logger: logger.child({ part: "gateway" }),
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      ...(process.env.KASSE_DATABASE_SCHEMA ? { databaseSchema: process.env.KASSE_DATABASE_SCHEMA } : {}),
      ...(process.env.KASSE_ADMIN_TOKEN ? { adminToken: process.env.KASSE_ADMIN_TOKEN } : {}),
      ...(process.env.KASSE_MASTER_KEY ? { masterKey: process.env.KASSE_MASTER_KEY } : {}),
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
    ready.backOffice = `${gateway.url}/back-office/`;
    if (gateway.generatedAdminToken) ready.adminToken = gateway.generatedAdminToken;
    await bootstrapOperator(gateway, process.env);
    if (extend) {
      const extension = await extend({ gateway, tls, logger, dataDir, emulatorUrl: emulatorEndpoint?.url });
      running.push(extension.running);
      Object.assign(ready, extension.ready);
    }
  } catch (error) {
    for (const part of running.reverse()) await part.close().catch(() => {});
    throw error;
  }
  closeOnSignals(running, logger);
  announceReady({ gateway: ready.gateway, ...ready });
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
    runStart(flags, async ({ gateway, tls, logger, dataDir, emulatorUrl }) => {
      if (!emulatorUrl)
        throw new UsageError("kasse demo needs an emulator (drop --no-emulator or give --emulator-url)");
      const { token } = await resolveAdminToken(dataDir, process.env.KASSE_ADMIN_TOKEN);
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

interface Setup {
  readonly dataDir: string;
  readonly tls: CertificatePem;
  readonly logger: Logger;
}

/**
 * The emulator keeps its state where the gateway does: PGlite in DIR/emulator, or, when
 * DATABASE_URL is set, its own schema in that PostgreSQL database.
 */
function startStoredEmulator(setup: Setup, host: string, port: number) {
  const databaseUrl = process.env.DATABASE_URL;
  return startEmulator({
    host,
    port,
    tls: setup.tls,
    logger: setup.logger.child({ part: "emulator" }),
    ...(databaseUrl
      ? { databaseUrl, databaseSchema: EMULATOR_SCHEMA }
      : { dataDir: join(setup.dataDir, "emulator") }),
  });
}

async function commonSetup(flags: ParsedFlags): Promise<Setup> {
  const dataDir = resolve(String(flags.data));
  const logger = createLogger();
  const tls = await resolveTls(flags, dataDir);
  return { dataDir, tls, logger };
}

async function resolveTls(flags: ParsedFlags, dataDir: string): Promise<CertificatePem> {
  const cert = flags["tls-cert"];
  const key = flags["tls-key"];
  if (typeof cert === "string" && typeof key === "string") return loadCertificate(cert, key);
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
): Promise<{ url: string; ca: string } | undefined> {
  const url = flags["emulator-url"];
  const ca = flags["emulator-ca"];
  if (url === undefined) {
    if (ca !== undefined) throw new UsageError("--emulator-ca goes with --emulator-url");
    return undefined;
  }
  if (!flags["no-emulator"]) throw new UsageError("--emulator-url needs --no-emulator");
  const parsed = URL.canParse(String(url)) ? new URL(String(url)) : undefined;
  if (parsed?.protocol !== "https:" || parsed.pathname !== "/")
    throw new UsageError(`--emulator-url must be https://host:port, got ${url}`);
  return { url: parsed.origin, ca: typeof ca === "string" ? await readFile(ca, "utf8") : tls.cert };
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
