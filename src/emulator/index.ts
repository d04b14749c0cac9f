/**
 * The Amazon Pay v2 emulator as one HTTPS server: the REST API (`api/`), the buyer pages and
 * shortcuts (`buyer/`), the admin API, the SNS certificate, the IPN delivery worker and the
 * timer sweep, all on one database whose state survives restarts.
 *
 * @example
 * const emulator = await startEmulator({ port: 0, tls: await createCertificate(), logger: silentLogger() });
 * // SDK: new WebStoreClient({ ..., overrideServiceUrl: `127.0.0.1:${emulator.port}` })
 * await emulator.close();
 */
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import { type Clock, systemClock } from "../core/clock.js";
import type { CertificatePem } from "../http/certificates.js";
import { httpsServerOptions } from "../http/tls.js";
import type { Logger } from "../log.js";
import { silentLogger } from "../log.js";
import { type Database, openDatabase } from "../store/database.js";
import { adminRoutes } from "./admin.js";
import { adminAccessFor, guardAdmin } from "./admin-access.js";
import { amazonApi } from "./api/amazon-api.js";
import { API_OPERATIONS } from "./api/index.js";
import { buyerAccountRoutes } from "./buyer/account-routes.js";
import { buyerRoutes } from "./buyer/routes.js";
import { EmulatedClock } from "./clock.js";
import { EmulatorEngine } from "./engine.js";
import { Faults } from "./faults.js";
import { cryptoRandom, IdSource, type RandomSource } from "./ids.js";
import { guardInput } from "./input-guard.js";
import { type IpnDeliveryOptions, IpnDeliveryWorker } from "./ipn/delivery-worker.js";
import { derivedSecret, loadOrCreateSigningIdentity } from "./ipn/signing-certificate.js";
import { registerSnsRoutes } from "./ipn/sns-routes.js";
import { type FeeModel, setUpReports } from "./reports/index.js";

/** The emulator's migrations (its own schema, apart from the gateway's). */
export const EMULATOR_MIGRATIONS_DIR = fileURLToPath(new URL("./store/migrations/", import.meta.url));

export interface EmulatorOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly tls: CertificatePem;
  /** An open database (migrated with {@link EMULATOR_MIGRATIONS_DIR}); the emulator closes it on close(). */
  readonly db?: Database;
  /** PGlite data directory; omitted (and no `databaseUrl`/`db`) means in memory. */
  readonly dataDir?: string;
  /** PostgreSQL instead of PGlite. */
  readonly databaseUrl?: string;
  readonly databaseSchema?: string;
  readonly logger?: Logger;
  /** Real time (signature dates, IPN leases); the emulated clock is this plus the stored offset. */
  readonly realClock?: Clock;
  readonly random?: RandomSource;
  /** Real milliseconds between timer sweeps. Default 1,000. */
  readonly sweepIntervalMs?: number;
  /** IPN delivery settings, or `false` to send none. */
  readonly ipn?: false | Omit<IpnDeliveryOptions, "db" | "identity" | "publicOrigin" | "faults">;
  /** Fees in settlement reports; default `DEFAULT_FEE_MODEL` (reports/settlement-file.ts). */
  readonly feeModel?: FeeModel;
  /** Origin the emulator tells others (amazonPayRedirectUrl, SigningCertURL); default its own URL. */
  readonly publicUrl?: string;
  /**
   * The token `/__admin` asks for (default `KASSE_EMULATOR_ADMIN_TOKEN`); without one, `/__admin`
   * is open on a loopback host and generates one on any other (`admin-access.ts`).
   */
  readonly adminToken?: string;
  /** Cuts slow clients (defaults: 30 s for a whole request, 10 s for its headers, 120 s idle). */
  readonly timeouts?: { readonly requestMs?: number; readonly headersMs?: number; readonly idleMs?: number };
}

export interface RunningEmulator {
  /** `https://host:port` */
  readonly url: string;
  readonly port: number;
  /** For `inject` in tests. */
  readonly app: FastifyInstance;
  readonly engine: EmulatorEngine;
  readonly db: Database;
  readonly clock: EmulatedClock;
  readonly faults: Faults;
  /** The token `/__admin` asks for, when it asks for one. */
  readonly adminToken: string | undefined;
  /** The token when it was generated here (no token configured, non-loopback host): report it. */
  readonly generatedAdminToken: string | undefined;
  /** Runs due timers now (also runs on every clock advance and every `sweepIntervalMs`). */
  sweep(): Promise<number>;
  /** Sends the IPNs due now and waits until they are settled (nothing without an IPN worker). */
  drainIpn(): Promise<void>;
  close(): Promise<void>;
}

