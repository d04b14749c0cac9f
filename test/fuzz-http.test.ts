/**
 * HTTP fuzzing of every door (docs/RELIABILITY.md): seeded malformed requests at the Paygate
 * pages, the IPN intake, the admin API, the JSON API, the back office and the emulator, through the real gateway and emulator
 * over HTTPS. Afterwards: no 5xx, every status one of the documented ones, no `error` log line,
 * nothing stored, both servers still serving, and the heap where it was.
 *
 * CI-sized by default (2,000 requests); the larger run is
 * `KASSE_FUZZ_REQUESTS=100000 KASSE_FUZZ_SEED=<seed> node --import tsx --test test/fuzz-http.test.ts`
 * (it prints its seed and figures; replay a failure with the seed).
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { request } from "undici";
import { createLogger } from "../src/log.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { encryptData } from "../src/paygate/crypto.js";
import { ADMIN_TOKEN, createShop, startWorld, type World } from "./paygate-support.js";
import { type SeededRandom, seededRandom } from "./support/seeded-random.js";

const REQUESTS = Number(process.env.KASSE_FUZZ_REQUESTS ?? 2_000);
const SEED = Number(process.env.KASSE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 8;
/** Statuses the doors document (CONFIGURATION.md, paygate-flows.md, async.md, emulator.md). */
const DOCUMENTED = new Set([
  200, 201, 302, 303, 400, 401, 403, 404, 405, 408, 409, 413, 414, 415, 422, 429, 431,
]);

let errorLines = 0;
const logs = new PassThrough();
logs.on("data", (chunk: Buffer) => {
  errorLines += (chunk.toString("utf8").match(/"level":(50|60)/g) ?? []).length;
});

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld({ gateway: { logger: createLogger({ level: "warn", destination: logs }) } });
  shop = await createShop(world, "shop-fuzz");
});
after(() => world.close());

