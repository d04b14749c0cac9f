/**
 * Three gateway processes on one PostgreSQL, and that PostgreSQL stopped and started again under
 * load (docs/RELIABILITY.md). Shops spread whole payments (init → buyer → result → capture → one
 * or two refunds) over the three processes as a load balancer would; while they run, the
 * database goes away twice. A step that met the outage — a refused or cut connection, a 5xx, or
 * Paygate's internal-error answer (40200000) — is repeated with the same ReqId on the next
 * process, as a shop does; a buyer reloads. Meanwhile `/readyz` must go red and green again.
 * Afterwards the audit (test/support/payment-audit.ts): Kasse's answers, its database and the
 * emulator's records agree, nothing executed twice, every notification delivered — a copy is
 * allowed only across an outage (the shop's 2xx arrived while the database could not record it:
 * at least once is all HTTP allows), never two from one stretch of uptime.
 *
 * The database is a server of the test's own (test/support/private-postgres.ts), so stopping it
 * disturbs no other suite. Runs in the PostgreSQL pass (`DATABASE_URL` set, like the two-process
 * test); `KASSE_PROCESS_SEED` replays a plan, `KASSE_PROCESS_PAYMENTS` (default 18) makes longer runs.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { request } from "undici";
import { GATEWAY_MIGRATIONS_DIR } from "../src/gateway/index.js";
import {
  buildRequest,
  type PaygateAnswer,
  type RequestValues,
  readAnswer,
  type ShopCredentials,
} from "../src/paygate/client.js";
import {
  completionResult,
  inquireRequest,
  inquireResponse,
  type ParameterTable,
} from "../src/paygate/tables.js";
import { openDatabase } from "../src/store/database.js";
import { type ProcessBench, startProcessBench } from "./async-processes.js";
import { admin, advanceAmazon, createAsyncShop } from "./async-support.js";
import { buyer, SHOP } from "./paygate-support.js";
import { freePort, type KasseProcess, stopGracefully } from "./support/kasse-process.js";
import { runShopPayment, type ShopDriver } from "./support/load-shop.js";
import { NotifyLog } from "./support/notify-log.js";
import {
  auditNotifications,
  auditStores,
  expectedNotifications,
  inquiryMismatches,
  planPayment,
  readNotifications,
} from "./support/payment-audit.js";
import { type PrivatePostgres, startPrivatePostgres } from "./support/private-postgres.js";
import { seededRandom } from "./support/seeded-random.js";

const databaseUrl = process.env.DATABASE_URL;
const SEED = Number(process.env.KASSE_PROCESS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PAYMENTS = Number(process.env.KASSE_PROCESS_PAYMENTS ?? 18);
const CONCURRENCY = 6;
const PROCESSES = 3;
const MERCHANT = "shop-three";
const INTERNAL_ERROR = "40200000";
/** How long one step keeps being repeated before the test gives up on it. */
const STEP_DEADLINE_MS = 60_000;

let postgres: PrivatePostgres | undefined;
let bench: ProcessBench | undefined;
const gateways: KasseProcess[] = [];
const notify = new NotifyLog();
let shop: ShopCredentials;
/** Repeated steps by cause, for the diagnostics. */
const repeats = new Map<string, number>();
let turn = 0;

after(async () => {
  for (const gateway of gateways) {
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) await stopGracefully(gateway);
  }
  await bench?.close();
  await notify.close();
  await postgres?.close();
});

function repeated(cause: string): void {
  repeats.set(cause, (repeats.get(cause) ?? 0) + 1);
}

/** The next process, round robin: a load balancer in front of the three. */
function nextGateway(): string {
  turn += 1;
  return (gateways[turn % gateways.length] as KasseProcess).ready.gateway as string;
}