function openEmulatorDatabase(options: EmulatorOptions): Promise<Database> {
  if (options.databaseUrl !== undefined) {
    return openDatabase({
      migrationsDir: EMULATOR_MIGRATIONS_DIR,
      url: options.databaseUrl,
      ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
    });
  }
  return openDatabase({
    migrationsDir: EMULATOR_MIGRATIONS_DIR,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const logger = options.logger ?? silentLogger();
  const db = options.db ?? (await openEmulatorDatabase(options));
  const realClock = options.realClock ?? systemClock;
  const clock = new EmulatedClock(realClock);
  await clock.load(db);
  const faults = new Faults();
  let origin = options.publicUrl ?? "";
  let worker: IpnDeliveryWorker | undefined;
  const engine = new EmulatorEngine({
    db,
    clock,
    ids: new IdSource(options.random ?? cryptoRandom),
    baseUrl: () => origin,
    onNotices: () => worker?.wake(),
  });
  const identity = await loadOrCreateSigningIdentity(db, realClock.now());

  const host = options.host ?? "127.0.0.1";
  const access = adminAccessFor(host, options.adminToken ?? process.env.KASSE_EMULATOR_ADMIN_TOKEN);
  const requestMs = options.timeouts?.requestMs ?? 30_000;
  const headersMs = options.timeouts?.headersMs ?? 10_000;
  // The https server's instance type differs from the plain one only in its raw server; the
  // route plugins are written against the plain type.
  const app = Fastify({
    loggerInstance: logger,
    requestTimeout: requestMs,
    connectionTimeout: options.timeouts?.idleMs ?? 120_000,
    https: {
      ...httpsServerOptions(options.tls),
      headersTimeout: headersMs,
      // Node checks request and header deadlines on this interval (default 30 s).
      connectionsCheckingInterval: Math.min(1_000, requestMs, headersMs),
    },
  }) as unknown as FastifyInstance;
  guardInput(app);
  guardAdmin(app, access);
  registerSnsRoutes(app, identity);
  setUpReports(app, engine, {
    db,
    emulatedNow: () => engine.currentTime(),
    realClock,
    publicOrigin: () => origin,
    linkSecret: derivedSecret(identity, "report-document-links"),
    ...(options.feeModel === undefined ? {} : { feeModel: options.feeModel }),
  });
  // A sweep that changes state enqueues its IPNs in units of work that wake the worker on commit;
  // a clock change may also make retries due, so it wakes the worker itself.
  const sweep = () => engine.sweep();
  const afterClockChange = async () => {
    await sweep();
    worker?.wake();
  };
  await app.register(adminRoutes, { engine, faults, afterClockChange });
  await app.register(buyerRoutes, { engine: engine.buyerSide });
  await app.register(buyerAccountRoutes, { engine: engine.buyerAccount });
  await app.register(amazonApi, { engine, db, realClock, faults, operations: API_OPERATIONS });

  try {
    await app.listen({ host, port: options.port ?? 8444 });
  } catch (error) {
    await db.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 0);
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (options.publicUrl === undefined) origin = url;

  if (options.ipn !== false) {
    worker = new IpnDeliveryWorker({
      ...(options.ipn ?? {}),
      db,
      identity,
      publicOrigin: () => origin,
      faults,
    });
    worker.start();
  }
  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweeping
      .then(sweep)
      .catch((error) => logger.error({ err: error }, "emulator timer sweep failed"));
  }, options.sweepIntervalMs ?? 1000);
  timer.unref();

  return {
    url,
    port,
    app,
    engine,
    db,
    clock,
    faults,
    adminToken: access.token,
    generatedAdminToken: access.generated ? access.token : undefined,
    sweep,
    async drainIpn() {
      await worker?.drain();
    },
    async close() {
      clearInterval(timer);
      await sweeping;
      await worker?.stop();
      await app.close();
      await db.close();
    },
  };
}
