/**
 * The crash test (issue 4, "Crash safety"): the gateway runs as its own process beside an emulator
 * process; shops run a load of whole payments (init → buyer → review → result → capture → one or
 * two refunds, several at once) while the gateway is killed with SIGKILL at random moments and
 * restarted on the same data directory. Shops whose request died retry it with the same ReqId, as
 * real shops do; buyers reload the page that failed. Then a full audit: Kasse's answers
 * (inquire.aspx) and Kasse's database against the emulator's own records — every charge, capture
 * and refund at Amazon matches Kasse's state, none exists twice, no acknowledged payment is lost —
 * and every final notification reached the shop.
 *
 * Notifications: the set of distinct (PayID, XID, event) must be exactly the expected one. A copy
 * of one notification may arrive again only after a restart (the process died between the shop's
 * 2xx and recording it: at least once is all HTTP allows, and PayID+XID let the shop drop the
 * copy); two copies sent by one running process are a bug.
 *
 * Replay: the seed (printed; `KASSE_CRASH_SEED`) fixes the plan — amounts, TxTypes, refunds, the
 * request counts at which kills fire and their delays — not the exact interleaving, which depends
 * on the machine. `KASSE_CRASH_PAYMENTS` (default 24) and `KASSE_CRASH_KILLS` (default 2–4 by seed)
 * make longer runs. With `DATABASE_URL` the gateway uses a fresh schema of that PostgreSQL
 * (`KASSE_DATABASE_SCHEMA`); the emulator stays on PGlite (it plays Amazon, not the system under test).
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Agent, request } from "undici";
import { EMULATOR_MIGRATIONS_DIR } from "../src/emulator/index.js";
import { GATEWAY_MIGRATIONS_DIR } from "../src/gateway/index.js";
import {
  buildRequest,
  type PaygateAnswer,
  type RequestValues,
  readAnswer,
  type ShopCredentials,
} from "../src/paygate/client.js";
import { inquireRequest, inquireResponse, type ParameterTable } from "../src/paygate/tables.js";
import { type Database, openDatabase } from "../src/store/database.js";
import {
  freePort,
  type KasseProcess,
  killHard,
  startKasse,
  stopGracefully,
} from "./support/kasse-process.js";
import { creditShopPayment, runShopPayment, type ShopDriver } from "./support/load-shop.js";
import { NotifyLog } from "./support/notify-log.js";
import {
  auditNotifications,
  auditStores,
  expectedNotifications,
  type Inquiry,
  inquiryMismatches,
  planPayment,
  readNotifications,
  type ShopPayment,
} from "./support/payment-audit.js";
import { type SeededRandom, seededRandom } from "./support/seeded-random.js";

const SEED = Number(process.env.KASSE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(SEED);
const PAYMENTS = Number(process.env.KASSE_CRASH_PAYMENTS ?? 24);
const KILLS = Number(process.env.KASSE_CRASH_KILLS ?? random.int(2, 4));
/** Shops working at once. */
const CONCURRENCY = 6;
const ADMIN_TOKEN = "crash-test-admin-token";
const MERCHANT = "crash-shop";
const _SHOP = "https://shop.example";
/**
 * How long one shop step keeps retrying before the test gives up on it (a lost request). A
 * restart after SIGKILL recovers PGlite's WAL first; on a loaded two-core CI machine that has
 * taken over 45 s, so the deadline is generous: a lost request never comes back at all.
 */
const STEP_DEADLINE_MS = 150_000;
/** How long the audit waits for outstanding notifications (leases of a killed process: 6 × 1 s). */
const NOTIFY_DEADLINE_MS = 30_000;
const databaseUrl = process.env.DATABASE_URL;
const gatewaySchema = `t_crash_gw_${process.pid}_${Date.now()}`;

let workDir: string;
let emulator: KasseProcess;
let gateway: KasseProcess | undefined;
let gatewayUrl: string;
let agent: Agent;
let amazonAgent: Agent;
let shop: ShopCredentials;
const notify = new NotifyLog();
/** Requests sent to the gateway so far; kills fire at planned counts. */
let gatewayRequests = 0;
const killLog: string[] = [];
/** Failed attempts by cause (refused: the gateway was down; others: cut or answered 5xx mid-request). */
const retries = new Map<string, number>();

function log(message: string): void {
  process.stdout.write(`# crash-recovery: ${message}\n`);
}

