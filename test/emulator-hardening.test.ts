/**
 * Hostile input and slow clients against a real emulator (issue 12): NUL bytes, text that is not
 * valid Unicode, malformed percent-encoding, deeply nested and huge JSON in the admin API, the
 * buyer pages and Amazon's API are answered 400 in Amazon's error shape (never 500) and change
 * nothing; clients that send their request too slowly are cut off; a configured admin token is
 * asked for.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect } from "node:tls";
import type { InjectOptions } from "fastify";
import type { RunningEmulator } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { MAXIMUM_BODY_DEPTH } from "../src/emulator/input-guard.js";
import { createCertificate } from "../src/http/tls.js";
import {
  createMerchant,
  failure,
  headers,
  REVIEW_URL,
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

async function objectCount(): Promise<number> {
  const [row] = await emulator.db.query<{ n: string | number }>(
    "select (select count(*) from objects) + (select count(*) from merchants) + (select count(*) from public_keys) as n",
  );
  return Number(row?.n);
}

function assertAmazon400(answer: { statusCode: number; body: string }, what: string): string {
  assert.equal(answer.statusCode, 400, `${what}: ${answer.statusCode} ${answer.body}`);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ["reasonCode", "message"], what);
  return body.reasonCode as string;
}

const nested = (depth: number): unknown => {
  let value: unknown = "deep";
  for (let level = 0; level < depth; level++) value = [value];
  return value;
};

describe("bad input is a 400 in Amazon's shape and changes nothing", () => {
  it("NUL bytes and invalid text in admin paths and bodies", async () => {
    const before = await objectCount();
    const cases: Array<[string, InjectOptions]> = [
      ["NUL in an admin path", { method: "POST", url: "/__admin/merchants/%00/keys", payload: {} }],
      [
        "NUL in a shortcut path",
        { method: "POST", url: "/__admin/checkout-sessions/a%00b/approve", payload: {} },
      ],
      [
        "NUL in an admin body",
        { method: "POST", url: "/__admin/merchants", payload: { region: "eu", name: "a\u0000b" } },
      ],
      [
        "a lone surrogate in an admin body",
        {
          method: "POST",
          url: "/__admin/merchants",
          payload: '{"region":"eu","name":"\\ud800"}',
          headers: { "content-type": "application/json" },
        },
      ],
      ["NUL in an admin key", { method: "POST", url: "/__admin/faults", payload: { "x\u0000": 1 } }],
      ["NUL in a query", { method: "GET", url: "/__admin/clock?at=%00" }],
    ];
    for (const [what, request] of cases) assertAmazon400(await emulator.app.inject(request), what);
    assert.equal(await objectCount(), before);
  });

  it("NUL bytes and malformed encoding in the buyer pages' queries and forms", async () => {
    const before = await objectCount();
    const cases: Array<[string, InjectOptions]> = [
      ["NUL in a page query", { method: "GET", url: "/buyer/confirm?amazonCheckoutSessionId=%00" }],
      [
        "malformed percent-encoding",
        { method: "GET", url: "/buyer/confirm?amazonCheckoutSessionId=%E0%A4%A" },
      ],
      [
        "NUL in a form",
        {
          method: "POST",
          url: "/buyer/cancel",
          payload: "amazonCheckoutSessionId=%00",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        },
      ],
      [
        "NUL in the button's JSON",
        {
          method: "POST",
          url: "/buyer/button",
          payload: { payloadJSON: "{}\u0000", signature: "x", publicKeyId: "y" },
        },
      ],
      ["NUL in an account page path", { method: "GET", url: "/jr/your-account/ba/S01%00" }],
    ];
    for (const [what, request] of cases) assertAmazon400(await emulator.app.inject(request), what);
    assert.equal(await objectCount(), before);
  });

  it("deeply nested and huge JSON", async () => {
    const before = await objectCount();
    const deep = await emulator.app.inject({
      method: "POST",
      url: "/__admin/merchants",
      payload: { region: "eu", name: nested(MAXIMUM_BODY_DEPTH + 1) },
    });
    assert.equal(assertAmazon400(deep, "nested admin JSON"), "InvalidRequestFormat");
    const veryDeep = await emulator.app.inject({
      method: "POST",
      url: "/__admin/faults",
      payload: `{"failures":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      headers: { "content-type": "application/json" },
    });
    assertAmazon400(veryDeep, "100,000 levels");
    const huge = await emulator.app.inject({
      method: "POST",
      url: "/__admin/merchants",
      payload: { region: "eu", name: "x".repeat(2 * 1024 * 1024) },
    });
    assert.equal(assertAmazon400(huge, "a 2 MB admin body"), "InvalidRequestFormat");
    assert.equal(await objectCount(), before);
  });

  it("Amazon's API: NUL in a path or a signed body, nesting, and the emulator keeps working", async () => {
    const before = await objectCount();
    assertAmazon400(
      await emulator.app.inject({ method: "GET", url: "/sandbox/v2/checkoutSessions/%00" }),
      "API path",
    );
    const client = sdkClient(emulator, merchant);
    const base = { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId };
    const nul = await failure(
      client.createCheckoutSession({ ...base, merchantMetadata: { noteToBuyer: "a\u0000b" } }, headers()),
    );
    assert.deepEqual([nul.status, nul.reasonCode], [400, "InvalidParameterValue"]);
    const key = await failure(
      client.createCheckoutSession(
        {
          ...base,
          deliverySpecifications: {
            addressRestrictions: { type: "Allowed", restrictions: { "D\u0000E": {} } },
          },
        },
        headers(),
      ),
    );
    assert.deepEqual([key.status, key.reasonCode], [400, "InvalidParameterValue"]);
    const deep = await failure(
      client.createCheckoutSession({ ...base, supplementaryData: nested(1_000) }, headers()),
    );
    assert.equal(deep.status, 400);
    assert.equal(await objectCount(), before);
    assert.equal((await client.createCheckoutSession(base, headers())).status, 201);
  });
});

/** Opens a TLS connection, sends `first`, then one byte of `rest` every 100 ms; resolves when the server closes it. */
function slowClient(port: number, first: string, rest: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      socket.write(first);
      let index = 0;
      const timer = setInterval(() => {
        if (index < rest.length && !socket.destroyed) socket.write(rest[index++] as string);
      }, 100);
      let received = "";
      socket.on("data", (chunk) => (received += chunk.toString()));
      socket.on("close", () => {
        clearInterval(timer);
        resolve(received);
      });
    });
    socket.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code === "ECONNRESET") return;
      reject(error);
    });
  });
}

