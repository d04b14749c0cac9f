import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { RequestSigner } from "../src/amazon/signer.js";
import { ManualClock } from "../src/core/clock.js";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  admin,
  checkoutUntilResult,
  createMerchant,
  failure,
  headers,
  REVIEW_URL,
  type SdkClient,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

let emulator: RunningEmulator;
let merchant: TestMerchant;

before(async () => {
  emulator = await startTestEmulator();
  merchant = await createMerchant(emulator, { region: "eu" });
});
after(() => emulator.close());

function createSession(
  client: SdkClient,
  storeId = merchant.storeId,
  extraHeaders: Record<string, string> = {},
) {
  return client.createCheckoutSession(
    { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId },
    headers(extraHeaders),
  );
}

/** A request signed by Kasse's own signer (compact date format), sent through inject. */
function signedInject(
  options: {
    method: string;
    path: string;
    body?: string;
    clock?: ManualClock;
    headers?: Record<string, string>;
  },
  key: TestMerchant = merchant,
) {
  const signer = new RequestSigner({
    publicKeyId: key.publicKeyId,
    privateKey: key.privateKeyPem,
    region: "eu",
    host: `127.0.0.1:${emulator.port}`,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const body = options.body ?? "";
  const signed = signer.signRequest({
    method: options.method,
    path: options.path,
    query: "",
    body,
    headers: options.headers,
  });
  return emulator.app.inject({
    method: options.method as "GET",
    url: options.path,
    headers: signed,
    ...(body === "" ? {} : { payload: body }),
  });
}

describe("request signing (official SDK and Kasse's signer)", () => {
  it("accepts both algorithms and both key-id styles", async () => {
    for (const algorithm of ["AMZN-PAY-RSASSA-PSS", "AMZN-PAY-RSASSA-PSS-V2"] as const) {
      const created = await createSession(sdkClient(emulator, merchant, { algorithm }));
      assert.equal(created.status, 201);
      assert.equal(created.data.releaseEnvironment, "Sandbox");
    }
    const sandboxKey = await createMerchant(emulator, { region: "na", environment: "sandbox" });
    assert.match(sandboxKey.publicKeyId, /^SANDBOX-[A-Z0-9]{24}$/);
    const envSpecific = await createSession(sdkClient(emulator, sandboxKey), sandboxKey.storeId);
    assert.equal(envSpecific.data.releaseEnvironment, "Sandbox");

    const liveKey = await createMerchant(emulator, { region: "jp", environment: "live" });
    const live = sdkClient(emulator, liveKey, { sandbox: false });
    const liveSession = await createSession(live, liveKey.storeId);
    assert.equal(liveSession.data.releaseEnvironment, "Live");
    // The sandbox may not see the live session, and live has no simulations.
    const crossEnvironment = await failure(
      sdkClient(emulator, liveKey, { publicKeyId: liveKey.publicKeyId }).getCheckoutSession("x"),
    );
    assert.equal(crossEnvironment.reasonCode, "ResourceNotFound");
    const simulated = await failure(
      live.completeCheckoutSession(
        liveSession.data.checkoutSessionId,
        {},
        { "x-amz-pay-simulation-code": "Declined" },
      ),
    );
    assert.equal(simulated.reasonCode, "InvalidSandboxSimulationSpecified");
  });

  it("a key registered later works, with its own environment", async () => {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const publicKeyPem = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
    const privateKeyPem = pair.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    const { publicKeyId } = await admin(emulator, `/__admin/merchants/${merchant.merchantId}/keys`, {
      publicKeyPem,
      environment: "sandbox",
    });
    const client = sdkClient(emulator, { ...merchant, publicKeyId: publicKeyId as string, privateKeyPem });
    assert.equal((await createSession(client)).status, 201);
  });

  it("wrong signature: 403 InvalidRequestSignature echoing the server's string to sign", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = sdkClient(emulator, {
      ...merchant,
      privateKeyPem: other.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    });
    const refused = await failure(createSession(forged));
    assert.equal(refused.status, 403);
    assert.equal(refused.reasonCode, "InvalidRequestSignature");
    assert.match(
      refused.message,
      /^Unable to verify signature, signing String \[AMZN-PAY-RSASSA-PSS\n[0-9a-f]{64}\] , signature \[/,
    );
  });

  it("unknown key: 401 UnauthorizedAccess; legacy key on /v2: 401", async () => {
    const unknown = await failure(
      createSession(sdkClient(emulator, merchant, { publicKeyId: "AUNKNOWNKEY0000000000000" })),
    );
    assert.deepEqual([unknown.status, unknown.reasonCode], [401, "UnauthorizedAccess"]);
    const response = await signedInject({ method: "GET", path: "/v2/checkoutSessions/x" });
    assert.equal(response.statusCode, 401);
  });

  it("x-amz-pay-date: compact form accepted, stale or future refused, emulated clock irrelevant", async () => {
    const created = await createSession(sdkClient(emulator, merchant));
    const path = `/sandbox/v2/checkoutSessions/${created.data.checkoutSessionId}`;
    const fresh = await signedInject({ method: "GET", path });
    assert.equal(fresh.statusCode, 200);
    assert.ok(fresh.headers["x-amz-pay-request-id"]);
    const trailing = await signedInject({ method: "GET", path: `${path}/` });
    assert.equal(trailing.statusCode, 200);
    const stale = await signedInject({
      method: "GET",
      path,
      clock: new ManualClock(Date.now() - 20 * 60_000),
    });
    assert.deepEqual([stale.statusCode, stale.json().reasonCode], [400, "InvalidHeaderValue"]);
    const future = await signedInject({
      method: "GET",
      path,
      clock: new ManualClock(Date.now() + 10 * 60_000),
    });
    assert.match(future.json().message, /should not be in future/);
    await admin(emulator, "/__admin/clock", { advanceSeconds: 3600 });
    assert.equal((await signedInject({ method: "GET", path })).statusCode, 200);
  });
});

describe("idempotency (§8)", () => {
  it("replays the first answer; another body with the same key is DuplicateIdempotencyKey", async () => {
    const client = sdkClient(emulator, merchant);
    const key = { "x-amz-pay-idempotency-key": "replay-key-1" };
    const body = { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId };
    const first = await client.createCheckoutSession(body, key);
    const second = await client.createCheckoutSession(body, key);
    assert.equal(second.status, 201);
    assert.deepEqual(second.data, first.data);
    const changed = await failure(client.createCheckoutSession({ ...body, platformId: "X" }, key));
    assert.deepEqual([changed.status, changed.reasonCode], [400, "DuplicateIdempotencyKey"]);
  });

  it("requires a key on create calls and refuses malformed keys", async () => {
    const client = sdkClient(emulator, merchant);
    const body = { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId };
    const missing = await failure(client.createCheckoutSession(body, {}));
    assert.deepEqual([missing.status, missing.reasonCode], [400, "MissingHeaderValue"]);
    const malformed = await failure(
      client.createCheckoutSession(body, { "x-amz-pay-idempotency-key": "no spaces allowed" }),
    );
    assert.equal(malformed.reasonCode, "InvalidHeaderValue");
  });

  it("keys are per operation: one key may serve a complete, a create and a capture, not two captures", async () => {
    const client = sdkClient(emulator, merchant);
    const key = { "x-amz-pay-idempotency-key": "one-key-for-all" };
    const money = (amount: string) => ({ amount, currencyCode: "EUR" });
    const id = await checkoutUntilResult(emulator, client, merchant, {
      paymentIntent: "Confirm",
      chargeAmount: money("10.00"),
    });
    const completed = await client.completeCheckoutSession(id, { chargeAmount: money("10.00") }, key);
    const chargePermissionId = completed.data.chargePermissionId as string;
    const first = await client.createCharge({ chargePermissionId, chargeAmount: money("5.00") }, key);
    assert.equal(first.status, 201);
    const second = await client.createCharge({ chargePermissionId, chargeAmount: money("1.00") }, headers());
    const captured = await client.captureCharge(first.data.chargeId, { captureAmount: money("5.00") }, key);
    assert.equal(captured.data.statusDetails.state, "Captured");
    // The same capture again replays; a capture of another charge with the key is another request.
    const again = await client.captureCharge(first.data.chargeId, { captureAmount: money("5.00") }, key);
    assert.deepEqual(again.data, captured.data);
    const other = await failure(
      client.captureCharge(second.data.chargeId, { captureAmount: money("1.00") }, key),
    );
    assert.deepEqual([other.status, other.reasonCode], [400, "DuplicateIdempotencyKey"]);
    assert.equal((await client.getCharge(second.data.chargeId)).data.statusDetails.state, "Authorized");
  });

  it("keys are per merchant", async () => {
    const other = await createMerchant(emulator, { region: "eu" });
    const key = { "x-amz-pay-idempotency-key": "shared-key" };
    const mine = await sdkClient(emulator, merchant).createCheckoutSession(
      { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId },
      key,
    );
    const theirs = await sdkClient(emulator, other).createCheckoutSession(
      { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: other.storeId },
      key,
    );
    assert.notEqual(mine.data.checkoutSessionId, theirs.data.checkoutSessionId);
  });
});

describe("isolation and bad input", () => {
  it("another merchant's ids are 404 ResourceNotFound", async () => {
    const other = await createMerchant(emulator, { region: "eu" });
    const created = await createSession(sdkClient(emulator, merchant));
    const foreign = sdkClient(emulator, other);
    const refused = await failure(foreign.getCheckoutSession(created.data.checkoutSessionId));
    assert.deepEqual([refused.status, refused.reasonCode], [404, "ResourceNotFound"]);
    const charge = await failure(foreign.getCharge("S01-0000000-0000000-C000001"));
    assert.equal(charge.reasonCode, "ResourceNotFound");
    const wrongStore = await failure(createSession(foreign, merchant.storeId));
    assert.equal(wrongStore.reasonCode, "InvalidParameterValue");
  });

  it("malformed JSON, unknown fields, wrong types, decimals, currencies and enums get Amazon's codes", async () => {
    const client = sdkClient(emulator, merchant);
    const created = await createSession(client);
    const id = created.data.checkoutSessionId;
    const cases: [unknown, number, string][] = [
      ["[1,2]", 400, "InvalidRequestFormat"],
      [{ surprise: 1 }, 400, "UnrecognizedField"],
      [
        { paymentDetails: { chargeAmount: { amount: "1.00", currencyCode: "EUR", extra: 1 } } },
        400,
        "UnrecognizedField",
      ],
      [{ merchantMetadata: { merchantReferenceId: 42 } }, 400, "InvalidParameterValue"],
      [
        { paymentDetails: { chargeAmount: { amount: "10.001", currencyCode: "EUR" } } },
        400,
        "InvalidParameterValue",
      ],
      [
        { paymentDetails: { chargeAmount: { amount: 1e21, currencyCode: "EUR" } } },
        400,
        "InvalidParameterValue",
      ],
      [
        { paymentDetails: { chargeAmount: { amount: "-1", currencyCode: "EUR" } } },
        400,
        "InvalidParameterValue",
      ],
      [
        { paymentDetails: { chargeAmount: { amount: "1", currencyCode: "XXX" } } },
        400,
        "InvalidParameterValue",
      ],
      [
        {
          paymentDetails: {
            chargeAmount: { amount: "1", currencyCode: "JPY" },
            totalOrderAmount: { amount: "1", currencyCode: "EUR" },
          },
        },
        400,
        "CurrencyMismatch",
      ],
      [{ paymentDetails: { paymentIntent: "Steal" } }, 400, "InvalidParameterValue"],
      [{ paymentDetails: { chargeAmount: { currencyCode: "EUR" } } }, 400, "MissingParameterValue"],
      [{ merchantMetadata: { noteToBuyer: "x".repeat(256) } }, 400, "InvalidParameterValue"],
    ];
    for (const [body, status, reasonCode] of cases) {
      const refused = await failure(client.updateCheckoutSession(id, body));
      assert.deepEqual([refused.status, refused.reasonCode], [status, reasonCode], JSON.stringify(body));
    }
    // The SDK (axios) re-encodes a string that is not JSON, so malformed JSON goes through our signer.
    const malformed = await signedInject({
      method: "PATCH",
      path: `/sandbox/v2/checkoutSessions/${id}`,
      body: "{not json",
    });
    assert.deepEqual([malformed.statusCode, malformed.json().reasonCode], [400, "InvalidRequestFormat"]);
    const jpyMerchant = await createMerchant(emulator, { region: "jp" });
    const jpy = sdkClient(emulator, jpyMerchant);
    const yen = await createSession(jpy, jpyMerchant.storeId);
    const decimals = await failure(
      jpy.updateCheckoutSession(yen.data.checkoutSessionId, {
        paymentDetails: { chargeAmount: { amount: "100.5", currencyCode: "JPY" } },
      }),
    );
    assert.equal(decimals.reasonCode, "InvalidParameterValue");
    const usd = await failure(
      jpy.updateCheckoutSession(yen.data.checkoutSessionId, {
        paymentDetails: { chargeAmount: { amount: "1", currencyCode: "USD" } },
      }),
    );
    assert.equal(usd.reasonCode, "CurrencyMismatch");
    const ok = await jpy.updateCheckoutSession(yen.data.checkoutSessionId, {
      paymentDetails: { chargeAmount: { amount: 1500, currencyCode: "JPY" } },
    });
    assert.deepEqual(ok.data.paymentDetails.chargeAmount, { amount: "1500", currencyCode: "JPY" });
  });

  it("unknown operations and methods", async () => {
    const unknown = await signedInject({ method: "GET", path: "/sandbox/v2/nothingHere" });
    assert.deepEqual([unknown.statusCode, unknown.json().reasonCode], [404, "ResourceNotFound"]);
    const method = await signedInject({ method: "PUT", path: "/sandbox/v2/charges/x", body: "{}" });
    assert.deepEqual([method.statusCode, method.json().reasonCode], [405, "UnsupportedOperation"]);
  });
});
