/**
 * What the official PHP (2.7.2) and Java (2.6.7) Amazon Pay SDKs put on the wire, replayed
 * against a real emulator over HTTPS. `scripts/sdk-check/php.sh` and `java.sh` run the SDKs
 * themselves (they are not in this repository, so not in CI); this file keeps the forms they
 * were seen to send, captured from those runs, so that a change to the emulator's signature
 * check, routing or JSON parsing that would break them fails here:
 *
 * - PHP: `Host` without the port (HttpCurl forces port 443), `Content-Length: 0` and a content
 *   type on GET, the idempotency header as the caller spelled it (`x-amz-pay-Idempotency-Key`)
 *   but signed lower-cased, the simulation header sent unsigned, `x-amz-pay-region: eu`, a query
 *   sorted and RFC 3986-encoded (`%2C`), `report-schedules?` with an empty query, bodies from
 *   `json_encode` (`\/` and `\u00c4`).
 * - Java: `/reports/?…` and `/report-schedules/?` (a slash before the query), the query raw on
 *   the wire (`A,B`, map order) but sorted and encoded in the canonical request, every caller
 *   header signed (the simulation code too), `x-amz-pay-region: EU`, `Host` with the port, bodies
 *   from Android's org.json (`\/`, non-ASCII raw).
 *
 * The canonical requests below are written out per SDK, independently of src/amazon/canonical.ts.
 */