interface Probe {
  readonly kind: string;
  readonly target: "gateway" | "emulator";
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const PAGES = [
  "amazonAPA.aspx",
  "capture.aspx",
  "credit.aspx",
  "reverse.aspx",
  "inquire.aspx",
  "amazonAPAReview.aspx",
  "amazonAPAResult.aspx",
  "amazonAPACancel.aspx",
];
const NASTY = [
  "",
  "\u0000",
  "%00",
  "'; DROP TABLE payments; --",
  "🙂",
  "\uFFFF",
  "a".repeat(5_000),
  "-1",
  "1e309",
  "[]",
  "{}",
  "\r\nX: y",
];

function pick<T>(random: SeededRandom, values: readonly T[]): T {
  return values[random.int(0, values.length - 1)] as T;
}

function garbage(random: SeededRandom, max = 64): string {
  return Array.from({ length: random.int(0, max) }, () => String.fromCharCode(random.int(0, 0x24f))).join("");
}

/** Printable ASCII, for headers (undici refuses to send anything else). */
function ascii(random: SeededRandom, max: number): string {
  return Array.from({ length: random.int(1, max) }, () => String.fromCharCode(random.int(0x21, 0x7e))).join(
    "",
  );
}

function hex(random: SeededRandom, length: number): string {
  return Array.from({ length }, () => "0123456789abcdef"[random.int(0, 15)]).join("");
}

function merchantId(random: SeededRandom): string {
  return pick(random, [shop.merchantId, "unknown-shop", ...NASTY, garbage(random, 40)]);
}

/** A Data value: random hex, odd lengths, AES-like, or a well-encrypted body of garbage pairs. */
function data(random: SeededRandom): string {
  switch (random.int(0, 4)) {
    case 0:
      return hex(random, random.int(0, 128));
    case 1:
      return `${hex(random, 32)}-${hex(random, random.int(0, 96))}`;
    case 2:
      return encryptData(`${garbage(random, 80)}=${garbage(random, 20)}&TransID=${garbage(random, 10)}`, {
        blowfish: shop.blowfishKey,
      }).data;
    case 3:
      return encryptData(
        `MerchantID=${shop.merchantId}&TransID=t${random.int(0, 99)}&Amount=${pick(random, NASTY)}&Currency=EUR&MAC=${hex(random, 64)}&PayID=${hex(random, 32)}`,
        { blowfish: shop.blowfishKey },
      ).data;
    default:
      return pick(random, NASTY);
  }
}

function form(fields: Array<[string, string]>): string {
  return fields.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&");
}

const KINDS: ReadonlyArray<(random: SeededRandom) => Probe> = [
  (random) => {
    const body = form([
      ["MerchantID", merchantId(random)],
      ["Len", pick(random, ["16", "0", "-3", "9999999", "abc", String(random.int(0, 500))])],
      ["Data", data(random)],
      ...(random.next() < 0.3 ? ([["MerchantID", garbage(random)]] as Array<[string, string]>) : []),
    ]);
    const page = pick(random, PAGES);
    return random.next() < 0.5
      ? { kind: "paygate-get", target: "gateway", method: "GET", path: `/${page}?${body}` }
      : {
          kind: "paygate-post",
          target: "gateway",
          method: "POST",
          path: `/${page}`,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body,
        };
  },
  (random) => ({
    kind: "paygate-content-type",
    target: "gateway",
    method: "POST",
    path: `/${pick(random, PAGES)}`,
    headers: {
      "content-type": pick(random, [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "image/png",
      ]),
    },
    body: pick(random, ["{}", "[[[[", garbage(random, 200), `${"{".repeat(5_000)}`]),
  }),
  (random) => ({
    kind: "paygate-return",
    target: "gateway",
    method: "GET",
    path: `/${pick(random, ["amazonAPAReview.aspx", "amazonAPAResult.aspx", "amazonAPACancel.aspx"])}?PayID=${encodeURIComponent(pick(random, [hex(random, 32), ...NASTY]))}&mid=${encodeURIComponent(merchantId(random))}${random.next() < 0.5 ? `&amazonCheckoutSessionId=${encodeURIComponent(garbage(random))}` : ""}`,
  }),
  (random) => {
    const nested = random.int(1, 50_000);
    const sns = {
      Type: pick(random, ["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation", "Other", 5]),
      MessageId: garbage(random),
      TopicArn: garbage(random),
      Message: pick(random, [
        "{}",
        garbage(random),
        JSON.stringify({ MerchantID: garbage(random), ObjectType: "CHARGE" }),
      ]),
      Timestamp: pick(random, ["2020-01-01T00:00:00.000Z", garbage(random), ""]),
      SignatureVersion: pick(random, ["1", "2", "3", ""]),
      Signature: hex(random, 40),
      SigningCertURL: pick(random, [
        "https://sns.eu-west-1.amazonaws.com/x.pem",
        `${world.emulator.url}/__sns/cert.pem`,
        "http://evil.example/x.pem",
        garbage(random),
      ]),
    };
    return {
      kind: "ipn",
      target: "gateway",
      method: "POST",
      path: `/amazonAPAV2Notify.aspx?mid=${encodeURIComponent(merchantId(random))}&region=${encodeURIComponent(pick(random, ["EU", "US", "", "\u0000"]))}`,
      headers: { "content-type": pick(random, ["text/plain", "application/json"]) },
      body: pick(random, [
        JSON.stringify(sns),
        `${"[".repeat(nested)}${"]".repeat(nested)}`,
        garbage(random, 300),
        "",
      ]),
    };
  },
  (random) => {
    const id = encodeURIComponent(pick(random, [shop.merchantId, ...NASTY, garbage(random, 20)]));
    const path = pick(random, [
      "/api/admin/merchants",
      `/api/admin/merchants/${id}`,
      `/api/admin/merchants/${id}/notifications?status=${encodeURIComponent(garbage(random, 10))}&limit=${encodeURIComponent(pick(random, NASTY))}`,
      `/api/admin/merchants/${id}/notifications/${encodeURIComponent(garbage(random, 10))}/resend`,
      `/api/admin/merchants/${id}/subscriptions`,
      `/api/admin/merchants/${id}/charge-permissions/${encodeURIComponent(garbage(random, 10))}/close`,
      `/api/admin/merchants/${id}/operations/${encodeURIComponent(pick(random, [...NASTY, garbage(random, 30)]))}/resume`,
      `/api/admin/operations/given-up?merchantId=${id}&limit=${encodeURIComponent(pick(random, NASTY))}`,
    ]);
    const body = pick(random, [
      "{}",
      "[]",
      "null",
      "{",
      JSON.stringify({
        merchantId: pick(random, NASTY),
        name: garbage(random),
        amazon: { environment: garbage(random, 8), region: "eu" },
      }),
      JSON.stringify({
        merchantId: "fuzz-x",
        name: "\u0000",
        amazon: { environment: "emulator", region: "eu" },
      }),
      JSON.stringify({ settings: { canHandlePendingAuthorization: pick(random, ["yes", 1, null, {}]) } }),
      `${"[".repeat(random.int(1, 20_000))}`,
    ]);
    return {
      kind: "admin",
      target: "gateway",
      method: pick(random, ["GET", "POST", "PATCH", "DELETE", "PUT"]),
      path,
      headers: {
        authorization: random.next() < 0.85 ? `Bearer ${ADMIN_TOKEN}` : `Bearer ${ascii(random, 30)}`,
        "content-type": "application/json",
      },
      body,
    };
  },
  (random) => {
    const id = encodeURIComponent(pick(random, [shop.merchantId, ...NASTY, garbage(random, 20)]));
    const payId = encodeURIComponent(pick(random, [hex(random, 32), ...NASTY, garbage(random, 20)]));
    const path = pick(random, [
      `/api/v1/payments?merchantId=${id}&status=${encodeURIComponent(garbage(random, 10))}&cursor=${encodeURIComponent(garbage(random, 30))}&limit=${encodeURIComponent(pick(random, NASTY))}&from=${encodeURIComponent(pick(random, NASTY))}`,
      `/api/v1/payments/${payId}`,
      `/api/v1/payments/${payId}/${pick(random, ["captures", "refunds", "cancel"])}`,
      `/api/v1/merchants/${id}`,
      `/api/v1/merchants/${id}/${pick(random, ["notifications", "subscriptions", "api-keys", "webhook-endpoints", "cors-origins", "settlements", "request-log"])}`,
      `/api/v1/merchants/${id}/webhook-endpoints/${encodeURIComponent(garbage(random, 12))}/roll-secret`,
      `/api/v1/merchants/${id}/exports/datev?from=${encodeURIComponent(pick(random, NASTY))}&to=${encodeURIComponent(garbage(random, 12))}`,
      `/api/v1/merchants/${id}/accounting/rules/${encodeURIComponent(pick(random, ["SKR03", "SKR99", ...NASTY]))}`,
      `/api/v1/${encodeURIComponent(garbage(random, 20))}`,
    ]);
    return {
      kind: "json-api",
      target: "gateway",
      method: pick(random, ["GET", "POST", "PUT", "PATCH", "DELETE"]),
      path,
      headers: {
        authorization: random.next() < 0.8 ? `Bearer ${ADMIN_TOKEN}` : `Bearer ${ascii(random, 40)}`,
        "content-type": pick(random, ["application/json", "text/plain", "application/x-www-form-urlencoded"]),
        ...(random.next() < 0.5 ? { "idempotency-key": ascii(random, 300) } : {}),
      },
      body: pick(random, [
        "{}",
        "[]",
        "{",
        JSON.stringify({
          amount: pick(random, [-1, 0, 1.5, "12", 2 ** 53, null]),
          currency: garbage(random, 5),
        }),
        JSON.stringify({ url: garbage(random), events: [garbage(random)] }),
        `${'{"a":'.repeat(random.int(1, 20_000))}1`,
        garbage(random, 300),
      ]),
    };
  },
  (random) => ({
    kind: "back-office",
    target: "gateway",
    method: pick(random, ["GET", "POST"]),
    path: `/back-office/${pick(random, ["sign-in", "sign-out", "language", "payments", `payments/${encodeURIComponent(garbage(random, 32))}`, "merchants", encodeURIComponent(garbage(random, 20))])}${random.next() < 0.5 ? `?next=${encodeURIComponent(pick(random, ["//evil.example", "https://evil.example", ...NASTY]))}` : ""}`,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(random.next() < 0.5
        ? { cookie: `__Host-kasse-session=${ascii(random, 60)}; __Host-kasse-sign-in=${ascii(random, 40)}` }
        : {}),
    },
    body: form([
      ["email", pick(random, [...NASTY, garbage(random, 40)])],
      ["password", garbage(random, 80)],
      ["csrf", ascii(random, 40)],
      ["language", pick(random, ["de", "en", ...NASTY])],
    ]),
  }),
  (random) => ({
    kind: "emulator-api",
    target: "emulator",
    method: pick(random, ["GET", "POST", "PATCH", "DELETE"]),
    path: `/${pick(random, ["v2", "sandbox/v2", "live/v2"])}/${pick(random, ["checkoutSessions", "charges", "refunds", "chargePermissions", "reports"])}/${encodeURIComponent(garbage(random, 20))}`,
    headers: {
      "content-type": "application/json",
      authorization: pick(random, [
        "",
        garbage(random),
        "AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=x, SignedHeaders=x-amz-pay-date, Signature=abc",
      ]),
      "x-amz-pay-date": pick(random, ["20200101T000000Z", ascii(random, 10)]),
    },
    body: pick(random, ["{}", "{", garbage(random, 100)]),
  }),
];