const gatewayArgs = (port: number) => [
  "start",
  "--no-emulator",
  "--emulator-url",
  emulator.ready.emulator as string,
  "--emulator-ca",
  join(workDir, "emulator", "tls-cert.pem"),
  "--port",
  String(port),
  "--data",
  join(workDir, "gateway"),
  "--notify-retry-schedule",
  "100ms,200ms,500ms,1s,1s,1s,1s,1s",
  "--notify-timeout",
  "1s",
];

function baseEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, KASSE_DATABASE_SCHEMA: _alsoIgnored, ...rest } = process.env;
  return { ...rest, KASSE_LOG_LEVEL: "warn" };
}

const gatewayEnv = (): NodeJS.ProcessEnv => ({
  ...baseEnv(),
  KASSE_ADMIN_TOKEN: ADMIN_TOKEN,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl, KASSE_DATABASE_SCHEMA: gatewaySchema } : {}),
});

let gatewayPort: number;

async function startGatewayProcess(): Promise<void> {
  gateway = await startKasse(gatewayArgs(gatewayPort), gatewayEnv());
  gatewayUrl = gateway.ready.gateway as string;
}

before(async () => {
  log(`seed ${SEED}, ${PAYMENTS} payments, ${KILLS} kills, store ${databaseUrl ? "postgres" : "pglite"}`);
  workDir = await mkdtemp(join(tmpdir(), "kasse-crash-"));
  emulator = await startKasse(["emulator", "--port", "0", "--data", join(workDir, "emulator")], baseEnv());
  gatewayPort = await freePort();
  await startGatewayProcess();
  await notify.start();
  // One agent per server: both certificates are self-signed with the same subject, and TLS
  // looks a trusted issuer up by subject.
  agent = new Agent({ connect: { ca: await readFile(join(workDir, "gateway", "tls-cert.pem"), "utf8") } });
  amazonAgent = new Agent({
    connect: { ca: await readFile(join(workDir, "emulator", "tls-cert.pem"), "utf8") },
  });
  shop = await createMerchant();
});

after(async () => {
  if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null)
    await stopGracefully(gateway);
  if (emulator.child.exitCode === null && emulator.child.signalCode === null) await stopGracefully(emulator);
  await notify.close();
  await agent?.close();
  await amazonAgent?.close();
  if (databaseUrl) {
    const db = await openDatabase({ migrationsDir: GATEWAY_MIGRATIONS_DIR, url: databaseUrl });
    await db.query(`DROP SCHEMA IF EXISTS ${gatewaySchema} CASCADE`);
    await db.close();
  }
  await rm(workDir, { recursive: true, force: true });
});

async function createMerchant(): Promise<ShopCredentials> {
  const response = await request(`${gatewayUrl}/api/admin/merchants`, {
    method: "POST",
    dispatcher: agent,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      merchantId: MERCHANT,
      name: "Crash Shop",
      amazon: { environment: "emulator", region: "eu" },
    }),
  });
  const body = (await response.body.json()) as { merchantId: string; hmacKey: string; blowfishKey: string };
  assert.equal(response.statusCode, 201, JSON.stringify(body));
  return { merchantId: body.merchantId, hmacKey: body.hmacKey, blowfishKey: body.blowfishKey };
}

// ─── Kills ────────────────────────────────────────────────────────────────────────────────────

interface KillPlan {
  /** Fire once this many gateway requests were sent… */
  readonly atRequest: number;
  /** …this much later (ms), so kills land inside requests, not only between them. */
  readonly afterMs: number;
  /** How long the gateway stays down before the restart. */
  readonly downMs: number;
}

function planKills(rng: SeededRandom, kills: number, payments: number): KillPlan[] {
  // About five gateway requests per payment; kills spread over the first 85 % of the load.
  const last = Math.max(kills + 5, Math.floor(payments * 5 * 0.85));
  const points = new Set<number>();
  while (points.size < kills) points.add(rng.int(5, last));
  return [...points]
    .sort((a, b) => a - b)
    .map((atRequest) => ({ atRequest, afterMs: rng.int(0, 25), downMs: rng.int(20, 400) }));
}

const kills = planKills(random, KILLS, PAYMENTS);
let killing: Promise<void> = Promise.resolve();
let killsDone = 0;

/** Counts a gateway request and fires the next planned kill when its count is reached. */
function countGatewayRequest(): void {
  gatewayRequests += 1;
  const next = kills[killsDone];
  if (next === undefined || gatewayRequests < next.atRequest) return;
  killsDone += 1;
  const number = killsDone;
  killing = killing.then(async () => {
    await delay(next.afterMs);
    const victim = gateway as KasseProcess;
    await killHard(victim);
    killLog.push(`kill ${number} at request ${gatewayRequests}`);
    // Let whatever the dead process sent be read before the next incarnation exists.
    await delay(next.downMs);
    notify.incarnation += 1;
    await startGatewayProcess();
  });
}

