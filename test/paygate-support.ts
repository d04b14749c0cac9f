/**
 * Shared set-up of the Paygate scenario tests (`paygate-*.test.ts`): the real gateway and the
 * real emulator over HTTPS on ephemeral ports, merchants made through the admin API with
 * `environment: "emulator"`, a shop that speaks only through `src/paygate/client.ts` and plain
 * HTTPS, the buyer played through the emulator's admin shortcuts, and a URLNotify receiver on
 * loopback.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import type { Clock } from "../src/core/clock.js";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import { type GatewayOptions, type RunningGateway, startGateway } from "../src/gateway/index.js";
import { type CertificatePem, createCertificate } from "../src/http/tls.js";
import { createLogger, silentLogger } from "../src/log.js";
import {
  type BuildRequestOptions,
  buildRequest,
  type PaygateAnswer,
  type RequestValues,
  readAnswer,
  type ShopCredentials,
} from "../src/paygate/client.js";
import type { ParameterTable } from "../src/paygate/tables.js";

export const ADMIN_TOKEN = "paygate-test-admin-token";

/** With `DATABASE_URL`, each world gets fresh PostgreSQL schemas; otherwise PGlite. */
const databaseUrl = process.env.DATABASE_URL;
const freshSchema = (part: string) => `t_paygate_${part}_${process.pid}_${Date.now()}`;

export interface Notification {
  readonly path: string;
  readonly body: string;
  readonly contentType: string | undefined;
  /** The JSON API's webhooks are signed in a header (`Kasse-Signature`). */
  readonly signature: string | undefined;
}

/** A URLNotify receiver on loopback (plain http, allowed for emulator merchants). */
export class NotifyReceiver {
  readonly received: Notification[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];
  #server: Server;
  /** Status codes to answer with, one per request, then 200. */
  failures: number[] = [];
  /** Every request, refused ones included. */
  hits = 0;
  url = "";

  constructor() {
    this.#server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.hits += 1;
        const status = this.failures.shift() ?? 200;
        if (status === 200) {
          this.received.push({
            path: req.url ?? "",
            body: Buffer.concat(chunks).toString("utf8"),
            contentType: req.headers["content-type"],
            signature: req.headers["kasse-signature"]?.toString(),
          });
        }
        res.writeHead(status).end("OK");
        this.#waiters = this.#waiters.filter((waiter) => {
          if (this.received.length < waiter.count) return true;
          waiter.resolve();
          return false;
        });
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    assert.ok(address && typeof address === "object");
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /** Resolves once `count` notifies have arrived in all. */
  async waitFor(count: number): Promise<Notification[]> {
    if (this.received.length < count) {
      await new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
    }
    return this.received.slice(0, count);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export interface World {
  /** The certificate gateway and emulator present (a demo shop in the same world reuses it). */
  readonly tls?: CertificatePem;
  readonly gateway: RunningGateway;
  readonly emulator: RunningEmulator;
  readonly notify: NotifyReceiver;
  readonly agent: Agent;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The clock of Kasse's subscription schedules (recurring scenarios). */
  readonly subscriptionClock?: Clock;
  /** Extra gateway options a scenario needs (reconcile schedule, notify timeout, …). */
  readonly gateway?: Partial<GatewayOptions>;
  /** The emulator's IPN delivery; off unless a scenario needs IPNs. */
  readonly ipn?: EmulatorOptions["ipn"];
}

/** A real emulator and gateway over HTTPS on ephemeral ports, and a URLNotify receiver. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const tls = await createCertificate();
  const dataDir = await mkdtemp(join(tmpdir(), "kasse-paygate-"));
  const emulator = await startEmulator({
    port: 0,
    tls,
    ipn: options.ipn ?? false,
    ...(databaseUrl ? { databaseUrl, databaseSchema: freshSchema("emu") } : {}),
  });
  const gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    tls,
    // KASSE_TEST_LOG=debug shows the gateway's log lines when a scenario needs explaining.
    logger: process.env.KASSE_TEST_LOG ? createLogger({ level: process.env.KASSE_TEST_LOG }) : silentLogger(),
    adminToken: ADMIN_TOKEN,
    emulator: { url: emulator.url, ca: tls.cert },
    notifyRetryScheduleMs: [20, 20],
    ...(options.subscriptionClock ? { subscriptionClock: options.subscriptionClock } : {}),
    ...(databaseUrl ? { databaseUrl, databaseSchema: freshSchema("gw") } : {}),
    ...options.gateway,
  });
  const notify = new NotifyReceiver();
  await notify.start();
  const agent = new Agent({ connect: { ca: tls.cert, rejectUnauthorized: true } });
  return {
    tls,
    gateway,
    emulator,
    notify,
    agent,
    async close() {
      await gateway.close();
      await emulator.close();
      await notify.close();
      await agent.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A merchant made through the admin API, as a new user would. */
export async function createShop(
  world: World,
  merchantId: string,
  region: "eu" | "na" | "jp" = "eu",
  options: { readonly aes?: boolean } = {},
): Promise<ShopCredentials> {
  const response = await request(`${world.gateway.url}/api/admin/merchants`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      merchantId,
      name: `Shop ${merchantId}`,
      amazon: { environment: "emulator", region },
      ...(options.aes ? { aesKey: true } : {}),
    }),
    dispatcher: world.agent,
  });
  const body = (await response.body.json()) as {
    merchantId: string;
    hmacKey: string;
    blowfishKey: string;
    aesKey?: string;
  };
  assert.equal(response.statusCode, 201, JSON.stringify(body));
  return {
    merchantId: body.merchantId,
    hmacKey: body.hmacKey,
    blowfishKey: body.blowfishKey,
    ...(body.aesKey === undefined ? {} : { aesKey: body.aesKey, scheme: "aes" as const }),
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly body: string;
  readonly location: string | undefined;
}

