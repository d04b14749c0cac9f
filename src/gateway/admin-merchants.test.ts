import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { ManualClock } from "../core/clock.js";
import { silentLogger } from "../log.js";
import { MerchantDirectory } from "../merchants/directory.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { createGatewayApp } from "./app.js";
import { SecretBox } from "./secrets.js";

const MIGRATIONS = fileURLToPath(new URL("../store/migrations/", import.meta.url));
const TOKEN = "test-admin-token-0123456789";
const { privateKey: PEM } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const { privateKey: EC_PEM } = generateKeyPairSync("ec", {
  namedCurve: "P-256",
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

const sandbox = (overrides: Record<string, unknown> = {}) => ({
  environment: "sandbox",
  region: "eu",
  merchantId: "A2EXAMPLE",
  storeId: "amzn1.application-oa2-client.0123",
  publicKeyId: "SANDBOX-AHEXAMPLE",
  privateKeyPem: PEM,
  ...overrides,
});

let db: Database;
let app: FastifyInstance;
let merchants: MerchantDirectory;

async function post(body: unknown, token = TOKEN) {
  const response = await app.inject({
    method: "POST",
    url: "/api/admin/merchants",
    headers: { authorization: `Bearer ${token}` },
    payload: body as object,
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

async function get(url: string) {
  const response = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${TOKEN}` } });
  return {
    status: response.statusCode,
    body: response.json() as Record<string, unknown>,
    text: response.body,
  };
}

describe("merchants admin API (inject)", () => {
  before(async () => {
    db = await openTestDatabase(MIGRATIONS);
    merchants = new MerchantDirectory({
      db,
      secrets: new SecretBox(randomBytes(32)),
      clock: new ManualClock(),
    });
    app = createGatewayApp({
      db,
      logger: silentLogger(),
      adminToken: TOKEN,
      // The field rules; the signed key check runs against the real emulator in test/gateway-merchants.test.ts.
      merchantAdmin: {
        merchants,
        publicUrl: () => "https://127.0.0.1:8443",
        verifyKey: async () => ({ ok: true }),
      },
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it("needs the admin token", async () => {
    assert.equal(
      (await post({ merchantId: "X", name: "X", amazon: sandbox() }, "wrong-token-0123456789")).status,
      401,
    );
  });

  const invalid: Array<[string, unknown, string]> = [
    ["a body that is not an object", [1, 2], ""],
    ["no merchantId", { name: "Shop", amazon: sandbox() }, "merchantId"],
    ["a merchantId with '&'", { merchantId: "a&b", name: "Shop", amazon: sandbox() }, "merchantId"],
    [
      "a merchantId of 31 characters",
      { merchantId: "x".repeat(31), name: "Shop", amazon: sandbox() },
      "merchantId",
    ],
    ["no name", { merchantId: "Shop", amazon: sandbox() }, "name"],
    ["a name that is a number", { merchantId: "Shop", name: 5, amazon: sandbox() }, "name"],
    ["no amazon", { merchantId: "Shop", name: "Shop" }, "amazon"],
    [
      "an unknown environment",
      { merchantId: "Shop", name: "Shop", amazon: sandbox({ environment: "prod" }) },
      "amazon.environment",
    ],
    [
      "an unknown region",
      { merchantId: "Shop", name: "Shop", amazon: sandbox({ region: "de" }) },
      "amazon.region",
    ],
    [
      "sandbox without storeId",
      { merchantId: "Shop", name: "Shop", amazon: sandbox({ storeId: undefined }) },
      "amazon.storeId",
    ],
    [
      "live without a key",
      {
        merchantId: "Shop",
        name: "Shop",
        amazon: sandbox({ environment: "live", privateKeyPem: undefined }),
      },
      "amazon.privateKeyPem",
    ],
    [
      "a key that is not PEM",
      { merchantId: "Shop", name: "Shop", amazon: sandbox({ privateKeyPem: "not a key" }) },
      "amazon.privateKeyPem",
    ],
    [
      "an EC key",
      { merchantId: "Shop", name: "Shop", amazon: sandbox({ privateKeyPem: EC_PEM }) },
      "amazon.privateKeyPem",
    ],
    [
      "an Amazon id with spaces",
      { merchantId: "Shop", name: "Shop", amazon: sandbox({ publicKeyId: "a b" }) },
      "amazon.publicKeyId",
    ],
    [
      "emulator with some ids only",
      { merchantId: "Shop", name: "Shop", amazon: { environment: "emulator", region: "eu", storeId: "S" } },
      "amazon.merchantId",
    ],
    [
      "emulator without ids when no emulator runs",
      { merchantId: "Shop", name: "Shop", amazon: { environment: "emulator", region: "eu" } },
      "amazon.environment",
    ],
    [
      "an AES key of 20 characters",
      { merchantId: "Shop", name: "Shop", aesKey: "x".repeat(20), amazon: sandbox() },
      "aesKey",
    ],
    [
      "a Blowfish key of 3 characters",
      { merchantId: "Shop", name: "Shop", blowfishKey: "abc", amazon: sandbox() },
      "blowfishKey",
    ],
    [
      "settings.canHandlePendingAuthorization as text",
      {
        merchantId: "Shop",
        name: "Shop",
        amazon: sandbox(),
        settings: { canHandlePendingAuthorization: "yes" },
      },
      "settings.canHandlePendingAuthorization",
    ],
    [
      "an unknown ledgerCurrency",
      { merchantId: "Shop", name: "Shop", amazon: sandbox(), ledgerCurrency: "XXX" },
      "ledgerCurrency",
    ],
  ];
  for (const [what, body, field] of invalid) {
    it(`answers 400 naming the field for ${what}`, async () => {
      const response = await post(body);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error, "invalid_request");
      assert.equal(response.body.field, field);
      assert.equal(typeof response.body.message, "string");
      assert.equal(await merchants.exists("Shop"), false, "a refused request stores nothing");
    });
  }

  it("creates a sandbox merchant with generated Paygate keys, stored sealed, shown once", async () => {
    const created = await post({ merchantId: "Shop_1", name: "Shop One", amazon: sandbox(), aesKey: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { hmacKey, blowfishKey, aesKey } = created.body as {
      hmacKey: string;
      blowfishKey: string;
      aesKey: string;
    };
    assert.match(hmacKey, /^[A-Za-z0-9]{32}$/);
    assert.match(blowfishKey, /^[A-Za-z0-9]{16}$/);
    assert.match(aesKey, /^[A-Za-z0-9]{32}$/);
    assert.equal(created.body.ipnUrl, "https://127.0.0.1:8443/amazonAPAV2Notify.aspx?mid=Shop_1&region=EU");
    assert.ok(!JSON.stringify(created.body).includes("PRIVATE KEY"), "the Amazon key is never returned");

    const raw = JSON.stringify(await db.query("SELECT * FROM merchants WHERE merchant_id = 'Shop_1'"));
    for (const secret of [hmacKey, blowfishKey, aesKey, "PRIVATE KEY"]) {
      assert.ok(!raw.includes(secret), "sealed at rest");
    }

    const merchant = await merchants.find("Shop_1");
    assert.equal(merchant?.hmacKey, hmacKey);
    assert.equal(merchant?.blowfishKey, blowfishKey);
    assert.equal(merchant?.aesKey, aesKey);
    assert.equal(merchant?.amazonPrivateKeyPem, PEM);
    assert.deepEqual(merchant?.amazon, {
      environment: "sandbox",
      region: "eu",
      merchantId: "A2EXAMPLE",
      storeId: "amzn1.application-oa2-client.0123",
      publicKeyId: "SANDBOX-AHEXAMPLE",
    });
  });

  it("keeps Paygate keys a shop brings along", async () => {
    const created = await post({
      merchantId: "BNP_DEMO_AXEPTA",
      name: "Axepta demo",
      hmacKey: "4n!BmF3_?9oJ2Q*z(iD7q6[RSb5)a]A8",
      blowfishKey: "Tc5*2D_xs7B[6E?w",
      amazon: sandbox({ region: "na" }),
      settings: { canHandlePendingAuthorization: true },
    });
    assert.equal(created.status, 201);
    const merchant = await merchants.find("BNP_DEMO_AXEPTA");
    assert.equal(merchant?.hmacKey, "4n!BmF3_?9oJ2Q*z(iD7q6[RSb5)a]A8");
    assert.equal(merchant?.blowfishKey, "Tc5*2D_xs7B[6E?w");
    assert.equal(merchant?.aesKey, undefined);
    assert.deepEqual(merchant?.settings, { canHandlePendingAuthorization: true });
    assert.equal(
      created.body.ipnUrl,
      "https://127.0.0.1:8443/amazonAPAV2Notify.aspx?mid=BNP_DEMO_AXEPTA&region=US",
    );
  });

  it("answers 409 for an existing merchant id and changes nothing", async () => {
    const before = await merchants.find("Shop_1");
    const again = await post({ merchantId: "Shop_1", name: "Other", amazon: sandbox() });
    assert.equal(again.status, 409);
    assert.equal(again.body.field, "merchantId");
    assert.deepEqual(await merchants.find("Shop_1"), before);
  });

  it("lists and shows merchants without any secret", async () => {
    const secrets = await merchants.find("Shop_1");
    assert.ok(secrets);
    const list = await get("/api/admin/merchants");
    const one = await get("/api/admin/merchants/Shop_1");
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.body.merchants as Array<{ merchantId: string }>).map((m) => m.merchantId),
      ["BNP_DEMO_AXEPTA", "Shop_1"],
    );
    assert.equal(one.status, 200);
    assert.equal(one.body.name, "Shop One");
    assert.equal(one.body.aes, true);
    for (const text of [list.text, one.text]) {
      for (const secret of [
        secrets.hmacKey,
        secrets.blowfishKey,
        secrets.aesKey ?? "-",
        "PRIVATE KEY",
        "_enc",
        "sealed",
      ]) {
        assert.ok(!text.includes(secret), `no ${secret.slice(0, 4)}… in ${text.slice(0, 40)}`);
      }
    }
    const missing = await get("/api/admin/merchants/Nope");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.field, "merchantId");
  });
});