// ─── The shop and the buyer ───────────────────────────────────────────────────────────────────

/**
 * A shop step against the gateway: repeated, unchanged (same ReqId), until the gateway answers —
 * a refused connection or a connection cut by the kill means "try again".
 */
async function untilAnswered<T>(what: string, step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STEP_DEADLINE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      countGatewayRequest();
      return await step();
    } catch (error) {
      const cause = (error as { code?: string }).code ?? (error as Error).name;
      retries.set(cause, (retries.get(cause) ?? 0) + 1);
      if (Date.now() > deadline) {
        throw new Error(
          `${what}: no answer after ${attempt} attempts: ${(error as Error).message}\ngateway log (tail):\n${gateway?.stderr().slice(-4_000)}`,
        );
      }
      await delay(50 + Math.floor(Math.random() * 150));
    }
  }
}

class NoAnswer extends Error {
  override name = "NoAnswer";
}

async function shopCall<T extends ParameterTable, A extends ParameterTable>(
  what: string,
  table: T,
  values: RequestValues<T>,
  answerTable: A,
  reqId?: string,
): Promise<PaygateAnswer<A> & { ok: true }> {
  const built = buildRequest(shop, table, values, reqId ? { extra: [["ReqId", reqId]] } : {});
  return untilAnswered(what, async () => {
    const response = await request(`${gatewayUrl}/${table.page}`, {
      method: "POST",
      dispatcher: agent,
      body: built.body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const body = await response.body.text();
    if (response.statusCode >= 500) throw new NoAnswer(`HTTP ${response.statusCode} ${body}`);
    assert.equal(response.statusCode, 200, `${what}: ${body}`);
    const answer = readAnswer(shop, answerTable, body);
    assert.ok(answer.ok, `${what}: unreadable answer ${body}`);
    return answer as PaygateAnswer<A> & { ok: true };
  });
}

/** The buyer's browser on a gateway page: reloaded until it redirects. */
function browse(what: string, url: string): Promise<string> {
  return untilAnswered(what, async () => {
    const response = await request(url, { method: "GET", dispatcher: agent });
    const body = await response.body.text();
    if (response.statusCode !== 302) throw new NoAnswer(`HTTP ${response.statusCode} ${body.slice(0, 300)}`);
    return response.headers.location as string;
  });
}

/** The buyer's clicks at "Amazon" (emulator admin shortcuts; the emulator is never killed). */
async function atAmazon(path: string, payload: object = {}): Promise<Record<string, string>> {
  const response = await request(`${emulator.ready.emulator}${path}`, {
    method: "POST",
    dispatcher: amazonAgent,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
  });
  const body = (await response.body.json()) as Record<string, string>;
  assert.ok(response.statusCode < 300, `${path} answered ${response.statusCode}: ${JSON.stringify(body)}`);
  return body;
}

/** The shop of this scenario: steps repeated with their ReqId until a gateway answers. */
const driver: ShopDriver = {
  get shop() {
    return shop;
  },
  get notifyUrl() {
    return notify.url;
  },
  call: shopCall,
  browse,
  atAmazon,
};

/**
 * The one window a random kill rarely hits, made certain: Amazon has created the refund but its
 * answer is lost (emulator fault: connection dropped after commit, on every retry), and the
 * gateway dies while its connector is still retrying. After the restart the shop repeats its
 * credit.aspx with the same ReqId; Kasse must finish that refund — the same one, not a second.
 */
async function refundInFlightWhenKilled(payment: ShopPayment): Promise<void> {
  await runShopPayment(driver, payment, false);
  const drops = 50;
  await atAmazon("/__admin/faults", {
    reset: true,
    failures: [{ operation: "createRefund", status: "dropConnection", phase: "afterCommit", count: drops }],
  });
  const asked = creditShopPayment(driver, payment, 0, payment.refunds[0] as number);
  // Wait (by observing, not by time) until Amazon has processed the first attempt.
  for (;;) {
    const response = await request(`${emulator.ready.emulator}/__admin/faults`, { dispatcher: amazonAgent });
    const { failures } = (await response.body.json()) as { failures: Array<{ count: number }> };
    if ((failures[0]?.count ?? 0) < drops) break;
    await delay(5);
  }
  await killHard(gateway as KasseProcess);
  killLog.push("kill while a refund's answer was lost");
  await atAmazon("/__admin/faults", { reset: true });
  notify.incarnation += 1;
  await startGatewayProcess();
  await asked;
}

async function runLoad(payments: readonly ShopPayment[]): Promise<void> {
  const queue = [...payments];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await runShopPayment(driver, next);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await killing;
}

// ─── The audit ────────────────────────────────────────────────────────────────────────────────

const inquire = async (payment: ShopPayment): Promise<Inquiry> =>
  (
    await shopCall(
      `payment ${payment.index} inquire`,
      inquireRequest,
      { PayID: payment.payId as string },
      inquireResponse,
    )
  ).values;

/**
 * Waits until Kasse's outbox has nothing pending: a notification the shop got from a process
 * killed before it recorded the delivery is sent again once the dead process's lease lapses, and
 * only then recorded (the shop may already have every key when the audit starts).
 */
async function outboxDrained(): Promise<void> {
  const deadline = Date.now() + NOTIFY_DEADLINE_MS;
  for (;;) {
    const response = await request(
      `${gatewayUrl}/api/admin/merchants/${MERCHANT}/notifications?status=pending&limit=1`,
      { dispatcher: agent, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    );
    const { notifications } = (await response.body.json()) as { notifications: unknown[] };
    if (notifications.length === 0 || Date.now() > deadline) return;
    await delay(100);
  }
}

function openGatewayStore(): Promise<Database> {
  return databaseUrl
    ? openDatabase({ migrationsDir: GATEWAY_MIGRATIONS_DIR, url: databaseUrl, schema: gatewaySchema })
    : openDatabase({ migrationsDir: GATEWAY_MIGRATIONS_DIR, dataDir: join(workDir, "gateway", "gateway") });
}

test(`SIGKILL under load, restart, full audit against the emulator (seed ${SEED})`, async (t) => {
  t.diagnostic(
    `replay with KASSE_CRASH_SEED=${SEED} KASSE_CRASH_PAYMENTS=${PAYMENTS} KASSE_CRASH_KILLS=${KILLS}`,
  );
  const payments = Array.from({ length: PAYMENTS }, (_, index) => planPayment(random, index + 1, "CR"));
  try {
    await runLoad(payments);
  } finally {
    for (const line of killLog) t.diagnostic(line);
    t.diagnostic(`shop retries by cause: ${JSON.stringify(Object.fromEntries(retries))}`);
  }
  assert.equal(killsDone, kills.length, `planned ${kills.length} kills, fired ${killsDone}`);
  const planned = planPayment(random, PAYMENTS + 1, "CR");
  const inFlight = { ...planned, refunds: planned.refunds.slice(0, 1), refundXids: [] };
  payments.push(inFlight);
  await refundInFlightWhenKilled(inFlight);
  t.diagnostic(
    `payment ${inFlight.index}: refund answer lost, gateway killed while retrying, refund finished after restart`,
  );

  // Amazon settles the refunds 30 s after they were requested (emulated clock).
  await atAmazon("/__admin/clock", { advanceSeconds: 31 });

  // Kasse's answers: inquire settles what is still pending at Amazon, then reports.
  const mismatches: string[] = [];
  for (const payment of payments) mismatches.push(...inquiryMismatches(payment, await inquire(payment)));

  // Notifications: every expected one at least once, nothing else, copies only across restarts.
  const expected = expectedNotifications(payments);
  const covered = () => {
    const seen = new Set(readNotifications(shop, notify.received).map((read) => read.key));
    return [...expected].every((key) => seen.has(key));
  };
  await notify.until(covered, NOTIFY_DEADLINE_MS);
  await outboxDrained();
  const { redelivered, ...notifications } = auditNotifications(
    readNotifications(shop, notify.received),
    expected,
  );
  t.diagnostic(
    `${notify.received.length} notifications, ${expected.size} expected, ${redelivered} redelivered after a restart`,
  );

  // Stop both (drained), then read their databases.
  assert.equal(await stopGracefully(gateway as KasseProcess), 0, (gateway as KasseProcess).stderr());
  assert.equal(await stopGracefully(emulator), 0, emulator.stderr());

  const kasse = await openGatewayStore();
  const amazon = await openDatabase({
    migrationsDir: EMULATOR_MIGRATIONS_DIR,
    dataDir: join(workDir, "emulator", "emulator"),
  });
  try {
    mismatches.push(...(await auditStores(kasse, amazon, MERCHANT, payments)));
  } finally {
    await kasse.close();
    await amazon.close();
  }

  assert.deepEqual(
    { mismatches, ...notifications },
    { mismatches: [], missing: [], unexpected: [], notOk: [], sameProcessCopies: [] },
    `seed ${SEED}: the audit found differences (kills: ${killLog.join("; ")})`,
  );
});
