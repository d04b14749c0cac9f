/**
 * `/readyz` follows PostgreSQL: red while the gateway's database refuses connections, green again
 * when it accepts them, `/livez` green throughout. The shared server is not stopped (other runs
 * use it): the test gets a database of its own, refuses connections to it
 * (`ALLOW_CONNECTIONS false` and its backends terminated, as a stopped server looks to a client)
 * and allows them again. Runs with `DATABASE_URL` (the PostgreSQL run, docs/RELIABILITY.md).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { Agent, request } from "undici";
import { type RunningGateway, startGateway } from "../src/gateway/index.js";
import { createCertificate } from "../src/http/tls.js";
import { silentLogger } from "../src/log.js";

const databaseUrl = process.env.DATABASE_URL;
const database = `kasse_ready_${process.pid}_${Date.now()}`;

let admin: pg.Client | undefined;
let gateway: RunningGateway | undefined;
let agent: Agent | undefined;
let dataDir: string | undefined;

after(async () => {
  await gateway?.close().catch(() => {});
  await agent?.close();
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test("/readyz goes red when PostgreSQL refuses connections and green when it accepts them again", {
  timeout: 180_000,
  skip: databaseUrl ? false : "DATABASE_URL is not set: the readiness test needs PostgreSQL",
}, async () => {
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(databaseUrl as string);
  url.pathname = `/${database}`;
  const tls = await createCertificate();
  dataDir = await mkdtemp(join(tmpdir(), "kasse-ready-"));
  agent = new Agent({ connect: { ca: tls.cert } });
  gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    tls,
    logger: silentLogger(),
    adminToken: "readiness-test-admin-token",
    databaseUrl: url.toString(),
  });
  const probe = async (path: string) => {
    const response = await request(`${gateway?.url}${path}`, { dispatcher: agent });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };
  assert.deepEqual((await probe("/readyz")).status, 200);

  await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [database]);
  const red = await probe("/readyz");
  assert.equal(red.status, 503);
  assert.match(String(red.body.reason), /^database unavailable/);
  assert.doesNotMatch(String(red.body.reason), /postgres:\/\/[^…]/, "no connection string in the reason");
  assert.equal((await probe("/livez")).status, 200);

  await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
  const green = await probe("/readyz");
  assert.equal(green.status, 200, JSON.stringify(green.body));
  assert.equal(green.body.database, "postgres");
});
