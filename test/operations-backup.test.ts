/**
 * Backup and restore as docs/GOING-LIVE.md describes them, done as an operator would: a gateway
 * takes a payment; its database is saved (PostgreSQL: `pg_dump -Fc` of a server of the test's
 * own, restored with `pg_restore` into a new database; PGlite: the stopped data directory copied);
 * a new node on the restored database with the same master key is ready, answers the shop's
 * inquire as before and moves money with the merchant's restored keys; a node with another
 * master key refuses to start, with one line saying why.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { request } from "undici";
import type { ShopCredentials } from "../src/paygate/client.js";
import { type ProcessBench, startProcessBench } from "./async-processes.js";
import { capture, createAsyncShop, credit, inquire, pay, startPayment } from "./async-support.js";
import { freePort, type KasseProcess, stopGracefully } from "./support/kasse-process.js";
import { type PrivatePostgres, startPrivatePostgres } from "./support/private-postgres.js";

const run = promisify(execFile);
const databaseUrl = process.env.DATABASE_URL;

let bench: ProcessBench;
const running: KasseProcess[] = [];

before(async () => {
  bench = await startProcessBench();
});
after(async () => {
  for (const gateway of running) {
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) await stopGracefully(gateway);
  }
  await bench.close();
});

async function spawn(name: string, env: NodeJS.ProcessEnv = {}): Promise<KasseProcess> {
  const gateway = await bench.spawnGateway(name, await freePort(), env);
  running.push(gateway);
  return gateway;
}

/** A captured payment of 30.00 EUR: what the restore must bring back. */
async function capturedPayment(gateway: KasseProcess, merchantId: string) {
  const world = bench.worldOf(gateway);
  const shop = await createAsyncShop(world, merchantId);
  const answer = await startPayment(world, shop, `T-${merchantId}`, { TxType: "Authorize" });
  const payId = answer.values.PayID as string;
  await pay(world, answer);
  const captured = await capture(world, shop, payId, { TransID: `T-${merchantId}` });
  assert.equal(captured.values.Status, "OK", captured.values.Description);
  return { shop, payId, before: (await inquire(world, shop, payId)).values };
}

/** The restored node: ready, the same answers, and the merchant's sealed keys still open. */
async function assertRestored(gateway: KasseProcess, shop: ShopCredentials, payId: string, before: object) {
  const ready = await request(`${gateway.ready.gateway}/readyz`, { dispatcher: bench.agent });
  assert.equal(ready.statusCode, 200, await ready.body.text());
  const world = bench.worldOf(gateway);
  const after = (await inquire(world, shop, payId)).values;
  assert.deepEqual(
    { AmountAuth: after.AmountAuth, AmountCap: after.AmountCap, LastStatus: after.LastStatus },
    {
      AmountAuth: (before as typeof after).AmountAuth,
      AmountCap: (before as typeof after).AmountCap,
      LastStatus: (before as typeof after).LastStatus,
    },
  );
  assert.equal(after.AmountCap, "3000");
  const refund = await credit(world, shop, payId, 500);
  assert.ok(["OK", "PENDING"].includes(refund.values.Status as string), refund.values.Description);
}

async function assertOtherKeyRefused(name: string, env: NodeJS.ProcessEnv): Promise<void> {
  await assert.rejects(
    spawn(name, { ...env, KASSE_MASTER_KEY: randomBytes(32).toString("base64") }),
    /the master key does not open this database's secrets/,
  );
}

describe("backup and restore", { timeout: 300_000 }, () => {
  it("PGlite: the stopped data directory copied and started elsewhere", async () => {
    const original = await spawn("pglite");
    const { shop, payId, before } = await capturedPayment(original, "shop-backup-pglite");
    assert.equal(await stopGracefully(original), 0, original.stderr());
    await cp(join(bench.workDir, "pglite"), join(bench.workDir, "pglite-restored"), { recursive: true });

    const restored = await spawn("pglite-restored");
    await assertRestored(restored, shop, payId, before);
    assert.equal(await stopGracefully(restored), 0, restored.stderr());
    await assertOtherKeyRefused("pglite-restored", {});
  });

  it("PostgreSQL: pg_dump, pg_restore into a new database, a new node with the same master key", {
    skip: databaseUrl ? false : "DATABASE_URL is not set: the PostgreSQL restore runs in the PostgreSQL pass",
  }, async () => {
    const postgres: PrivatePostgres = await startPrivatePostgres();
    try {
      const env = { DATABASE_URL: postgres.url, KASSE_DATABASE_SCHEMA: "kasse" };
      const original = await spawn("pg-original", env);
      const { shop, payId, before } = await capturedPayment(original, "shop-backup-pg");

      const url = new URL(postgres.url);
      const connection = ["-h", url.hostname, "-p", url.port, "-U", "postgres"];
      const dump = join(bench.workDir, "kasse.dump");
      await run("pg_dump", [...connection, "-d", "postgres", "-Fc", "-f", dump]);
      assert.equal(await stopGracefully(original), 0, original.stderr());
      await run("createdb", [...connection, "restored"]);
      await run("pg_restore", [...connection, "-d", "restored", "--no-owner", dump]);

      const restoredUrl = new URL(postgres.url);
      restoredUrl.pathname = "/restored";
      const restored = { DATABASE_URL: restoredUrl.toString(), KASSE_DATABASE_SCHEMA: "kasse" };
      await assertRestored(await spawn("pg-restored", restored), shop, payId, before);
      await assertOtherKeyRefused("pg-other-key", restored);
    } finally {
      for (const gateway of running.splice(0)) {
        if (gateway.child.exitCode === null && gateway.child.signalCode === null)
          await stopGracefully(gateway);
      }
      await postgres.close();
    }
  });
});