/** Repeats `step` (on the next process each time) until it gives an answer the shop accepts. */
async function untilAnswered<T>(
  what: string,
  step: (gatewayUrl: string) => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + STEP_DEADLINE_MS;
  for (;;) {
    try {
      const answer = await step(nextGateway());
      if (answer !== undefined) return answer;
    } catch (error) {
      // Only the network may fail a step; a wrong answer is the test's failure, not a retry.
      if (error instanceof assert.AssertionError) throw error;
      repeated((error as { code?: string }).code ?? (error as Error).name);
    }
    assert.ok(Date.now() < deadline, `${what}: no usable answer within ${STEP_DEADLINE_MS} ms`);
    await delay(100 + Math.floor(Math.random() * 200));
  }
}

async function shopCall<T extends ParameterTable, A extends ParameterTable>(
  what: string,
  table: T,
  values: RequestValues<T>,
  answerTable: A,
  reqId?: string,
): Promise<PaygateAnswer<A> & { ok: true }> {
  const built = buildRequest(shop, table, values, reqId ? { extra: [["ReqId", reqId]] } : {});
  return untilAnswered(what, async (gatewayUrl) => {
    const response = await request(`${gatewayUrl}/${table.page}`, {
      method: "POST",
      dispatcher: (bench as ProcessBench).agent,
      body: built.body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const body = await response.body.text();
    if (response.statusCode >= 500) return void repeated(`HTTP ${response.statusCode}`);
    assert.equal(response.statusCode, 200, `${what}: ${body}`);
    // Met the outage before it knew the merchant's keys: Paygate's clear-text internal error.
    if (new URLSearchParams(body).get("Code") === INTERNAL_ERROR)
      return void repeated("internal error (clear)");
    const answer = readAnswer(shop, answerTable, body);
    assert.ok(answer.ok, `${what}: unreadable answer ${body}`);
    if (answer.code === INTERNAL_ERROR) return void repeated("internal error");
    return answer as PaygateAnswer<A> & { ok: true };
  });
}

/** The buyer's browser on a gateway page (any process: they share the database), reloaded. */
function browse(what: string, url: string): Promise<string> {
  const path = new URL(url);
  return untilAnswered(what, async (gatewayUrl) => {
    const response = await request(`${gatewayUrl}${path.pathname}${path.search}`, {
      dispatcher: (bench as ProcessBench).agent,
    });
    await response.body.dump();
    if (response.statusCode !== 302) return void repeated(`page HTTP ${response.statusCode}`);
    const location = response.headers.location as string;
    if (location.startsWith(`${SHOP}/failure?`)) {
      const result = readAnswer(shop, completionResult, new URL(location).search.slice(1));
      if (result.ok && result.code === INTERNAL_ERROR) return void repeated("page internal error");
    }
    return location;
  });
}

async function readiness(gateway: KasseProcess): Promise<number> {
  const response = await request(`${gateway.ready.gateway}/readyz`, {
    dispatcher: (bench as ProcessBench).agent,
  });
  await response.body.dump();
  return response.statusCode;
}

async function untilReadiness(status: number, what: string): Promise<void> {
  for (let round = 0; round < 300; round++) {
    const all = await Promise.all(gateways.map(readiness));
    if (all.every((answer) => answer === status)) return;
    await delay(100);
  }
  assert.fail(`/readyz never answered ${status} on every process ${what}`);
}

/** The database goes away for a few seconds whenever `started()` passes the next mark. */
async function outages(marks: readonly number[], started: () => number, log: string[]): Promise<void> {
  for (const mark of marks) {
    while (started() < mark) await delay(50);
    await (postgres as PrivatePostgres).stop();
    notify.incarnation += 1;
    await untilReadiness(503, "while PostgreSQL was stopped");
    await delay(1_500);
    await (postgres as PrivatePostgres).start();
    await untilReadiness(200, "after PostgreSQL came back");
    notify.incarnation += 1;
    log.push(`PostgreSQL stopped at payment ${mark}, /readyz red on all ${PROCESSES}, back, green again`);
  }
}

test(`three processes on one PostgreSQL, the database restarted under load, full audit (seed ${SEED})`, {
  timeout: 600_000,
  skip: databaseUrl ? false : "DATABASE_URL is not set: this PostgreSQL scenario runs in the PostgreSQL pass",
}, async (t) => {
  t.diagnostic(`replay with KASSE_PROCESS_SEED=${SEED} KASSE_PROCESS_PAYMENTS=${PAYMENTS}`);
  postgres = await startPrivatePostgres();
  await notify.start();
  bench = await startProcessBench({
    extraArgs: ["--notify-retry-schedule", "200ms,300ms,500ms,1s,1s,1s,2s,2s", "--notify-timeout", "2s"],
  });
  const env = { DATABASE_URL: postgres.url, KASSE_DATABASE_SCHEMA: "kasse", KASSE_LOG_LEVEL: "info" };
  // One after the other: the first one migrates the schema.
  for (let n = 0; n < PROCESSES; n++)
    gateways.push(await bench.spawnGateway(`gateway-${n}`, await freePort(), env));
  const world = bench.worldOf(gateways[0] as KasseProcess);
  shop = await createAsyncShop(world, MERCHANT);
  const driver: ShopDriver = {
    shop,
    notifyUrl: notify.url,
    call: shopCall,
    browse,
    atAmazon: (path, payload = {}) => buyer(world, path, payload),
  };

  const random = seededRandom(SEED);
  const payments = Array.from({ length: PAYMENTS }, (_, index) => planPayment(random, index + 1, "P3"));
  const queue = [...payments];
  const outageLog: string[] = [];
  const chaos = outages(
    [Math.ceil(PAYMENTS / 4), Math.ceil((PAYMENTS * 2) / 3)],
    () => PAYMENTS - queue.length,
    outageLog,
  );
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await runShopPayment(driver, next);
    }),
  );
  await chaos;
  for (const line of outageLog) t.diagnostic(line);
  t.diagnostic(`steps repeated by cause: ${JSON.stringify(Object.fromEntries(repeats))}`);
  assert.equal(outageLog.length, 2, "both outages happened");

  // Amazon settles the refunds; Kasse's answers, then the notifications, then the stores.
  await advanceAmazon(world, 31);
  const mismatches: string[] = [];
  for (const payment of payments) {
    const inquiry = await shopCall(
      `payment ${payment.index} inquire`,
      inquireRequest,
      { PayID: payment.payId as string },
      inquireResponse,
    );
    mismatches.push(...inquiryMismatches(payment, inquiry.values));
  }
  const expected = expectedNotifications(payments);
  await notify.until(() => {
    const seen = new Set(readNotifications(shop, notify.received).map((read) => read.key));
    return [...expected].every((key) => seen.has(key));
  }, 60_000);
  for (let waited = 0; waited < 30_000; waited += 200) {
    const listed = await admin(world, "GET", `/merchants/${MERCHANT}/notifications?status=pending&limit=1`);
    if ((listed.body.notifications as unknown[]).length === 0) break;
    await delay(200);
  }
  const { redelivered, ...notifications } = auditNotifications(
    readNotifications(shop, notify.received),
    expected,
  );
  t.diagnostic(
    `${notify.received.length} notifications, ${expected.size} expected, ${redelivered} copies across outages`,
  );

  const kasse = await openDatabase({
    migrationsDir: GATEWAY_MIGRATIONS_DIR,
    url: postgres.url,
    schema: "kasse",
  });
  try {
    mismatches.push(...(await auditStores(kasse, bench.emulator.db, MERCHANT, payments)));
  } finally {
    await kasse.close();
  }
  const deliveredBy = gateways.map((gateway) => gateway.stderr().split("URLNotify delivered").length - 1);
  t.diagnostic(`URLNotify deliveries logged per process (last 20 kB each): ${deliveredBy.join(", ")}`);
  assert.deepEqual(
    { mismatches, ...notifications },
    { mismatches: [], missing: [], unexpected: [], notOk: [], sameProcessCopies: [] },
    `seed ${SEED}: the audit found differences`,
  );
});
