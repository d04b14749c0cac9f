/**
 * Operating the gateway (docs/CONFIGURATION.md, docs/RELIABILITY.md), through the real gateway
 * and emulator over HTTPS: the public URL in everything handed to Amazon and buyers, correlation
 * ids, security headers, the access log, /livez /readyz /metrics, hostile input refused without a
 * 5xx, slow clients cut, a renewed certificate served after a reload, and unexpected errors
 * answered in each door's own format and logged at error — never with internals or secrets.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { connect } from "node:tls";
import { request } from "undici";
import { findMerchant } from "../src/emulator/store/repository.js";
import { createCertificate } from "../src/http/tls.js";
import { createLogger } from "../src/log.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { initRequest, initResponse } from "../src/paygate/tables.js";
import { ADMIN_TOKEN, call, createShop, SHOP, send, startWorld, type World } from "./paygate-support.js";
import { freePort } from "./support/kasse-process.js";

const lines: Array<Record<string, unknown>> = [];
const logStream = new PassThrough();
let buffered = "";
logStream.on("data", (chunk: Buffer) => {
  buffered += chunk.toString("utf8");
  let at = buffered.indexOf("\n");
  while (at !== -1) {
    lines.push(JSON.parse(buffered.slice(0, at)) as Record<string, unknown>);
    buffered = buffered.slice(at + 1);
    at = buffered.indexOf("\n");
  }
});

let world: World;
let shop: ShopCredentials;
let port: number;
const publicUrl = () => `https://localhost:${port}/`;

before(async () => {
  port = await freePort();
  world = await startWorld({
    gateway: {
      port,
      publicUrl: `https://localhost:${port}`,
      logger: createLogger({ level: "info", destination: logStream }),
      limits: { requestMs: 1_500, headersMs: 1_000, keepAliveMs: 1_000, idleMs: 5_000 },
    },
  });
  shop = await createShop(world, "shop-ops");
});
after(() => world.close());

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await request(`${world.gateway.url}${path}`, { dispatcher: world.agent, headers });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function init(transId: string) {
  return call(
    world,
    shop,
    "amazonAPA.aspx",
    initRequest,
    {
      TransID: transId,
      CountryCode: "EU",
      Amount: 1200,
      Currency: "EUR",
      URLSuccess: `${SHOP}/success`,
      URLFailure: `${SHOP}/failure`,
      URLNotify: `${world.notify.url}/notify`,
      URLCancel: `${SHOP}/cancel`,
      ShopUrl: `${SHOP}/review`,
    },
    initResponse,
  );
}

describe("gateway operations", () => {
  it("builds every URL handed to Amazon or a buyer on the public URL", async () => {
    const answer = await init("ops-public-url");
    const payload = JSON.parse(String(answer.values.buttonpayload)) as {
      webCheckoutDetails: Record<string, string>;
    };
    for (const url of Object.values(payload.webCheckoutDetails)) assert.ok(url.startsWith(publicUrl()), url);
    const atEmulator = await findMerchant(world.emulator.db, (await emulatorIdOf("shop-ops")) as string);
    assert.equal(atEmulator?.ipnUrl, `${publicUrl()}amazonAPAV2Notify.aspx?mid=shop-ops&region=EU`);
  });

  it("answers with a correlation id and security headers everywhere, HSTS on TLS", async () => {
    for (const [path, headers] of [
      ["/livez", {}],
      ["/api/admin/merchants", {}],
      ["/api/admin/merchants", admin],
      ["/inquire.aspx", {}],
      ["/no-such-page", {}],
    ] as const) {
      const answer = await get(path, headers);
      assert.match(String(answer.headers["x-request-id"]), /^[0-9a-f-]{36}$/, path);
      assert.equal(answer.headers["x-content-type-options"], "nosniff", path);
      assert.equal(answer.headers["x-frame-options"], "DENY", path);
      assert.equal(answer.headers["referrer-policy"], "no-referrer", path);
      assert.match(String(answer.headers["content-security-policy"]), /frame-ancestors 'none'/, path);
      assert.match(String(answer.headers["strict-transport-security"]), /max-age=\d+/, path);
    }
    const missing = await get("/no-such-page");
    assert.equal(missing.status, 404);
    assert.equal(missing.headers["content-type"], "application/problem+json; charset=utf-8");
  });

  it("writes one access log line per request: door, merchant, PayID, status, duration — no secret", async () => {
    const answer = await init("ops-access-log");
    const payId = String(answer.values.PayID);
    const before = lines.length;
    await get(`/amazonAPAReview.aspx?PayID=${payId}&mid=shop-ops`);
    await waitFor(() => lines.slice(before).some((line) => line.msg === "request"));
    const line = lines.slice(before).find((entry) => entry.msg === "request") as Record<string, unknown>;
    assert.equal(line.door, "paygate");
    assert.equal(line.merchant, "shop-ops");
    assert.equal(line.payId, payId);
    assert.equal(typeof line.status, "number");
    assert.equal(typeof line.ms, "number");
    assert.match(String(line.reqId), /^[0-9a-f-]{36}$/);
    const paygateLine = lines.find((entry) => entry.msg === "request" && entry.path === "/amazonAPA.aspx");
    assert.equal(paygateLine?.merchant, "shop-ops");
    const all = lines.map((entry) => JSON.stringify(entry)).join("\n");
    for (const secret of [shop.hmacKey, shop.blowfishKey, ADMIN_TOKEN]) assert.ok(!all.includes(secret));
    assert.ok(!all.includes("Data="), "no query string is logged");
  });

  it("serves /livez, /readyz and Prometheus /metrics with requests by door, Amazon calls and backlogs", async () => {
    await init("ops-metrics");
    assert.equal((await get("/livez")).status, 200);
    const ready = await get("/readyz");
    assert.equal(ready.status, 200, ready.text);
    assert.equal(JSON.parse(ready.text).status, "ready");
    // A merchant with its own ids: its key is checked with a signed call to the emulator.
    const ids = (
      await world.emulator.app.inject({
        method: "POST",
        url: "/__admin/merchants",
        payload: { region: "eu" },
      })
    ).json() as Record<string, string>;
    const own = await request(`${world.gateway.url}/api/admin/merchants`, {
      method: "POST",
      dispatcher: world.agent,
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({
        merchantId: "shop-own",
        name: "Own",
        amazon: {
          environment: "emulator",
          region: "eu",
          merchantId: ids.merchantId,
          storeId: ids.storeId,
          publicKeyId: ids.publicKeyId,
          privateKeyPem: ids.privateKeyPem,
        },
      }),
    });
    assert.equal(own.statusCode, 201, await own.body.text());
    const metrics = await get("/metrics");
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers["content-type"]), /^text\/plain/);
    assert.match(metrics.text, /kasse_http_requests_total\{door="paygate",status="200"\} \d+/);
    assert.match(metrics.text, /kasse_http_requests_total\{door="admin",status="201"\} \d+/);
    assert.match(
      metrics.text,
      /kasse_amazon_calls_total\{operation="getCheckoutSession",outcome="refused"\} \d+/,
    );
    assert.match(metrics.text, /kasse_amazon_call_duration_seconds_bucket\{le="[0-9.]+",operation=/);
    for (const gauge of [
      "kasse_notify_outbox_pending",
      "kasse_notify_outbox_oldest_age_seconds",
      "kasse_notify_failed",
      "kasse_reconcile_backlog",
    ])
      assert.match(metrics.text, new RegExp(`^${gauge} \\d+`, "m"));
    assert.match(metrics.text, /^kasse_database_up 1$/m);
  });

  it("refuses NUL bytes and deep nesting without a 5xx and without an error line", async () => {
    const errorsBefore = lines.filter((line) => Number(line.level) >= 50).length;
    const nul = "shop-ops%00";
    const refusals = [
      await send(world, "/capture.aspx", { form: `MerchantID=${nul}&Len=2&Data=00` }),
      await send(world, "/capture.aspx", { method: "GET", form: `MerchantID=${nul}&Len=2&Data=00` }),
      await send(world, `/amazonAPAReview.aspx?PayID=ab%00cd&mid=shop-ops`, { method: "GET" }),
    ];
    for (const answer of refusals) {
      assert.ok(answer.status < 500, `${answer.status} ${answer.body}`);
      if (answer.status === 200) assert.match(answer.body, /Status=FAILED/);
    }
    const ipn = await request(`${world.gateway.url}/amazonAPAV2Notify.aspx?mid=${nul}`, {
      method: "POST",
      dispatcher: world.agent,
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    assert.equal(ipn.statusCode, 404);
    await ipn.body.dump();
    const nested = await request(`${world.gateway.url}/amazonAPAV2Notify.aspx?mid=shop-ops`, {
      method: "POST",
      dispatcher: world.agent,
      headers: { "content-type": "application/json" },
      body: `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
    });
    assert.equal(nested.statusCode, 400);
    await nested.body.dump();
    for (const path of [
      "/api/admin/merchants/shop%00ops",
      "/api/admin/merchants/shop-ops/notifications?payId=a%00b",
    ]) {
      const answer = await get(path, admin);
      assert.equal(answer.status, 400, path);
      assert.equal(JSON.parse(answer.text).status, 400);
    }
    const created = await request(`${world.gateway.url}/api/admin/merchants`, {
      method: "POST",
      dispatcher: world.agent,
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({
        merchantId: "nul-name",
        name: "a\u0000b",
        amazon: { environment: "emulator", region: "eu" },
      }),
    });
    assert.equal(created.statusCode, 400);
    await created.body.dump();
    assert.equal(lines.filter((line) => Number(line.level) >= 50).length, errorsBefore);
  });

  it("cuts a client that sends its body too slowly", async () => {
    const closed = await new Promise<string>((resolve, reject) => {
      const socket = connect(
        { host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false },
        () => {
          socket.write(
            "POST /capture.aspx HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n",
          );
          let sent = 0;
          const drip = setInterval(() => {
            if (sent++ >= 100) {
              clearInterval(drip);
              resolve("still open after 100 bytes");
              socket.destroy();
              return;
            }
            socket.write("a");
          }, 100);
          let answer = "";
          socket.on("data", (chunk) => {
            answer += chunk.toString();
          });
          socket.on("close", () => {
            clearInterval(drip);
            resolve(answer.split("\r\n")[0] || "closed without an answer");
          });
        },
      );
      socket.on("error", reject);
    });
    assert.notEqual(closed, "still open after 100 bytes");
    assert.match(closed, /408|closed without an answer/);
  });

  it("answers an unexpected error in each door's format, logged at error with the correlation id", async () => {
    // A sealed secret that does not open (another master key) fails the Paygate page.
    await world.gateway.db.query(
      "UPDATE merchants SET hmac_key_enc = 'v1.AAAA' WHERE merchant_id = 'shop-ops'",
    );
    const before = lines.length;
    const paygate = await send(world, "/inquire.aspx", { form: "MerchantID=shop-ops&Len=2&Data=00" });
    assert.equal(paygate.status, 200);
    assert.match(paygate.body, /^Status=FAILED&Code=40200000&Description=/);
    assert.doesNotMatch(paygate.body, /secret|merchant:|cannot be opened/);
    await waitFor(() => lines.slice(before).some((line) => line.msg === "unexpected error"));
    const logged = lines.slice(before).find((line) => line.msg === "unexpected error") as Record<
      string,
      unknown
    >;
    assert.equal(logged.level, 50);
    assert.match(String(logged.correlationId), /^[0-9a-f-]{36}$/);

    // The tables gone (as good as a database that went away), then back.
    await world.gateway.db.exec(
      "ALTER TABLE merchants RENAME TO merchants_away; ALTER TABLE schema_migrations RENAME TO schema_migrations_away",
    );
    const adminAnswer = await get("/api/admin/merchants", admin);
    assert.equal(adminAnswer.status, 500);
    assert.equal(adminAnswer.headers["content-type"], "application/problem+json; charset=utf-8");
    const problem = JSON.parse(adminAnswer.text) as Record<string, unknown>;
    assert.equal(problem.status, 500);
    assert.equal(problem.correlationId, adminAnswer.headers["x-request-id"]);
    assert.doesNotMatch(adminAnswer.text, /closed|PGlite|stack/i);
    const ready = await get("/readyz");
    assert.equal(ready.status, 503);
    assert.match(JSON.parse(ready.text).reason, /database unavailable/);
    assert.equal((await get("/livez")).status, 200);
    await world.gateway.db.exec(
      "ALTER TABLE merchants_away RENAME TO merchants; ALTER TABLE schema_migrations_away RENAME TO schema_migrations",
    );
    assert.equal((await get("/readyz")).status, 200);
  });
  it("serves a renewed certificate to new connections after a reload (last: the test agent trusts the old one)", async () => {
    const renewed = await createCertificate();
    world.gateway.reloadTls(renewed);
    const seen = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, ca: renewed.cert, servername: "localhost" }, () => {
        resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? "");
        socket.end();
      });
      socket.on("error", reject);
    });
    assert.equal(seen, new X509Certificate(renewed.cert).fingerprint256);
  });
});

async function emulatorIdOf(merchantId: string): Promise<string | undefined> {
  const response = await request(`${world.gateway.url}/api/admin/merchants/${merchantId}`, {
    dispatcher: world.agent,
    headers: admin,
  });
  const body = (await response.body.json()) as { amazon?: { merchantId?: string } };
  return body.amazon?.merchantId;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}
