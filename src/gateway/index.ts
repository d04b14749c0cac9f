/**
 * Starts the gateway: resolves the master key and the admin token, opens the store (PGlite in the
 * data directory, or PostgreSQL when a database URL is given), checks the master-key canary and
 * listens on HTTPS (or plain HTTP behind a TLS-terminating proxy).
 */
import { join } from "node:path";
import type { Server as TlsServer } from "node:tls";
import { fileURLToPath } from "node:url";
import { setUpAccounting } from "../accounting/setup.js";
import { registerApi } from "../api/index.js";
import { WebhookStore, webhookNotifier } from "../api/webhooks.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { HttpLimits } from "../http/operations.js";
import { type CertificatePem, httpsServerOptions } from "../http/tls.js";
import type { Logger } from "../log.js";
import { MerchantDirectory } from "../merchants/directory.js";
import { webhookChannel } from "../notify/webhook-outbox.js";
import { type Database, openDatabase } from "../store/database.js";
import { sessionAuthenticator } from "../web/session-auth.js";
import { BackOfficeSessions } from "../web/sessions.js";
import { resolveAdminToken } from "./admin-token.js";
import { AmazonLinks, type EmulatorEndpoint } from "./amazon-link.js";
import { apiGateway } from "./api-ports.js";
import { createGatewayApp } from "./app.js";
import { ensureMasterKeyCanary } from "./master-key-canary.js";
import { loadMasterKey, SecretBox } from "./secrets.js";
import { type AsyncSide, setUpPaygate } from "./setup.js";
import type { SubscriptionRunner } from "./subscriptions/runner.js";

export const GATEWAY_MIGRATIONS_DIR = fileURLToPath(new URL("../store/migrations/", import.meta.url));

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL connection string; PGlite in `dataDir/gateway` when omitted. */
  readonly databaseUrl?: string;
  /** An open database migrated with {@link GATEWAY_MIGRATIONS_DIR} instead of either; closed on close(). */
  readonly db?: Database;
  /** Schema on that PostgreSQL server (tests isolate runs with it); the server's default when omitted. */
  readonly databaseSchema?: string;
  /** HTTPS with this certificate; `"none"`: plain HTTP behind a TLS-terminating proxy. */
  readonly tls: CertificatePem | "none";
  /**
   * The origin (and optional path) buyers and Amazon reach this gateway at, e.g.
   * `https://pay.example.com`: every return URL and IPN URL is built on it. Default the listening URL.
   */
  readonly publicUrl?: string;
  /** Proxies (IPs or CIDRs) whose `X-Forwarded-For`/`-Proto` are believed. */
  readonly trustedProxies?: readonly string[];
  readonly limits?: HttpLimits;
  readonly logger: Logger;
  /** `KASSE_ADMIN_TOKEN`; generated and kept in the data directory when omitted. */
  readonly adminToken?: string;
  /** `KASSE_MASTER_KEY` (base64 of 32 bytes); generated and kept in the data directory when omitted. */
  readonly masterKey?: string;
  /** The built-in emulator, for merchants with `environment: "emulator"`. */
  readonly emulator?: EmulatorEndpoint;
  readonly clock?: Clock;
  /** URLNotify retry delays (`--notify-retry-schedule`); default 8 retries, n³ minutes apart. */
  readonly notifyRetryScheduleMs?: readonly number[];
  /** Timeout of one URLNotify POST; default 10 s. */
  readonly notifyTimeoutMs?: number;
  /** Delays between Amazon checks of a pending outcome that no IPN settled (docs/async.md). */
  readonly reconcileScheduleMs?: readonly number[];
  /** Real milliseconds between the background jobs' looks for due work (tests shorten them). */
  readonly pollIntervalMs?: number;
  /** The clock of the reconciliation backoff (tests drive it); default `clock`. */
  readonly reconcileClock?: Clock;
  /** Delays between the job's tries of a call Amazon does not answer (docs/async.md "Cut calls"). */
  readonly cutCallBackoffMs?: readonly number[];
  /** Randomness of the reconciliation backoff's jitter (tests fix it); default `Math.random`. */
  readonly backoffRandom?: () => number;
  /** The clock of Kasse's subscription schedules (docs/recurring.md); default `clock`. */
  readonly subscriptionClock?: Clock;
  /** Between two scheduled settlement imports of a merchant (docs/accounting.md); default 6 h. */
  readonly settlementImportIntervalMs?: number;
}