test(`HTTP fuzz: ${REQUESTS} malformed requests across every door (seed ${SEED})`, {
  timeout: 1_800_000,
}, async () => {
  const random = seededRandom(SEED);
  const counts = await storedCounts();
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const statuses = new Map<string, number>();
  const unexpected: string[] = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const probe = (KINDS[random.int(0, KINDS.length - 1)] as (r: SeededRandom) => Probe)(random);
        const status = await sendProbe(probe);
        statuses.set(`${probe.kind} ${status}`, (statuses.get(`${probe.kind} ${status}`) ?? 0) + 1);
        if (status >= 500 || !DOCUMENTED.has(status))
          unexpected.push(`${probe.kind} ${probe.method} ${probe.path.slice(0, 120)} → ${status}`);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  gc();
  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const figures = [...statuses.entries()].sort().map(([key, n]) => `${key}: ${n}`);
  console.log(
    `fuzz seed ${SEED}: ${REQUESTS} requests in ${seconds.toFixed(1)} s, heap ${heapGrowthMb.toFixed(1)} MB, error lines ${errorLines}\n${figures.join("\n")}`,
  );
  assert.deepEqual(unexpected.slice(0, 20), [], `${unexpected.length} answers were 5xx or undocumented`);
  assert.equal(errorLines, 0, "no request led to an error log line");
  assert.deepEqual(await storedCounts(), counts, "nothing was stored");
  for (const url of [`${world.gateway.url}/livez`, `${world.emulator.url}/__admin/health`]) {
    const alive = await request(url, { dispatcher: world.agent });
    await alive.body.dump();
    assert.equal(alive.statusCode, 200, url);
  }
  assert.ok(heapGrowthMb < 64, `heap grew ${heapGrowthMb.toFixed(1)} MB`);
});

async function sendProbe(probe: Probe): Promise<number> {
  const base = probe.target === "gateway" ? world.gateway.url : world.emulator.url;
  try {
    const response = await request(`${base}${probe.path}`, {
      method: probe.method as "GET",
      dispatcher: world.agent,
      headers: probe.headers ?? {},
      ...(probe.body !== undefined && probe.method !== "GET" ? { body: probe.body } : {}),
    });
    await response.body.dump();
    return response.statusCode;
  } catch (error) {
    // A request undici refuses to send (an invalid header value) tests nothing of ours.
    if ((error as { code?: string }).code === "UND_ERR_INVALID_ARG") return 400;
    throw error;
  }
}

async function storedCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ["merchants", "payments", "operations", "req_ids", "notifications"]) {
    const [row] = await world.gateway.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = row?.n ?? -1;
  }
  const [emulatorMerchants] = await world.emulator.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM merchants",
  );
  counts.emulatorMerchants = emulatorMerchants?.n ?? -1;
  return counts;
}
