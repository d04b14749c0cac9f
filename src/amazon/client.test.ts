import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../core/clock.js";
import { createCertificate } from "../http/tls.js";
import { parseAuthorization } from "./canonical.js";
import { AmazonPayClient, type AmazonPayClientOptions } from "./client.js";
import {
  AmazonPayApiError,
  AmazonPayConfigurationError,
  AmazonPayConnectionError,
  AmazonPayDeclineError,
} from "./errors.js";
import { verifyRequestSignature } from "./signer.js";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKeyPem = keys.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const publicKey = createPublicKey(privateKeyPem);

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  verified: boolean;
}

interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (to provoke a timeout). */
  hang?: boolean;
}

/** A scripted HTTPS stand-in for Amazon that checks every signature it receives. */
class FakeAmazon {
  readonly received: Received[] = [];
  readonly script: Scripted[] = [];
  connections = 0;
  server!: Server;
  cert = "";
  #hanging: ServerResponse[] = [];

  async start() {
    const { cert, key } = await createCertificate();
    this.cert = cert;
    this.server = createServer({ cert, key }, (request, response) => this.#handle(request, response));
    this.server.on("secureConnection", () => this.connections++);
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
  }

  get host() {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset() {
    this.received.length = 0;
    this.script.length = 0;
    this.connections = 0;
    for (const response of this.#hanging) response.destroy();
    this.#hanging = [];
    this.server.closeAllConnections();
  }

  async stop() {
    this.reset();
    this.server.close();
    await once(this.server, "close");
  }

  async #handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(request.url ?? "/", "https://x");
    const verification = verifyRequestSignature(
      {
        method: request.method ?? "",
        path: url.pathname,
        query: url.search.slice(1),
        header: (name) => {
          const value = request.headers[name];
          return Array.isArray(value) ? value.join(",") : value;
        },
        body,
      },
      (id) => (id === "AKEY" || id === "SANDBOX-AKEY" ? publicKey : undefined),
    );
    this.received.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      body,
      verified: verification.ok,
    });
    const next = this.script.shift() ?? { status: 200, body: {} };
    if (next.hang) {
      this.#hanging.push(response);
      return;
    }
    response.writeHead(next.status, {
      "content-type": "application/json",
      "x-amz-pay-request-id": `req-${this.received.length}`,
      ...next.headers,
    });
    response.end(next.body === undefined ? "" : JSON.stringify(next.body));
  }
}

const amazon = new FakeAmazon();
const sleeps: number[] = [];
const clients: AmazonPayClient[] = [];

function client(overrides: Partial<AmazonPayClientOptions> = {}) {
  const created = new AmazonPayClient({
    region: "de",
    environment: "sandbox",
    publicKeyId: "AKEY",
    privateKey: privateKeyPem,
    baseUrl: amazon.host,
    ca: amazon.cert,
    clock: new ManualClock(Date.UTC(2026, 4, 6, 7, 8, 9)),
    random: () => 0.5,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    ...overrides,
  });
  clients.push(created);
  return created;
}

const CHARGE = { chargeId: "S01-1234567-1234567-C000001", statusDetails: { state: "Captured" } };
const EUR = (amount: string) => ({ amount, currencyCode: "EUR" });