export interface RunningGateway {
  /** Where this process listens. */
  readonly url: string;
  /** Where buyers and Amazon reach it (`publicUrl`, or `url`). */
  readonly publicUrl: string;
  readonly db: Database;
  readonly merchants: MerchantDirectory;
  readonly amazon: AmazonLinks;
  /** Set only when this start generated the token (the ready line reports it once). */
  readonly generatedAdminToken?: string;
  /** Kasse's subscription worker: `runDue()` charges what is due by the subscription clock. */
  readonly subscriptions: SubscriptionRunner;
  /** Serves a renewed certificate to new connections (SIGHUP); open ones keep theirs. */
  reloadTls(certificate: CertificatePem): void;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  // The key first: a malformed one must fail before anything is opened.
  const secrets = new SecretBox(await loadMasterKey(options.dataDir, options.masterKey));
  const { token, generated } = await resolveAdminToken(options.dataDir, options.adminToken);
  const db =
    options.db ??
    (await openDatabase(
      options.databaseUrl
        ? {
            migrationsDir: GATEWAY_MIGRATIONS_DIR,
            url: options.databaseUrl,
            ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
          }
        : { migrationsDir: GATEWAY_MIGRATIONS_DIR, dataDir: join(options.dataDir, "gateway") },
    ));
  const clock = options.clock ?? systemClock;
  try {
    await ensureMasterKeyCanary(db, secrets, clock.now());
  } catch (error) {
    await db.close();
    throw error;
  }
  const merchants = new MerchantDirectory({ db, secrets, clock });
  const amazon = new AmazonLinks({ clock, ...(options.emulator ? { emulator: options.emulator } : {}) });
  let url = "";
  const publicUrl = () => options.publicUrl ?? url;
  let notifier: AsyncSide | undefined;
  const accounting = setUpAccounting({
    db,
    clock,
    logger: options.logger,
    merchants,
    links: amazon,
    ...(options.emulator ? { emulator: options.emulator } : {}),
    ...(options.settlementImportIntervalMs ? { importIntervalMs: options.settlementImportIntervalMs } : {}),
  });
  const backOfficeSessions = new BackOfficeSessions({ db, clock });
  const app = createGatewayApp({
    db,
    logger: options.logger,
    adminToken: token,
    ...(options.tls === "none" ? {} : { tls: options.tls }),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    health: { db, secrets, clock, migrationsDir: GATEWAY_MIGRATIONS_DIR },
    merchantAdmin: {
      merchants,
      publicUrl,
      ...(options.emulator ? { emulator: options.emulator } : {}),
    },
    notificationAdmin: { db, clock, merchants, wake: () => notifier?.notifications.wake() },
    operationAdmin: { db, clock, merchants },
    recurringAdmin: { recurring: () => notifier?.recurring },
    accountingAdmin: accounting.adminRoutes,
    backOffice: {
      db,
      clock,
      merchants,
      secrets,
      sessions: backOfficeSessions,
      accounting: accounting.accounting,
      publicUrl,
      ...(options.emulator ? { emulator: options.emulator } : {}),
    },
  });
  // The JSON API's webhooks: a second door on the payment steps' events, delivered by the same
  // notify worker as URLNotify (docs/async.md).
  const webhooks = new WebhookStore(db, secrets);
  notifier = setUpPaygate(app, {
    db,
    doors: [{ notifier: webhookNotifier(webhooks, clock), channel: webhookChannel(db, webhooks.signer) }],
    clock,
    logger: options.logger,
    merchants,
    links: amazon,
    publicUrl,
    ...(options.notifyRetryScheduleMs ? { notifyRetryScheduleMs: options.notifyRetryScheduleMs } : {}),
    ...(options.notifyTimeoutMs ? { notifyTimeoutMs: options.notifyTimeoutMs } : {}),
    ...(options.reconcileScheduleMs ? { reconcileScheduleMs: options.reconcileScheduleMs } : {}),
    ...(options.reconcileClock ? { reconcileClock: options.reconcileClock } : {}),
    ...(options.cutCallBackoffMs ? { cutCallBackoffMs: options.cutCallBackoffMs } : {}),
    ...(options.backoffRandom ? { backoffRandom: options.backoffRandom } : {}),
    ...(options.pollIntervalMs
      ? { notifyPollIntervalMs: options.pollIntervalMs, reconcilePollIntervalMs: options.pollIntervalMs }
      : {}),
    ...(options.emulator ? { emulator: options.emulator } : {}),
    ...(options.subscriptionClock ? { subscriptionClock: options.subscriptionClock } : {}),
  });
  const side = notifier;
  registerApi(app, {
    db,
    clock,
    logger: options.logger,
    payments: side.payments,
    gateway: apiGateway({
      db,
      clock,
      adminToken: token,
      merchants,
      secrets,
      recurring: () => side.recurring,
      wakeNotifications: () => side.notifications.wake(),
      accounting: accounting.accounting,
    }),
    // The back office's pages call the JSON API with their session cookie (and X-CSRF-Token).
    authenticators: [sessionAuthenticator(backOfficeSessions)],
    webhooks,
  });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await db.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  url = `${options.tls === "none" ? "http" : "https"}://${urlHost(options.host)}:${port}`;
  notifier.start();
  accounting.job.start();
  return {
    url,
    publicUrl: publicUrl(),
    db,
    merchants,
    amazon,
    ...(generated ? { generatedAdminToken: token } : {}),
    subscriptions: notifier.recurring.runner,
    reloadTls: (certificate) => {
      if (options.tls === "none") throw new Error("this gateway serves plain HTTP");
      (app.server as unknown as TlsServer).setSecureContext(httpsServerOptions(certificate));
    },
    close: async () => {
      await notifier.stop();
      await accounting.close();
      await app.close();
      await amazon.close();
      await db.close();
    },
  };
}

/** `0.0.0.0`/`::` are where we listen, not where a client connects. */
export function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