import assert from "node:assert/strict";
import { constants, createHash, createPrivateKey, sign } from "node:crypto";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { EMULATOR_MIGRATIONS_DIR, type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import { createCertificate } from "../src/http/tls.js";
import { openTestDatabase } from "../src/store/test-database.js";
import { admin, advanceClock, createMerchant, type TestMerchant } from "./emulator-sdk-support.js";

type Sdk = "php" | "java";
type Algorithm = "AMZN-PAY-RSASSA-PSS" | "AMZN-PAY-RSASSA-PSS-V2";

interface Wire {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: Amazon's JSON; the tests assert on it.
  body: any;
}

let emulator: RunningEmulator;
let ca: string;
let legacy: TestMerchant;
let prefixed: TestMerchant;

before(async () => {
  const certificate = await createCertificate();
  ca = certificate.cert;
  emulator = await startEmulator({
    port: 0,
    tls: certificate,
    ipn: false,
    db: await openTestDatabase(EMULATOR_MIGRATIONS_DIR),
  });
  legacy = await createMerchant(emulator, { region: "eu" });
  prefixed = await createMerchant(emulator, { region: "eu", environment: "sandbox" });
});

after(async () => {
  await emulator?.close();
});

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

function amazonDate(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** PHP `json_encode` without flags: `/` as `\/`, everything beyond ASCII as `\uXXXX`. */
function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("/", "\\/")
    .replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Android org.json `toString()`: `/` as `\/`, non-ASCII raw. */
function javaJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("/", "\\/");
}

/** PHP `rawurlencode` with `%7E` → `~`. */
function phpEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Java `URLEncoder.encode` then Util.urlEncode's fix-ups (`+` → `%20`, `*` → `%2A`, `%7E` → `~`). */
const javaEncode = phpEncode;

interface Call {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** After `/sandbox/v2/` or `/v2/`, e.g. `checkoutSessions/ID`. */
  fragment: string;
  /** Query parameters in the caller's order; `{}` sends PHP's bare `?`. */
  query?: Record<string, string>;
  body?: unknown;
  /** Caller headers as the caller spelled them. */
  headers?: Record<string, string>;
}

/** One request exactly as the given SDK sends it (header names, order, values and signature). */
function send(sdk: Sdk, merchant: TestMerchant, algorithm: Algorithm, call: Call): Promise<Wire> {
  const base = merchant.publicKeyId.startsWith("SANDBOX") ? "/v2/" : "/sandbox/v2/";
  const date = amazonDate();
  const body = call.body === undefined ? "" : sdk === "php" ? phpJson(call.body) : javaJson(call.body);
  const callerHeaders = call.headers ?? {};
  const saltLength = algorithm === "AMZN-PAY-RSASSA-PSS" ? 20 : 32;
  const query = call.query ?? {};
  const sortedQuery = Object.keys(query)
    .sort()
    .map((name) => `${phpEncode(name)}=${(sdk === "php" ? phpEncode : javaEncode)(query[name] as string)}`)
    .join("&");

  let path: string;
  let signed: Record<string, string>;
  if (sdk === "php") {
    // Client::apiCall: `?` + the canonical query whenever query parameters were given.
    path = `${base}${call.fragment}${call.query === undefined ? "" : `?${sortedQuery}`}`;
    signed = { accept: "application/json", "content-type": "application/json", "x-amz-pay-region": "eu" };
    for (const [name, value] of Object.entries(callerHeaders)) {
      if (name.toLowerCase() === "x-amz-pay-idempotency-key") signed["x-amz-pay-idempotency-key"] = value;
    }
  } else {
    // WebstoreClient: `path + "/?" + name=value&…` raw, in the map's order.
    const raw = Object.entries(query)
      .map(([name, value]) => `${name}=${value}`)
      .join("&");
    path = `${base}${call.fragment}${call.query === undefined ? "" : `/?${raw}`}`;
    signed = { accept: "application/json", "content-type": "application/json", "x-amz-pay-region": "EU" };
    for (const [name, value] of Object.entries(callerHeaders)) signed[name.toLowerCase()] = value;
  }
  signed["x-amz-pay-date"] = date;
  signed["x-amz-pay-host"] = "127.0.0.1";
  const names = Object.keys(signed).sort();
  // PHP: parse_url's path; Java: URI.getPath() through Util.urlEncode (`/` kept): both the path sent.
  const canonicalPath = path.split("?")[0] as string;
  const canonical = [
    call.method,
    canonicalPath,
    sortedQuery,
    names.map((name) => `${name}:${signed[name]}\n`).join(""),
    names.join(";"),
    sha256(body),
  ].join("\n");
  const signature = sign("sha256", Buffer.from(`${algorithm}\n${sha256(canonical)}`, "utf8"), {
    key: createPrivateKey(merchant.privateKeyPem),
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength,
  }).toString("base64");
  const authorization = `${algorithm} PublicKeyId=${merchant.publicKeyId}, SignedHeaders=${names.join(";")}, Signature=${signature}`;

  const headers: [string, string][] =
    sdk === "php"
      ? [
          ["Host", "127.0.0.1"],
          ["accept", "application/json"],
          ["authorization", authorization],
          ["content-type", "application/json"],
          ["user-agent", "amazon-pay-api-sdk-php/2.7.2 (PHP/8.2.36; Linux/x86_64/6.1)"],
          ["x-amz-pay-date", date],
          ["x-amz-pay-host", "127.0.0.1"],
          ["x-amz-pay-language-version", "8.2.36"],
          ["x-amz-pay-region", "eu"],
          ["x-amz-pay-sdk-type", "PHP"],
          ["x-amz-pay-sdk-version", "2.7.2"],
          ...Object.entries(callerHeaders),
          ["Content-Length", String(Buffer.byteLength(body))],
        ]
      : [
          ["authorization", authorization],
          ["x-amz-pay-region", "EU"],
          ...Object.entries(callerHeaders).map(
            ([name, value]) => [name.toLowerCase(), value] as [string, string],
          ),
          ["content-type", "application/json"],
          ["x-amz-pay-host", "127.0.0.1"],
          ["x-amz-pay-date", date],
          ["accept", "application/json"],
          ["user-agent", "amazon-pay-api-sdk-java/2.6.7 (Java/17.0.15; Linux/6.1)"],
          ...(call.method === "GET"
            ? []
            : [["Content-Length", String(Buffer.byteLength(body))] as [string, string]]),
          ["Host", `127.0.0.1:${emulator.port}`],
          ["Connection", "Keep-Alive"],
          ["Accept-Encoding", "gzip,deflate"],
        ];

  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port: emulator.port, method: call.method, path, ca, servername: "localhost" },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => {
          assert.ok(response.headers["x-amz-pay-request-id"], "x-amz-pay-request-id (both SDKs read it)");
          resolve({ status: response.statusCode ?? 0, body: text === "" ? {} : JSON.parse(text) });
        });
      },
    );
    for (const [name, value] of headers) outgoing.setHeader(name, value);
    outgoing.on("error", reject);
    outgoing.end(body === "" && sdk === "java" && call.method === "GET" ? undefined : body);
  });
}

