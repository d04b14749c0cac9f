import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { RequestSigner } from "../amazon/signer.js";
import { createCertificate } from "../http/tls.js";
import { type RunningEmulator, startEmulator } from "./index.js";

let emulator: RunningEmulator;

before(async () => {
  emulator = await startEmulator({ port: 0, tls: await createCertificate(), ipn: false });
});
after(() => emulator.close());

async function post(url: string, payload: object) {
  return emulator.app.inject({ method: "POST", url, payload });
}

describe("admin API", () => {
  it("health answers 200", async () => {
    assert.equal((await emulator.app.inject({ method: "GET", url: "/__admin/health" })).statusCode, 200);
  });

  it("creates merchants with Amazon-shaped ids and a usable generated key, returned once", async () => {
    const response = await post("/__admin/merchants", {
      region: "na",
      name: "Shop",
      ipnUrl: "https://shop.example/ipn",
    });
    assert.equal(response.statusCode, 201);
    const body = response.json();
    assert.match(body.merchantId, /^A[A-Z0-9]{13}$/);
    assert.match(body.storeId, /^amzn1\.application-oa2-client\.[0-9a-f]{32}$/);
    assert.match(body.publicKeyId, /^A[A-Z0-9]{23}$/);
    assert.equal(createPublicKey(body.privateKeyPem).asymmetricKeyDetails?.modulusLength, 2048);
    const rows = await emulator.db.query<{ ledger_currency: string; ipn_url: string }>(
      "select ledger_currency, ipn_url from merchants where merchant_id = $1",
      [body.merchantId],
    );
    assert.deepEqual(rows[0], { ledger_currency: "USD", ipn_url: "https://shop.example/ipn" });
  });

  it("refuses bad regions, currencies, keys and environments", async () => {
    assert.equal((await post("/__admin/merchants", { region: "mars" })).statusCode, 400);
    assert.equal((await post("/__admin/merchants", { region: "jp", ledgerCurrency: "EUR" })).statusCode, 400);
    assert.equal((await post("/__admin/merchants", { region: "eu", publicKeyPem: "nope" })).statusCode, 400);
    assert.equal((await post("/__admin/merchants", { region: "eu", environment: "prod" })).statusCode, 400);
    assert.equal((await post("/__admin/merchants/ANOPE/keys", { publicKeyPem: "x" })).statusCode, 400);
    const { publicKeyPem } = {
      publicKeyPem: createPublicKey(
        (await post("/__admin/merchants", { region: "eu" })).json().privateKeyPem,
      ).export({ type: "spki", format: "pem" }) as string,
    };
    assert.equal((await post("/__admin/merchants/ANOPE/keys", { publicKeyPem })).statusCode, 404);
  });

  it("moves the clock forward only, and keeps it", async () => {
    const before = (await emulator.app.inject({ method: "GET", url: "/__admin/clock" })).json();
    const moved = (await post("/__admin/clock", { advanceSeconds: 86_400 })).json();
    assert.ok(Date.parse(moved.now) - Date.parse(before.now) >= 86_400_000);
    assert.equal(moved.offsetSeconds - before.offsetSeconds, 86_400);
    assert.equal((await post("/__admin/clock", { advanceSeconds: -1 })).statusCode, 400);
    const stored = await emulator.db.query<{ offset_ms: number }>("select offset_ms from clock");
    assert.equal(Number(stored[0]?.offset_ms), emulator.clock.offsetMs);
  });

  it("injects failures into the API: the next answers of an operation, with Amazon's error body", async () => {
    const merchant = (await post("/__admin/merchants", { region: "eu" })).json();
    const configured = await post("/__admin/faults", {
      failures: [{ operation: "getCheckoutSession", status: 503, count: 1 }],
    });
    assert.equal(configured.statusCode, 200);
    const signer = new RequestSigner({
      publicKeyId: merchant.publicKeyId,
      privateKey: merchant.privateKeyPem,
      region: "eu",
      host: "127.0.0.1",
    });
    const path = "/sandbox/v2/checkoutSessions/00000000-0000-4000-8000-000000000000";
    const call = () =>
      emulator.app.inject({
        method: "GET",
        url: path,
        headers: signer.signRequest({ method: "GET", path, query: "", body: "" }),
      });
    const failed = await call();
    assert.deepEqual([failed.statusCode, failed.json().reasonCode], [503, "ServiceUnavailable"]);
    const next = await call();
    assert.deepEqual([next.statusCode, next.json().reasonCode], [404, "ResourceNotFound"]);
    await post("/__admin/faults", {
      failures: [{ operation: "getCheckoutSession", status: "dropConnection" }],
    });
    await assert.rejects(call(), /destroyed/, "a dropped connection gives no answer at all");
    assert.deepEqual([(await call()).statusCode], [404]);
    assert.equal((await post("/__admin/faults", { failures: [{ status: 418 }] })).statusCode, 400);
    assert.equal(
      (await post("/__admin/faults", { failures: [{ status: 500, phase: "later" }] })).statusCode,
      400,
    );
    assert.equal(
      (await post("/__admin/faults", { failures: [{ status: 429, phase: "afterCommit" }] })).statusCode,
      400,
    );
    const lost = await post("/__admin/faults", {
      failures: [{ operation: "captureCharge", status: "dropConnection", phase: "afterCommit" }],
    });
    assert.deepEqual(lost.json().failures, [
      { operation: "captureCharge", status: "dropConnection", phase: "afterCommit", remaining: 1 },
    ]);
    const reset = await post("/__admin/faults", {
      reset: true,
      ipnDrop: 2,
      ipnDelay: { count: 3, maxMs: 800 },
    });
    assert.deepEqual(reset.json(), {
      latencyMs: 0,
      failures: [],
      ipnDrop: 2,
      ipnDuplicate: 0,
      ipnDelay: { count: 3, maxMs: 800 },
    });
    assert.equal(emulator.faults.takeIpnDrop(), true);
    for (const ipnDelay of [{ count: 1 }, { count: -1, maxMs: 5 }, { maxMs: 3_600_001 }, "soon"]) {
      const refused = await post("/__admin/faults", { ipnDelay });
      assert.equal(refused.statusCode, 400, JSON.stringify(ipnDelay));
    }
  });
});
