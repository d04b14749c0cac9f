/**
 * The merchants admin API over real HTTPS against a real emulator: a merchant created with
 * `environment: "emulator"` is registered at the emulator (keys, store id, IPN URL), and the
 * gateway's Amazon client for it then works against the emulator with TLS verification on.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootCertificates } from "node:tls";
import { Agent, request } from "undici";
import { type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import { findMerchant } from "../src/emulator/store/repository.js";
import { type RunningGateway, startGateway } from "../src/gateway/index.js";
import { createCertificate } from "../src/http/tls.js";
import { silentLogger } from "../src/log.js";
import { generateKeyPair } from "./support/keys.js";

const TOKEN = "gateway-merchants-test-token";
const databaseUrl = process.env.DATABASE_URL;
const schema = (part: string) => `t_${part}_${process.pid}_${Date.now()}`;

let emulator: RunningEmulator;
let gateway: RunningGateway;
let dataDir: string;
let https: Agent;

async function call(method: "GET" | "POST", path: string, body?: unknown, token = TOKEN) {
  const response = await request(`${gateway.url}${path}`, {
    method,
    dispatcher: https,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

describe("merchants admin API over HTTPS with the built-in emulator", () => {
  before(async () => {
    const tls = await createCertificate();
    dataDir = await mkdtemp(join(tmpdir(), "kasse-gateway-merchants-"));
    https = new Agent({ connect: { ca: [...rootCertificates, tls.cert] } });
    emulator = await startEmulator({
      port: 0,
      tls,
      ipn: false,
      ...(databaseUrl ? { databaseUrl, databaseSchema: schema("emu") } : {}),
    });
    gateway = await startGateway({
      host: "127.0.0.1",
      port: 0,
      dataDir,
      tls,
      logger: silentLogger(),
      adminToken: TOKEN,
      emulator: { url: emulator.url, ca: tls.cert },
      ...(databaseUrl ? { databaseUrl, databaseSchema: schema("gw") } : {}),
    });
  });
  after(async () => {
    await gateway?.close();
    await emulator?.close();
    await https?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("registers an emulator merchant at the emulator and can then talk to Amazon for it", async () => {
    const created = await call("POST", "/api/admin/merchants", {
      merchantId: "ShopEmu",
      name: "Emulated Shop",
      amazon: { environment: "emulator", region: "eu" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const amazon = created.body.amazon as Record<string, string>;
    assert.equal(amazon.environment, "emulator");
    assert.ok(amazon.merchantId && amazon.storeId && amazon.publicKeyId);
    assert.ok(!JSON.stringify(created.body).includes("PRIVATE KEY"));

    // The emulator knows the merchant, with the gateway's IPN URL for it.
    const atEmulator = await findMerchant(emulator.db, amazon.merchantId as string);
    assert.equal(atEmulator?.storeId, amazon.storeId);
    assert.equal(atEmulator?.ipnUrl, `${gateway.url}/amazonAPAV2Notify.aspx?mid=ShopEmu&region=EU`);

    // The stored key signs requests the emulator accepts, over HTTPS with verification on.
    const merchant = await gateway.merchants.find("ShopEmu");
    assert.ok(merchant);
    const link = gateway.amazon.forMerchant(merchant);
    assert.equal(gateway.amazon.forMerchant(merchant), link, "one client per merchant");
    const session = await link.client.createCheckoutSession(
      {
        webCheckoutDetails: { checkoutReviewReturnUrl: "https://shop.example/review" },
        storeId: link.storeId,
      },
      { idempotencyKey: "gateway-merchants-test-1" },
    );
    assert.equal(session.status, 201);
    assert.equal(session.body.statusDetails.state, "Open");

    const shown = await call("GET", "/api/admin/merchants/ShopEmu");
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.amazon, amazon);
  });

  it("registers nothing at the emulator for a refused or conflicting request", async () => {
    const count = async () =>
      Number((await emulator.db.query<{ n: number }>("select count(*)::int as n from merchants"))[0]?.n);
    const before = await count();
    const conflict = await call("POST", "/api/admin/merchants", {
      merchantId: "ShopEmu",
      name: "Again",
      amazon: { environment: "emulator", region: "eu" },
    });
    assert.equal(conflict.status, 409);
    const invalid = await call("POST", "/api/admin/merchants", {
      merchantId: "Shop Emu",
      name: "Bad id",
      amazon: { environment: "emulator", region: "eu" },
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.field, "merchantId");
    assert.equal(await count(), before);
  });

  it("checks a given key with a signed call: another key or an unknown key id is refused with the reason", async () => {
    const response = await request(`${emulator.url}/__admin/merchants`, {
      method: "POST",
      dispatcher: https,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ region: "eu" }),
    });
    const ids = (await response.body.json()) as Record<string, string>;
    const register = (merchantId: string, amazon: Record<string, unknown>) =>
      call("POST", "/api/admin/merchants", {
        merchantId,
        name: "Own keys",
        amazon: {
          environment: "emulator",
          region: "eu",
          merchantId: ids.merchantId,
          storeId: ids.storeId,
          publicKeyId: ids.publicKeyId,
          privateKeyPem: ids.privateKeyPem,
          ...amazon,
        },
      });
    const wrongKey = await register("OwnKeys", { privateKeyPem: generateKeyPair().privateKey });
    assert.equal(wrongKey.status, 422);
    assert.equal(wrongKey.body.error, "amazon_key_mismatch");
    assert.equal(wrongKey.body.field, "amazon.privateKeyPem");
    assert.match(String(wrongKey.body.message), /does not belong to public key id/);
    const unknownId = await register("OwnKeys", { publicKeyId: "SANDBOX-AAAAAAAAAAAAAAAAAAAAAAAA" });
    assert.equal(unknownId.status, 422);
    assert.equal(unknownId.body.error, "amazon_key_id_unknown");
    assert.equal(unknownId.body.field, "amazon.publicKeyId");
    const pem = ids.privateKeyPem as string;
    const damaged: Array<[string, RegExp]> = [
      [pem.replaceAll("\n", "\\n"), /"\\n" instead of line breaks/],
      [pem.replaceAll("\n", " "), /lines were joined/],
      [generateKeyPair().publicKey, /this is the public key/],
      ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", /not a PEM/],
      [pem.replace(/\n[A-Za-z0-9+/]{10}/, "\n"), /damaged/],
    ];
    for (const [privateKeyPem, reason] of damaged) {
      const refused = await register("OwnKeys", { privateKeyPem });
      assert.equal(refused.status, 400, String(reason));
      assert.match(String(refused.body.message), reason);
    }
    assert.equal((await call("GET", "/api/admin/merchants/OwnKeys")).status, 404, "nothing was stored");
    const accepted = await register("OwnKeys", {});
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  });

  it("refuses the admin API without the token, over HTTPS too", async () => {
    assert.equal(
      (await call("GET", "/api/admin/merchants", undefined, "wrong-token-wrong-token")).status,
      401,
    );
  });
});
