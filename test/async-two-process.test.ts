/**
 * Two gateway processes on one PostgreSQL schema (docs/async.md): payments are started, captured
 * and refunded through either process, the shop's URLNotify refuses many first attempts so the
 * retries are claimed by whichever process looks first, Amazon settles the refunds by IPN to one
 * of them — and every notification reaches the shop exactly once.
 *
 * Runs when `DATABASE_URL` is set (PGlite is one process's database); skipped with a message
 * otherwise.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { GATEWAY_MIGRATIONS_DIR } from "../src/gateway/index.js";
import { readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import { completionResult } from "../src/paygate/tables.js";
import { type Database, openDatabase } from "../src/store/database.js";
import { type ProcessBench, startProcessBench } from "./async-processes.js";
import { advanceAmazon, capture, createAsyncShop, credit, pay, startPayment } from "./async-support.js";
import type { World } from "./paygate-support.js";
import { freePort, type KasseProcess, stopGracefully } from "./support/kasse-process.js";

const databaseUrl = process.env.DATABASE_URL;
const schema = `t_async_two_${process.pid}_${Date.now()}`;
const PAYMENTS = 16;
const CONCURRENCY = 4;

let bench: ProcessBench | undefined;
const gateways: KasseProcess[] = [];

after(async () => {
  for (const gateway of gateways) {
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) await stopGracefully(gateway);
  }
  await bench?.close();
  if (databaseUrl) {
    const db = await openDatabase({ migrationsDir: GATEWAY_MIGRATIONS_DIR, url: databaseUrl });
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  }
});

/** One payment: init on one process, capture on the other, refund on the first. */
async function runPayment(worlds: readonly [World, World], shop: ShopCredentials, index: number) {
  const [first, second] = index % 2 === 0 ? worlds : [worlds[1], worlds[0]];
  const transId = `T-TWO-${index}`;
  const answer = await startPayment(first, shop, transId, { TxType: "Authorize", Amount: 2000 + index });
  const payId = answer.values.PayID as string;
  await pay(first, answer);
  const captured = await capture(second, shop, payId, { TransID: transId, Amount: 2000 + index });
  assert.equal(captured.values.Status, "OK", captured.values.Description);
  const refund = await credit(first, shop, payId, 500);
  assert.equal(refund.values.Status, "PENDING", refund.values.Description);
}

test("two gateway processes on one PostgreSQL deliver every notification exactly once", {
  timeout: 180_000,
  skip: databaseUrl ? false : "DATABASE_URL is not set: the two-process test needs PostgreSQL",
}, async () => {
  bench = await startProcessBench({
    extraArgs: ["--notify-retry-schedule", "200ms,300ms,500ms,1s,1s,1s,1s,1s", "--notify-timeout", "2s"],
  });
  const env = { DATABASE_URL: databaseUrl, KASSE_DATABASE_SCHEMA: schema, KASSE_LOG_LEVEL: "info" };
  // One after the other: the first one migrates the schema.
  gateways.push(await bench.spawnGateway("gateway-a", await freePort(), env));
  gateways.push(await bench.spawnGateway("gateway-b", await freePort(), env));
  const worlds = [
    bench.worldOf(gateways[0] as KasseProcess),
    bench.worldOf(gateways[1] as KasseProcess),
  ] as const;
  const shop = await createAsyncShop(worlds[0], "shop-two");
  // Many first attempts fail: the retries are up for grabs between the two processes.
  bench.notify.failures = Array.from({ length: PAYMENTS * 2 }, (_, i) => (i % 3 === 2 ? 200 : 503));

  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PAYMENTS) await runPayment(worlds, shop, next++);
    }),
  );
  await advanceAmazon(worlds[0], 31);

  const expected = PAYMENTS * 3;
  const received = await bench.notify.waitFor(expected);
  const keys = new Map<string, number>();
  for (const { body } of received) {
    const notify = readAnswer(shop, completionResult, body);
    assert.ok(notify.ok && notify.macVerified, body);
    assert.equal(notify.values.Status, "OK");
    const key = `${notify.values.PayID}/${notify.values.XID}/${notify.extra.get("notificationtype") ?? "completion"}`;
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  const twice = [...keys].filter(([, count]) => count > 1);
  assert.deepEqual(twice, [], "no notification delivered twice");
  assert.equal(keys.size, expected);

  const db: Database = await openDatabase({
    migrationsDir: GATEWAY_MIGRATIONS_DIR,
    url: databaseUrl as string,
    schema,
  });
  try {
    const rows = await db.query<{ status: string; count: string }>(
      "SELECT status, count(*)::text AS count FROM notifications GROUP BY status",
    );
    assert.deepEqual(rows, [{ status: "delivered", count: String(expected) }]);
  } finally {
    await db.close();
  }
  assert.equal(bench.notify.received.length, expected, "nothing arrived twice meanwhile");
  // How the work was shared (informative: which process claims a row is up to timing).
  const deliveredBy = gateways.map((gateway) => gateway.stderr().split("URLNotify delivered").length - 1);
  process.stdout.write(
    `async-two-process: URLNotify deliveries in each process's last 20 kB of logs: ${deliveredBy.join(", ")}\n`,
  );
});