/** A plain HTTPS request to the gateway (no redirects followed). */
export async function send(
  world: World,
  path: string,
  options: { method?: "GET" | "POST"; form?: string } = {},
): Promise<RawAnswer> {
  const method = options.method ?? "POST";
  const url =
    method === "GET" && options.form
      ? `${world.gateway.url}${path}?${options.form}`
      : `${world.gateway.url}${path}`;
  const response = await request(url, {
    method,
    dispatcher: world.agent,
    ...(method === "POST"
      ? { body: options.form ?? "", headers: { "content-type": "application/x-www-form-urlencoded" } }
      : {}),
  });
  const location = response.headers.location;
  return {
    status: response.statusCode,
    body: await response.body.text(),
    location: typeof location === "string" ? location : undefined,
  };
}

/** Follows a browser step: GET the URL (the gateway's return page), return where it redirects. */
export async function browse(world: World, url: string): Promise<string> {
  const response = await request(url, { method: "GET", dispatcher: world.agent });
  await response.body.dump();
  assert.equal(response.statusCode, 302, `${url} answered ${response.statusCode}`);
  return response.headers.location as string;
}

/** The shop's S2S call: build, send, read the answer against `answerTable`. */
export async function call<T extends ParameterTable, A extends ParameterTable>(
  world: World,
  shop: ShopCredentials,
  page: string,
  table: T,
  values: RequestValues<T>,
  answerTable: A,
  options: BuildRequestOptions & { method?: "GET" | "POST" } = {},
): Promise<PaygateAnswer<A> & { ok: true }> {
  const built = buildRequest(shop, table, values, options);
  const raw = await send(world, `/${page}`, { method: options.method ?? "POST", form: built.body });
  assert.equal(raw.status, 200, raw.body);
  const answer = readAnswer(shop, answerTable, raw.body);
  assert.ok(answer.ok, `answer of ${page} unreadable: ${raw.body}`);
  return answer as PaygateAnswer<A> & { ok: true };
}

/** An emulator admin shortcut (the buyer's clicks). */
export async function buyer(
  world: World,
  path: string,
  payload: object = {},
): Promise<Record<string, string>> {
  const response = await world.emulator.app.inject({ method: "POST", url: path, payload });
  assert.ok(response.statusCode < 300, `${path} answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

export const SHOP = "https://shop.example";