describe("AmazonPayClient over HTTPS", () => {
  before(() => amazon.start());
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await amazon.stop();
  });
  beforeEach(() => {
    amazon.reset();
    sleeps.length = 0;
  });

  it("sends correctly signed requests to the legacy path with the compact date", async () => {
    amazon.script.push({ status: 200, body: CHARGE });
    const response = await client().getCharge("S01-1234567-1234567-C000001");
    assert.deepEqual(response, { status: 200, requestId: "req-1", body: CHARGE });
    const [request] = amazon.received;
    assert.equal(request?.verified, true);
    assert.equal(request?.method, "GET");
    assert.equal(request?.url, "/sandbox/v2/charges/S01-1234567-1234567-C000001");
    assert.equal(request?.headers["x-amz-pay-date"], "20260506T070809Z");
    assert.equal(request?.headers["x-amz-pay-host"], amazon.host);
    assert.equal(request?.headers["x-amz-pay-region"], "eu");
    assert.equal(request?.body, "");
  });

  it("uses /v2 for environment-specific keys, encodes ids and sorts the query", async () => {
    const c = client({ publicKeyId: "SANDBOX-AKEY" });
    await c.getBuyer("a b/+=ü");
    await c.getReports({
      reportTypes: [
        "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_",
        "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_",
      ],
      pageSize: 10,
      createdSince: "20260101T000000Z",
    });
    assert.deepEqual(
      amazon.received.map((r) => [r.url, r.verified]),
      [
        ["/v2/buyers/a%20b%2F%2B%3D%C3%BC", true],
        [
          "/v2/reports?createdSince=20260101T000000Z&pageSize=10&reportTypes=_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_%2C_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_",
          true,
        ],
      ],
    );
  });

  it("signs the idempotency key, sends the simulation code unsigned, and the JSON body on DELETE", async () => {
    const c = client();
    await c.createCharge(
      { chargePermissionId: "S01-1234567-1234567", chargeAmount: EUR("14.00"), captureNow: true },
      { idempotencyKey: "auth-S01-1", simulationCode: "HardDeclined" },
    );
    await c.cancelCharge("S01-1-2-C3", { cancellationReason: "out of stock" });
    const [create, cancel] = amazon.received;
    assert.equal(create?.verified, true);
    assert.equal(create?.headers["x-amz-pay-idempotency-key"], "auth-S01-1");
    assert.equal(create?.headers["x-amz-pay-simulation-code"], "HardDeclined");
    const signed = parseAuthorization(String(create?.headers.authorization))?.signedHeaders;
    assert.ok(signed?.includes("x-amz-pay-idempotency-key"));
    assert.ok(!signed?.includes("x-amz-pay-simulation-code"));
    assert.equal(
      create?.body,
      '{"chargePermissionId":"S01-1234567-1234567","chargeAmount":{"amount":"14.00","currencyCode":"EUR"},"captureNow":true}',
    );
    assert.equal(cancel?.method, "DELETE");
    assert.equal(cancel?.body, '{"cancellationReason":"out of stock"}');
    assert.equal(cancel?.verified, true);
    assert.equal(cancel?.headers["x-amz-pay-idempotency-key"], undefined);
  });

  it("retries 503 and 429 with the same idempotency key, backing off with full jitter and Retry-After", async () => {
    amazon.script.push(
      { status: 503, body: { reasonCode: "ServiceUnavailable", message: "busy" } },
      {
        status: 429,
        body: { reasonCode: "TooManyRequests", message: "slow down" },
        headers: { "retry-after": "3" },
      },
      { status: 201, body: CHARGE },
    );
    const response = await client().captureCharge(
      "S01-1-2-C3",
      { captureAmount: EUR("14.00") },
      { idempotencyKey: "cap-S01-1-2-C3-1" },
    );
    assert.equal(response.status, 201);
    assert.equal(amazon.received.length, 3);
    for (const request of amazon.received) {
      assert.equal(request.verified, true);
      assert.equal(request.headers["x-amz-pay-idempotency-key"], "cap-S01-1-2-C3-1");
      assert.equal(request.body, '{"captureAmount":{"amount":"14.00","currencyCode":"EUR"}}');
    }
    // random() = 0.5: half of 500 ms, then Retry-After 3 s outranks half of 1000 ms.
    assert.deepEqual(sleeps, [250, 3000]);
  });

  it("stops at a 4xx and carries reasonCode, status and request id", async () => {
    amazon.script.push({
      status: 422,
      body: { reasonCode: "InvalidChargeStatus", message: "not authorized" },
    });
    const error = await client()
      .captureCharge("S01-1-2-C3", { captureAmount: EUR("1.00") }, { idempotencyKey: "cap-1" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof AmazonPayApiError);
    assert.equal(error.reasonCode, "InvalidChargeStatus");
    assert.equal(error.message, "not authorized");
    assert.equal(error.httpStatus, 422);
    assert.equal(error.requestId, "req-1");
    assert.equal(error.outcome, "fail");
    assert.equal(error.operation, "captureCharge");
    assert.equal(amazon.received.length, 1);
    assert.deepEqual(sleeps, []);
  });

  it("types declines", async () => {
    amazon.script.push({ status: 422, body: { reasonCode: "HardDeclined", message: "declined" } });
    const error = await client()
      .createCharge(
        { chargePermissionId: "S01-1-2", chargeAmount: EUR("5.00") },
        { idempotencyKey: "auth-1" },
      )
      .catch((e: unknown) => e);
    assert.ok(error instanceof AmazonPayDeclineError);
    assert.equal(error.outcome, "fail");
  });

  it("after the last attempt, a money-moving call has an unknown outcome and a read is retryable", async () => {
    const busy = { status: 503, body: { reasonCode: "ServiceUnavailable", message: "busy" } };
    amazon.script.push(busy, busy, busy);
    const capture = await client({ retry: { maxAttempts: 3 } })
      .captureCharge("S01-1-2-C3", { captureAmount: EUR("1.00") }, { idempotencyKey: "cap-2" })
      .catch((e: unknown) => e);
    assert.ok(capture instanceof AmazonPayApiError);
    assert.equal(capture.outcome, "unknownOutcome");
    assert.equal(capture.attempts, 3);
    assert.equal(amazon.received.length, 3);

    amazon.script.push(busy, busy);
    const read = await client({ retry: { maxAttempts: 2 } })
      .getCharge("S01-1-2-C3")
      .catch((e: unknown) => e);
    assert.ok(read instanceof AmazonPayApiError);
    assert.equal(read.outcome, "retry");
    assert.equal(amazon.received.length, 5);
  });

  it("keeps one connection alive across calls", async () => {
    const c = client({ connections: 1 });
    for (let i = 0; i < 4; i++) await c.getRefund(`S01-1-2-R00000${i}`);
    assert.equal(amazon.received.length, 4);
    assert.equal(amazon.connections, 1);
  });

  it("reuses pooled connections for sequential calls", async () => {
    // undici's Pool may open a second connection while the first is being released; sequential
    // calls must still not open one connection per request.
    const c = client();
    for (let i = 0; i < 6; i++) await c.getRefund(`S01-1-2-R00000${i}`);
    assert.equal(amazon.received.length, 6);
    assert.ok(amazon.connections <= 2, `${amazon.connections} connections for 6 calls`);
  });

  it("verifies TLS: the self-signed certificate fails without `ca`, and nothing is retried", async () => {
    const error = await client({ ca: undefined })
      .captureCharge("S01-1-2-C3", { captureAmount: EUR("1.00") }, { idempotencyKey: "cap-3" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof AmazonPayConnectionError);
    assert.equal(error.reasonCode, "TlsError");
    assert.equal(error.outcome, "fail");
    assert.equal(amazon.received.length, 0);
    assert.deepEqual(sleeps, []);
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined);
  });

  it("a timed-out money-moving call is retried with its key, then reported as unknown outcome", async () => {
    amazon.script.push({ status: 0, hang: true }, { status: 0, hang: true });
    const error = await client({ retry: { maxAttempts: 2 }, timeouts: { responseMs: 200 } })
      .createRefund({ chargeId: "S01-1-2-C3", refundAmount: EUR("1.00") }, { idempotencyKey: "ref-1" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof AmazonPayConnectionError);
    assert.equal(error.reasonCode, "Timeout");
    assert.equal(error.outcome, "unknownOutcome");
    assert.deepEqual(
      amazon.received.map((r) => r.headers["x-amz-pay-idempotency-key"]),
      ["ref-1", "ref-1"],
    );
  });

  it("a refused connection proves nothing was sent: retryable even for money", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, "close");
    const error = await client({ baseUrl: `127.0.0.1:${port}`, retry: { maxAttempts: 2 } })
      .createRefund({ chargeId: "S01-1-2-C3", refundAmount: EUR("1.00") }, { idempotencyKey: "ref-2" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof AmazonPayConnectionError);
    assert.equal(error.reasonCode, "NetworkError");
    assert.equal(error.outcome, "retry");
    assert.equal(sleeps.length, 1);
  });

  it("refuses bad idempotency keys and mismatched key environments before sending anything", async () => {
    for (const key of ["", "x".repeat(33), "has space", "ümlaut"]) {
      await assert.rejects(
        client().createRefund({ chargeId: "S01-1-2-C3", refundAmount: EUR("1.00") }, { idempotencyKey: key }),
        AmazonPayConfigurationError,
      );
    }
    assert.throws(() => client({ publicKeyId: "LIVE-AKEY" }), AmazonPayConfigurationError);
    assert.throws(() => client({ privateKey: "not a key" }), AmazonPayConfigurationError);
    assert.throws(() => client({ baseUrl: "https://127.0.0.1:1" }), AmazonPayConfigurationError);
    assert.equal(amazon.received.length, 0);
  });
});