const eur = (amount: string) => ({ amount, currencyCode: "EUR" });
let counter = 0;
const key = () => `wire${Date.now().toString(36)}${++counter}`;

/** A whole payment as one SDK sends it, up to a captured charge. */
async function capturedCharge(
  sdk: Sdk,
  merchant: TestMerchant,
  algorithm: Algorithm,
): Promise<{ sessionId: string; permissionId: string; chargeId: string }> {
  const idempotency = sdk === "php" ? "x-amz-pay-Idempotency-Key" : "x-amz-pay-idempotency-key";
  const created = await send(sdk, merchant, algorithm, {
    method: "POST",
    fragment: "checkoutSessions",
    body: {
      webCheckoutDetails: { checkoutReviewReturnUrl: "https://shop.example/review?step=1&x=y" },
      storeId: merchant.storeId,
      merchantMetadata: { merchantReferenceId: "Order-1 ÄÖÜ €", noteToBuyer: "Danke / thanks" },
    },
    headers: { [idempotency]: key() },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.merchantMetadata.merchantReferenceId, "Order-1 ÄÖÜ €");
  assert.equal(created.body.merchantMetadata.noteToBuyer, "Danke / thanks");
  const sessionId = created.body.checkoutSessionId as string;
  await admin(emulator, `/__admin/checkout-sessions/${sessionId}/approve`);
  const read = await send(sdk, merchant, algorithm, {
    method: "GET",
    fragment: `checkoutSessions/${sessionId}`,
  });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  const updated = await send(sdk, merchant, algorithm, {
    method: "PATCH",
    fragment: `checkoutSessions/${sessionId}`,
    body: {
      webCheckoutDetails: { checkoutResultReturnUrl: "https://shop.example/result" },
      paymentDetails: { paymentIntent: "Authorize", chargeAmount: eur("50.00") },
      merchantMetadata: { merchantReferenceId: "Ä/€" },
    },
  });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  assert.equal(updated.body.merchantMetadata.merchantReferenceId, "Ä/€");
  await admin(emulator, `/__admin/checkout-sessions/${sessionId}/authenticate`);
  const completed = await send(sdk, merchant, algorithm, {
    method: "POST",
    fragment: `checkoutSessions/${sessionId}/complete`,
    body: { chargeAmount: eur("50.00") },
  });
  assert.equal(completed.status, 200, JSON.stringify(completed.body));
  const chargeId = completed.body.chargeId as string;
  const captured = await send(sdk, merchant, algorithm, {
    method: "POST",
    fragment: `charges/${chargeId}/capture`,
    body: { captureAmount: eur("50.00") },
    headers: { [idempotency]: key() },
  });
  assert.equal(captured.status, 200, JSON.stringify(captured.body));
  assert.equal(captured.body.statusDetails.state, "Captured");
  return { sessionId, permissionId: completed.body.chargePermissionId as string, chargeId };
}

const RUNS: [Sdk, "legacy" | "SANDBOX-", Algorithm][] = [
  ["php", "legacy", "AMZN-PAY-RSASSA-PSS"],
  ["php", "SANDBOX-", "AMZN-PAY-RSASSA-PSS-V2"],
  ["java", "legacy", "AMZN-PAY-RSASSA-PSS"],
  ["java", "SANDBOX-", "AMZN-PAY-RSASSA-PSS-V2"],
];

for (const [sdk, style, algorithm] of RUNS) {
  describe(`the ${sdk === "php" ? "PHP" : "Java"} SDK's requests (${style} key id, ${algorithm})`, () => {
    const merchant = () => (style === "legacy" ? legacy : prefixed);

    it("a payment: create, get, update, complete, capture; refund with a simulation code; close", async () => {
      const { permissionId, chargeId } = await capturedCharge(sdk, merchant(), algorithm);
      const idempotency = sdk === "php" ? "x-amz-pay-Idempotency-Key" : "x-amz-pay-idempotency-key";
      const refundKey = key();
      const refund = () =>
        send(sdk, merchant(), algorithm, {
          method: "POST",
          fragment: "refunds",
          body: { chargeId, refundAmount: eur("20.00") },
          // PHP sends the simulation code unsigned, Java signs it.
          headers: { [idempotency]: refundKey, "x-amz-pay-simulation-code": "RefundDeclined" },
        });
      const first = await refund();
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.statusDetails.state, "RefundInitiated");
      const replay = await refund();
      assert.equal(replay.body.refundId, first.body.refundId, "the idempotency key as the SDK spells it");
      await advanceClock(emulator, 31);
      const read = await send(sdk, merchant(), algorithm, {
        method: "GET",
        fragment: `refunds/${first.body.refundId}`,
      });
      assert.equal(read.body.statusDetails.state, "Declined", "the simulation code reached the emulator");
      const closed = await send(sdk, merchant(), algorithm, {
        method: "DELETE",
        fragment: `chargePermissions/${permissionId}/close`,
        body: { closureReason: "Kasse wire test", cancelPendingCharges: true },
      });
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      assert.equal(closed.body.statusDetails.state, "Closed");
    });

    it("reports: create, list with comma lists, list schedules with and without a type", async () => {
      const idempotency = sdk === "php" ? "x-amz-pay-Idempotency-Key" : "x-amz-pay-idempotency-key";
      const created = await send(sdk, merchant(), algorithm, {
        method: "POST",
        fragment: "reports",
        body: {
          reportType: "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_",
          startTime: "20221114T074550Z",
          endTime: "20221115T074550Z",
        },
        headers: { [idempotency]: key() },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const listed = await send(sdk, merchant(), algorithm, {
        method: "GET",
        fragment: "reports",
        query: {
          reportTypes:
            "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_,_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_",
          processingStatuses: "COMPLETED,CANCELLED",
        },
      });
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      assert.ok(
        (listed.body.reports as { reportId: string }[]).some(
          (report) => report.reportId === created.body.reportId,
        ),
      );
      const schedule = await send(sdk, merchant(), algorithm, {
        method: "POST",
        fragment: "report-schedules",
        body: {
          reportType: "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_",
          scheduleFrequency: "P1D",
          nextReportCreationTime: "20221114T074550Z",
          deleteExistingSchedule: true,
        },
      });
      assert.equal(schedule.status, 201, JSON.stringify(schedule.body));
      const byType = await send(sdk, merchant(), algorithm, {
        method: "GET",
        fragment: "report-schedules",
        query: { reportTypes: "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_" },
      });
      assert.equal(byType.status, 200, JSON.stringify(byType.body));
      assert.equal(byType.body.reportSchedules.length, 1);
      // PHP: `report-schedules?` (its null reportTypes leave the query empty); Java: `report-schedules/?`.
      const all = await send(sdk, merchant(), algorithm, {
        method: "GET",
        fragment: "report-schedules",
        query: {},
      });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.equal(all.body.reportSchedules.length, 1);
    });
  });
}

describe("a signature the SDKs' form does not match", () => {
  it("is refused: the wrong private key → 403 InvalidRequestSignature", async () => {
    const impostor = { ...legacy, privateKeyPem: prefixed.privateKeyPem };
    const refused = await send("php", impostor, "AMZN-PAY-RSASSA-PSS", {
      method: "GET",
      fragment: "checkoutSessions/00000000-0000-4000-8000-000000000000",
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.reasonCode, "InvalidRequestSignature");
  });
});