describe("slow clients are cut off", () => {
  let slow: RunningEmulator;
  before(async () => {
    slow = await startEmulator({
      port: 0,
      tls: await createCertificate(),
      ipn: false,
      timeouts: { requestMs: 1_000, headersMs: 500 },
    });
  });
  after(() => slow.close());

  it("a request whose headers never end", { timeout: 20_000 }, async () => {
    const answer = await slowClient(
      slow.port,
      "GET /__admin/health HTTP/1.1\r\nHost: x\r\n",
      "X-Slow: 1".repeat(200),
    );
    assert.doesNotMatch(answer, /^HTTP\/1\.1 200/);
  });

  it("a request whose body trickles in", { timeout: 20_000 }, async () => {
    const body = JSON.stringify({ advanceSeconds: 1 }).padEnd(200, " ");
    const answer = await slowClient(
      slow.port,
      `POST /__admin/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
    assert.doesNotMatch(answer, /^HTTP\/1\.1 200/);
    const clock = await slow.app.inject({ method: "GET", url: "/__admin/clock" });
    assert.equal(clock.json().offsetSeconds, 0);
  });
});

describe("a configured admin token", () => {
  it("is asked for on /__admin; the API and the buyer pages do not need it", async () => {
    const guarded = await startEmulator({
      port: 0,
      tls: await createCertificate(),
      ipn: false,
      adminToken: "t0ken",
    });
    try {
      assert.equal(guarded.adminToken, "t0ken");
      assert.equal(guarded.generatedAdminToken, undefined);
      const refused = await guarded.app.inject({
        method: "POST",
        url: "/__admin/merchants",
        payload: { region: "eu" },
      });
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().reasonCode, "UnauthorizedAccess");
      const created = await guarded.app.inject({
        method: "POST",
        url: "/__admin/merchants",
        payload: { region: "eu" },
        headers: { authorization: "Bearer t0ken" },
      });
      assert.equal(created.statusCode, 201);
      const page = await guarded.app.inject({ method: "GET", url: "/checkout.js" });
      assert.equal(page.statusCode, 200);
    } finally {
      await guarded.close();
    }
  });
});
