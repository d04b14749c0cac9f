/**
 * The JSON API in process (`app.inject`) over a real store (PGlite, or PostgreSQL with
 * `DATABASE_URL`): authentication and API keys, merchant isolation on every route, the payment
 * list's filters and cursor, the timeline from what the store records, idempotent actions, problem
 * details, CORS and the request log. The payment steps are a recording stand-in here (what they do is the
 * scenario test's part, test/api-payments.test.ts); the answers are checked against the schemas
 * the OpenAPI document publishes.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import Fastify, { type FastifyInstance } from "fastify";
import { ManualClock } from "../core/clock.js";
import type { Payment, PaymentAction } from "../core/payment.js";
import { apiGateway } from "../gateway/api-ports.js";
import { SecretBox } from "../gateway/secrets.js";
import { enqueueNotification } from "../gateway/store/notifications.js";
import { planOperation } from "../gateway/store/operations.js";
import { insertPayment } from "../gateway/store/payments.js";
import type { RecurringSide } from "../gateway/subscriptions/side.js";
import {
  findSubscription,
  insertSubscription,
  listSubscriptions,
  setSubscriptionStatus,
} from "../gateway/subscriptions/store.js";
import { silentLogger } from "../log.js";
import { MerchantDirectory } from "../merchants/directory.js";
import { recordAttempt } from "../notify/outbox.js";
import type { Payments } from "../payments/index.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { registerApi } from "./index.js";
import { RequestLog } from "./request-log.js";
import { ActionResult, ApiKey, NewApiKey, PaymentDetail, PaymentList } from "./schemas.js";

const MIGRATIONS = fileURLToPath(new URL("../store/migrations/", import.meta.url));
const ADMIN = "api-test-admin-token-0123456789";
const { privateKey: PEM } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

let db: Database;
let app: FastifyInstance;
const secrets = new SecretBox(randomBytes(32));
const clock = new ManualClock(Date.parse("2026-03-01T10:00:00Z"));
const actionCalls: Array<{
  kind: string;
  merchantId: string;
  command: { reqId: string | undefined; amount?: number };
}> = [];

/** A payment as the store keeps it, authorised for `amount`, created at `at`. */
function authorised(merchantId: string, payId: string, transId: string, amount: number): Payment {
  const actions: PaymentAction[] = [
    { xid: `${payId.slice(0, 28)}0001`, kind: "init", sequence: 1, transId, amount, state: "succeeded" },
    { xid: `${payId.slice(0, 28)}0002`, kind: "update", sequence: 2, transId, amount, state: "succeeded" },
    { xid: `${payId.slice(0, 28)}0003`, kind: "complete", sequence: 3, transId, amount, state: "succeeded" },
  ];
  return {
    payId,
    merchantId,
    transId,
    refNr: `R-${transId}`,
    currency: "EUR",
    txType: "Authorize",
    checkoutMode: "Standard",
    status: "Authorized",
    amount,
    authorized: amount,
    captured: 0,
    credited: 0,
    creditPending: 0,
    amazon: {
      checkoutSessionId: `cs-${transId}`,
      chargePermissionId: `cp-${transId}`,
      chargeId: `ch-${transId}`,
    },
    actions,
  };
}

/** The payment steps as far as the API uses them: capture, refund, reverse; refusals by amount. */
function recordingPayments(): Payments {
  const run =
    (kind: "capture" | "credit" | "reverse") =>
    async (merchantId: string, command: { payId: string; reqId: string | undefined; amount?: number }) => {
      actionCalls.push({ kind, merchantId, command });
      if (command.amount !== undefined && command.amount > 100_000) {
        return {
          ok: false as const,
          refusal: {
            kind: "payment" as const,
            refusal: {
              operation: "capture" as const,
              reason: "amountExceedsAuthorized" as const,
              status: "Authorized" as const,
            },
          },
        };
      }
      const rows = await db.query("SELECT 1 FROM payments WHERE merchant_id = $1 AND pay_id = $2", [
        merchantId,
        command.payId,
      ]);
      if (rows.length === 0) return { ok: false as const, refusal: { kind: "paymentUnknown" as const } };
      const action: PaymentAction = {
        xid: randomBytes(16).toString("hex"),
        kind,
        sequence: 9,
        transId: "T",
        amount: command.amount ?? 0,
        state: kind === "credit" ? "pending" : "succeeded",
      };
      return { ok: true as const, payment: authorised(merchantId, command.payId, "T", 1), action };
    };
  return { capture: run("capture"), refund: run("credit"), reverse: run("reverse") } as unknown as Payments;
}

const PAY_A1 = "a1".repeat(16);
const PAY_A2 = "a2".repeat(16);
const PAY_A3 = "a3".repeat(16);
const PAY_B1 = "b1".repeat(16);

interface Answer {
  status: number;
  type: string | undefined;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
}

async function api(
  method: "GET" | "POST" | "PUT" | "DELETE" | "OPTIONS",
  url: string,
  options: { token?: string; payload?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await app.inject({
    method,
    url,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    ...(options.payload === undefined ? {} : { payload: options.payload as object }),
  });
  return {
    status: response.statusCode,
    type: response.headers["content-type"]?.toString(),
    headers: response.headers,
    body: response.body === "" ? undefined : response.json(),
  };
}

function matches(schema: TSchema, value: unknown): void {
  const errors = [...Value.Errors(schema, value)].map((error) => `${error.path}: ${error.message}`);
  assert.deepEqual(errors, [], JSON.stringify(value));
}

function assertProblem(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.type ?? "", /^application\/problem\+json/);
  assert.equal(answer.body.code, code);
  assert.equal(answer.body.type, `urn:kasse:problem:${code}`);
  assert.equal(answer.body.status, status);
  assert.equal(typeof answer.body.title, "string");
  assert.equal(typeof answer.body.detail, "string");
}

let keyA: string;
let keyB: string;
let viewerA: string;

describe("JSON API (inject)", () => {
  before(async () => {
    db = await openTestDatabase(MIGRATIONS);
    const merchants = new MerchantDirectory({ db, secrets, clock });
    for (const merchantId of ["shop-a", "shop-b"]) {
      await merchants.create({
        merchantId,
        name: `Shop ${merchantId}`,
        hmacKey: "h".repeat(32),
        blowfishKey: "b".repeat(16),
        amazon: {
          environment: "sandbox",
          region: "eu",
          merchantId: `A-${merchantId}`,
          storeId: "store",
          publicKeyId: "SANDBOX-KEY",
        },
        amazonPrivateKeyPem: PEM,
        settings: {},
      });
    }
    const t0 = clock.now();
    await insertPayment(db, authorised("shop-a", PAY_A1, "4711", 4990), {}, t0);
    await insertPayment(db, authorised("shop-a", PAY_A2, "4712", 1500), {}, t0 + 60_000);
    await insertPayment(db, authorised("shop-a", PAY_A3, "4713", 25_000), {}, t0 + 120_000);
    await insertPayment(db, authorised("shop-b", PAY_B1, "4711", 999), {}, t0 + 30_000);
    // What the flows and the worker record for PAY_A1: its completion's Amazon call and notify.
    const completion = authorised("shop-a", PAY_A1, "4711", 4990).actions[2] as PaymentAction;
    await planOperation(
      db,
      {
        merchantId: "shop-a",
        idempotencyKey: "key-complete",
        payId: PAY_A1,
        xid: completion.xid,
        sequence: 3,
        action: "complete",
        amazonOperation: "completeCheckoutSession",
        request: {},
      },
      t0 + 5_000,
    );
    await enqueueNotification(
      db,
      {
        merchantId: "shop-a",
        payId: PAY_A1,
        event: { xid: completion.xid, type: "completion" },
        payload: { url: "https://shop.example/notify", body: "Len=1&Data=x" },
      },
      t0 + 6_000,
    );
    const [row] = await db.query<{ notification_id: number }>(
      "SELECT notification_id FROM notifications WHERE pay_id = $1",
      [PAY_A1],
    );
    const due = {
      merchantId: "shop-a",
      notificationId: Number(row?.notification_id),
      payId: PAY_A1,
      event: "completion",
      attempts: 0,
      retryIndex: 0,
      url: "",
      body: "",
      leaseToken: "lease-1",
    };
    await db.query("UPDATE notifications SET lease_token = 'lease-1' WHERE pay_id = $1", [PAY_A1]);
    await recordAttempt(
      db,
      due,
      { delivered: false, httpStatus: 500, error: "HTTP 500", nextAttemptAt: t0 + 9_000 },
      t0 + 7_000,
    );
    await db.query("UPDATE notifications SET lease_token = 'lease-2' WHERE pay_id = $1", [PAY_A1]);
    await recordAttempt(
      db,
      { ...due, attempts: 1, leaseToken: "lease-2" },
      { delivered: true, httpStatus: 200 },
      t0 + 9_000,
    );
    await db.query(
      `INSERT INTO ipn_received (merchant_id, pay_id, message_id, object_type, object_id, notification_type, received_at)
       VALUES ('shop-a', $1, 'msg-1', 'CHARGE', 'ch-4711', 'STATE_CHANGE', $2)`,
      [PAY_A1, t0 + 8_000],
    );

    await insertSubscription(
      db,
      {
        merchantId: "shop-a",
        subscriptionId: "sub-1",
        chargePermissionId: "cp-4711",
        amount: 990,
        currency: "EUR",
        countryCode: "DE",
        txType: "AuthorizeWithCapture",
        interval: { unit: "Month", value: 1 },
        firstDueAt: t0 + 86_400_000,
        retryDelaysMs: [3_600_000],
        notifyUrl: "https://shop.example/notify",
      },
      t0,
    );

    app = Fastify();
    registerApi(app, {
      db,
      clock,
      logger: silentLogger(),
      payments: recordingPayments(),
      gateway: apiGateway({
        db,
        clock,
        adminToken: ADMIN,
        merchants,
        secrets,
        wakeNotifications: () => undefined,
        // The recurring side's reads and status changes are its store's functions (side.ts).
        recurring: () =>
          ({
            listSubscriptions: (merchantId: string) => listSubscriptions(db, merchantId),
            findSubscription: (merchantId: string, id: string) => findSubscription(db, merchantId, id),
            setStatus: (merchantId: string, id: string, status: "active" | "canceled") =>
              setSubscriptionStatus(db, merchantId, id, status, clock.now()),
          }) as unknown as RecurringSide,
      }),
    });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await db?.close();
  });

  describe("authentication and API keys", () => {
    it("refuses requests without valid credentials with a problem", async () => {
      assertProblem(await api("GET", "/api/v1/payments"), 401, "unauthorized");
      assertProblem(await api("GET", "/api/v1/payments", { token: "wrong-token" }), 401, "unauthorized");
      assertProblem(await api("GET", "/api/v1/payments", { token: "kasse_sk_forged" }), 401, "unauthorized");
    });

    it("lets an operator create keys, shown once, listed without the key", async () => {
      const created = await api("POST", "/api/v1/merchants/shop-a/api-keys", {
        token: ADMIN,
        payload: { role: "merchantAdmin", label: "ERP" },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      matches(NewApiKey, created.body);
      assert.match(created.body.key, /^kasse_sk_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.headers["cache-control"], "no-store");
      keyA = created.body.key;
      const listed = await api("GET", "/api/v1/merchants/shop-a/api-keys", { token: ADMIN });
      assert.equal(listed.status, 200);
      assert.equal(listed.body.apiKeys.length, 1);
      matches(ApiKey, listed.body.apiKeys[0]);
      assert.equal(JSON.stringify(listed.body).includes(keyA), false);
      const stored = await db.query<{ key_hash: string }>("SELECT key_hash FROM api_keys");
      assert.equal(JSON.stringify(stored).includes(keyA), false);
    });

    it("lets a merchant admin create keys for its own merchant only", async () => {
      const viewer = await api("POST", "/api/v1/merchants/shop-a/api-keys", {
        token: keyA,
        payload: { role: "merchantViewer", label: "dashboard" },
      });
      assert.equal(viewer.status, 201);
      viewerA = viewer.body.key;
      assert.equal(viewer.body.createdBy.startsWith("apiKey:"), true);
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-b/api-keys", {
          token: keyA,
          payload: { role: "merchantAdmin", label: "x" },
        }),
        404,
        "not_found",
      );
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-a/api-keys", {
          token: viewerA,
          payload: { role: "merchantAdmin", label: "x" },
        }),
        403,
        "forbidden",
      );
      const b = await api("POST", "/api/v1/merchants/shop-b/api-keys", {
        token: ADMIN,
        payload: { role: "merchantStaff", label: "B" },
      });
      keyB = b.body.key;
    });

    it("refuses a revoked key at once", async () => {
      const temporary = await api("POST", "/api/v1/merchants/shop-a/api-keys", {
        token: ADMIN,
        payload: { role: "merchantStaff", label: "temporary" },
      });
      assert.equal((await api("GET", "/api/v1/payments", { token: temporary.body.key })).status, 200);
      const revoked = await api("DELETE", `/api/v1/merchants/shop-a/api-keys/${temporary.body.keyId}`, {
        token: keyA,
      });
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.revokedAt);
      assertProblem(await api("GET", "/api/v1/payments", { token: temporary.body.key }), 401, "unauthorized");
      assertProblem(
        await api("DELETE", `/api/v1/merchants/shop-b/api-keys/${temporary.body.keyId}`, { token: ADMIN }),
        404,
        "not_found",
      );
    });

    it("refuses unknown and malformed fields with the field named", async () => {
      const extra = await api("POST", "/api/v1/merchants/shop-a/api-keys", {
        token: ADMIN,
        payload: { role: "merchantStaff", label: "x", admin: true },
      });
      assertProblem(extra, 400, "invalid_request");
      assert.equal(extra.body.field, "body.admin");
      const role = await api("POST", "/api/v1/merchants/shop-a/api-keys", {
        token: ADMIN,
        payload: { role: "operator", label: "x" },
      });
      assertProblem(role, 400, "invalid_request");
      assert.equal(role.body.field, "body.role");
      const json = await app.inject({
        method: "POST",
        url: "/api/v1/merchants/shop-a/api-keys",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        payload: "{not json",
      });
      assert.equal(json.statusCode, 400);
      assert.equal(json.json().code, "invalid_request");
    });
  });

  describe("payments", () => {
    it("lists newest first, filters, and pages by an opaque cursor", async () => {
      const first = await api("GET", "/api/v1/payments?merchantId=shop-a&limit=2", { token: ADMIN });
      assert.equal(first.status, 200);
      matches(PaymentList, first.body);
      assert.deepEqual(
        first.body.payments.map((p: { payId: string }) => p.payId),
        [PAY_A3, PAY_A2],
      );
      assert.ok(first.body.nextCursor);
      const second = await api(
        "GET",
        `/api/v1/payments?merchantId=shop-a&limit=2&cursor=${first.body.nextCursor}`,
        {
          token: ADMIN,
        },
      );
      assert.deepEqual(
        second.body.payments.map((p: { payId: string }) => p.payId),
        [PAY_A1],
      );
      assert.equal(second.body.nextCursor, null);
      const all = await api("GET", "/api/v1/payments", { token: ADMIN });
      assert.deepEqual(
        all.body.payments.map((p: { payId: string }) => p.payId),
        [PAY_A3, PAY_A2, PAY_B1, PAY_A1],
      );
      const [payment] = first.body.payments;
      assert.equal(payment.amount, 25_000);
      assert.equal(payment.currency, "EUR");
      assert.equal(payment.status, "authorized");
      const byTransId = await api("GET", "/api/v1/payments?transId=4711", { token: ADMIN });
      assert.deepEqual(
        byTransId.body.payments.map((p: { payId: string }) => p.payId).sort(),
        [PAY_A1, PAY_B1].sort(),
      );
      const ranged = await api(
        "GET",
        `/api/v1/payments?from=2026-03-01T10:00:30Z&to=2026-03-01T10:02:00Z&minAmount=1000&maxAmount=5000`,
        { token: ADMIN },
      );
      assert.deepEqual(
        ranged.body.payments.map((p: { payId: string }) => p.payId),
        [PAY_A2],
      );
      const byRef = await api("GET", "/api/v1/payments?refNr=R-4713&status=authorized", { token: ADMIN });
      assert.deepEqual(
        byRef.body.payments.map((p: { payId: string }) => p.payId),
        [PAY_A3],
      );
      assertProblem(
        await api("GET", "/api/v1/payments?cursor=bm9wZQ", { token: ADMIN }),
        400,
        "invalid_request",
      );
      assertProblem(
        await api("GET", "/api/v1/payments?status=Paid", { token: ADMIN }),
        400,
        "invalid_request",
      );
      assertProblem(await api("GET", "/api/v1/payments?limit=0", { token: ADMIN }), 400, "invalid_request");
      assertProblem(
        await api("GET", "/api/v1/payments?from=yesterday", { token: ADMIN }),
        400,
        "invalid_request",
      );
    });

    it("shows one payment with its timeline from the store's records", async () => {
      const detail = await api("GET", `/api/v1/payments/${PAY_A1}`, { token: keyA });
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      matches(PaymentDetail, detail.body);
      const kinds = detail.body.timeline.map((entry: { kind: string }) => entry.kind);
      assert.deepEqual(kinds, ["init", "buyerReturn", "authorization"]);
      const [init, , authorization] = detail.body.timeline;
      assert.equal(init.at, "2026-03-01T10:00:00.000Z");
      assert.equal(authorization.at, "2026-03-01T10:00:05.000Z");
      assert.equal(authorization.amazonCalls[0].operation, "completeCheckoutSession");
      const [notify] = authorization.notifications;
      assert.equal(notify.event, "completion");
      assert.equal(notify.status, "delivered");
      assert.deepEqual(
        notify.deliveries.map((d: { delivered: boolean; httpStatus: number }) => [d.delivered, d.httpStatus]),
        [
          [false, 500],
          [true, 200],
        ],
      );
      assert.deepEqual(
        detail.body.ipns.map((ipn: { messageId: string }) => ipn.messageId),
        ["msg-1"],
      );
      assertProblem(
        await api("GET", `/api/v1/payments/${"f".repeat(32)}`, { token: ADMIN }),
        404,
        "not_found",
      );
      assertProblem(
        await api("GET", "/api/v1/payments/not-a-payid", { token: ADMIN }),
        400,
        "invalid_request",
      );
    });
  });

  describe("merchant isolation", () => {
    it("a merchant's key lists only its own payments and cannot filter for another merchant", async () => {
      const mine = await api("GET", "/api/v1/payments", { token: keyB });
      assert.deepEqual(
        mine.body.payments.map((p: { payId: string }) => p.payId),
        [PAY_B1],
      );
      const sameTransId = await api("GET", "/api/v1/payments?transId=4711", { token: keyB });
      assert.deepEqual(
        sameTransId.body.payments.map((p: { payId: string }) => p.payId),
        [PAY_B1],
      );
      const byPayId = await api("GET", `/api/v1/payments?payId=${PAY_A1}`, { token: keyB });
      assert.deepEqual(byPayId.body.payments, []);
      assertProblem(
        await api("GET", "/api/v1/payments?merchantId=shop-a", { token: keyB }),
        403,
        "forbidden",
      );
      assertProblem(
        await api("GET", "/api/v1/request-log?merchantId=shop-a", { token: keyB }),
        403,
        "forbidden",
      );
    });

    it("another merchant's payment does not exist for it, to read or to act on", async () => {
      assertProblem(await api("GET", `/api/v1/payments/${PAY_A1}`, { token: keyB }), 404, "not_found");
      assertProblem(
        await api("GET", `/api/v1/payments/${PAY_A1}?merchantId=shop-a`, { token: keyB }),
        403,
        "forbidden",
      );
      for (const action of ["captures", "refunds", "cancel"]) {
        assertProblem(
          await api("POST", `/api/v1/payments/${PAY_A1}/${action}`, {
            token: keyB,
            payload: action === "refunds" ? { amount: 1 } : {},
            headers: { "idempotency-key": `iso-${action}` },
          }),
          404,
          "not_found",
        );
      }
      assert.equal(actionCalls.length, 0);
    });

    it("merchant-scoped routes answer 404 for another merchant", async () => {
      for (const path of [
        "/merchants/shop-a",
        "/merchants/shop-a/api-keys",
        "/merchants/shop-a/cors-origins",
        "/merchants/shop-a/notifications",
        "/merchants/shop-a/subscriptions",
        "/merchants/shop-a/subscriptions/sub-1",
        "/merchants/shop-a/webhook-endpoints",
      ]) {
        assertProblem(await api("GET", `/api/v1${path}`, { token: keyB }), 404, "not_found");
      }
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-a/notifications/1/resend", { token: keyB }),
        404,
        "not_found",
      );
      assertProblem(
        await api("PUT", "/api/v1/merchants/shop-a/cors-origins", {
          token: keyB,
          payload: { origins: ["https://evil.example"] },
        }),
        404,
        "not_found",
      );
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-a/webhook-endpoints", {
          token: keyB,
          payload: { url: "https://evil.example/hook" },
        }),
        404,
        "not_found",
      );
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-a/webhook-deliveries/1/resend", { token: keyB }),
        404,
        "not_found",
      );
      const merchants = await api("GET", "/api/v1/merchants", { token: keyB });
      assert.deepEqual(
        merchants.body.merchants.map((m: { merchantId: string }) => m.merchantId),
        ["shop-b"],
      );
      const notifications = await api("GET", "/api/v1/merchants/shop-a/notifications", { token: keyA });
      assert.equal(notifications.body.notifications.length, 1);
      const none = await api("GET", "/api/v1/merchants/shop-b/notifications", { token: keyB });
      assert.deepEqual(none.body.notifications, []);
    });
  });

  describe("actions with Idempotency-Key", () => {
    it("needs the header", async () => {
      assertProblem(
        await api("POST", `/api/v1/payments/${PAY_A2}/captures`, { token: keyA, payload: {} }),
        400,
        "idempotency_key_missing",
      );
    });

    it("a viewer may not act", async () => {
      assertProblem(
        await api("POST", `/api/v1/payments/${PAY_A2}/captures`, {
          token: viewerA,
          payload: {},
          headers: { "idempotency-key": "viewer-1" },
        }),
        403,
        "forbidden",
      );
    });

    it("the same key and body answer the same, once; another body is 409", async () => {
      const before = actionCalls.length;
      const send = (payload: unknown, key = "cap-1") =>
        api("POST", `/api/v1/payments/${PAY_A2}/captures`, {
          token: keyA,
          payload,
          headers: { "idempotency-key": key },
        });
      const first = await send({ amount: 1500, currency: "EUR" });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      matches(ActionResult, first.body);
      assert.equal(first.body.action.kind, "capture");
      assert.equal(first.headers["idempotent-replayed"], "false");
      const again = await send({ currency: "EUR", amount: 1500 });
      assert.equal(again.status, 201);
      assert.equal(again.headers["idempotent-replayed"], "true");
      assert.deepEqual(again.body, first.body);
      assert.equal(actionCalls.length, before + 1);
      assertProblem(await send({ amount: 1000 }), 409, "idempotency_key_reused");
      assert.equal(actionCalls.length, before + 1);
      // The steps got a replay key derived from the Idempotency-Key, never the key itself.
      const call = actionCalls[actionCalls.length - 1];
      assert.match(call?.command.reqId ?? "", /^api:[0-9a-f]{40}$/);
      assert.equal(call?.command.amount, 1500);
    });

    it("capture defaults to the authorised amount; refunds are partial and pending answers 202", async () => {
      const capture = await api("POST", `/api/v1/payments/${PAY_A3}/captures`, {
        token: keyA,
        headers: { "idempotency-key": "cap-default" },
      });
      assert.equal(capture.status, 201, JSON.stringify(capture.body));
      assert.equal(actionCalls[actionCalls.length - 1]?.command.amount, 25_000);
      const refund = await api("POST", `/api/v1/payments/${PAY_A3}/refunds`, {
        token: keyA,
        payload: { amount: 500 },
        headers: { "idempotency-key": "ref-1" },
      });
      assert.equal(refund.status, 202);
      assert.equal(refund.body.action.state, "pending");
      assert.equal(refund.body.action.kind, "refund");
      assertProblem(
        await api("POST", `/api/v1/payments/${PAY_A3}/refunds`, {
          token: keyA,
          payload: {},
          headers: { "idempotency-key": "ref-2" },
        }),
        400,
        "invalid_request",
      );
    });

    it("maps the steps' refusals to API problems and replays them too", async () => {
      const send = () =>
        api("POST", `/api/v1/payments/${PAY_A3}/captures`, {
          token: keyA,
          payload: { amount: 200_000 },
          headers: { "idempotency-key": "cap-too-much" },
        });
      const refused = await send();
      assertProblem(refused, 409, "amount_exceeds_authorized");
      assert.equal(JSON.stringify(refused.body).includes("2A20"), false);
      const replayed = await send();
      assertProblem(replayed, 409, "amount_exceeds_authorized");
      assert.equal(replayed.headers["idempotent-replayed"], "true");
    });
  });

  describe("subscriptions", () => {
    it("are listed, paused, resumed and cancelled by the merchant's staff, not by a viewer", async () => {
      const listed = await api("GET", "/api/v1/merchants/shop-a/subscriptions", { token: keyA });
      assert.deepEqual(
        listed.body.subscriptions.map((s: { subscriptionId: string }) => s.subscriptionId),
        ["sub-1"],
      );
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-a/subscriptions/sub-1/pause", { token: viewerA }),
        403,
        "forbidden",
      );
      const paused = await api("POST", "/api/v1/merchants/shop-a/subscriptions/sub-1/pause", { token: keyA });
      assert.equal(paused.status, 200);
      assert.equal(paused.body.status, "paused");
      const resumed = await api("POST", "/api/v1/merchants/shop-a/subscriptions/sub-1/resume", {
        token: keyA,
      });
      assert.equal(resumed.body.status, "active");
      const canceled = await api("POST", "/api/v1/merchants/shop-a/subscriptions/sub-1/cancel", {
        token: keyA,
      });
      assert.equal(canceled.body.status, "canceled");
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-a/subscriptions/sub-1/pause", { token: keyA }),
        404,
        "not_found",
      );
      assertProblem(
        await api("POST", "/api/v1/merchants/shop-b/subscriptions/sub-1/resume", { token: keyB }),
        404,
        "not_found",
      );
    });
  });

  describe("CORS", () => {
    it("an origin is allowed only when set on a merchant, exact, never a wildcard", async () => {
      assertProblem(
        await api("PUT", "/api/v1/merchants/shop-a/cors-origins", {
          token: keyA,
          payload: { origins: ["https://*.shop-a.example"] },
        }),
        400,
        "invalid_request",
      );
      assertProblem(
        await api("PUT", "/api/v1/merchants/shop-a/cors-origins", {
          token: keyA,
          payload: { origins: ["http://shop-a.example"] },
        }),
        400,
        "invalid_request",
      );
      const set = await api("PUT", "/api/v1/merchants/shop-a/cors-origins", {
        token: keyA,
        payload: { origins: ["https://shop-a.example", "https://shop-a.example/"] },
      });
      assert.equal(set.status, 200);
      assert.deepEqual(set.body.origins, ["https://shop-a.example"]);
    });

    it("answers the preflight of an allowed origin with that origin and credentials", async () => {
      const preflight = await api("OPTIONS", "/api/v1/payments", {
        headers: {
          origin: "https://shop-a.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, idempotency-key, content-type",
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers["access-control-allow-origin"], "https://shop-a.example");
      assert.equal(preflight.headers["access-control-allow-credentials"], "true");
      assert.match(String(preflight.headers["access-control-allow-headers"]), /idempotency-key/);
      assert.match(String(preflight.headers.vary), /Origin/);
    });

    it("refuses the preflight of any other origin without CORS headers", async () => {
      const preflight = await api("OPTIONS", "/api/v1/payments", {
        headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
      });
      assertProblem(preflight, 403, "origin_not_allowed");
      assert.equal(preflight.headers["access-control-allow-origin"], undefined);
    });

    it("checks the actual call's origin against the principal's merchant", async () => {
      const own = await api("GET", "/api/v1/payments", {
        token: keyA,
        headers: { origin: "https://shop-a.example" },
      });
      assert.equal(own.status, 200);
      assert.equal(own.headers["access-control-allow-origin"], "https://shop-a.example");
      const other = await api("GET", "/api/v1/payments", {
        token: keyB,
        headers: { origin: "https://shop-a.example" },
      });
      assertProblem(other, 403, "origin_not_allowed");
      assert.equal(other.headers["access-control-allow-origin"], undefined);
      const noOrigin = await api("GET", "/api/v1/payments", { token: keyB });
      assert.equal(noOrigin.status, 200);
      assert.equal(noOrigin.headers["access-control-allow-origin"], undefined);
    });
  });

  describe("request log", () => {
    it("keeps method, path without query, status and PayID per merchant", async () => {
      await api("GET", `/api/v1/payments/${PAY_A1}?merchantId=shop-a`, { token: keyA });
      const log = await api("GET", "/api/v1/request-log?limit=200", { token: keyA });
      assert.equal(log.status, 200);
      const entries = log.body.requests as Array<Record<string, unknown>>;
      assert.ok(entries.every((entry) => entry.merchantId === "shop-a"));
      const detail = entries.find((entry) => entry.payId === PAY_A1 && entry.method === "GET");
      assert.ok(detail);
      assert.equal(detail.path, `/api/v1/payments/${PAY_A1}`);
      assert.equal(detail.status, 200);
      assert.ok(entries.some((entry) => entry.status === 409 && entry.method === "POST"));
      assert.equal(JSON.stringify(entries).includes("?"), false);
      assert.equal(
        JSON.stringify(await db.query("SELECT * FROM api_request_log")).includes("kasse_sk_"),
        false,
      );
      const b = await api("GET", "/api/v1/request-log", { token: keyB });
      assert.ok(b.body.requests.length > 0);
      assert.ok(b.body.requests.every((entry: { merchantId: string }) => entry.merchantId === "shop-b"));
    });

    it("is pruned by count per merchant and by age", async () => {
      const log = new RequestLog(db, { retentionMs: 60_000, maxPerMerchant: 3 });
      const entry = { method: "GET", path: "/api/v1/payments", status: 200, durationMs: 1, actor: "t" };
      for (let i = 0; i < 5; i++)
        await log.record({ ...entry, merchantId: "shop-p" }, clock.now() - 120_000 + i);
      for (let i = 0; i < 5; i++) await log.record({ ...entry, merchantId: "shop-p" }, clock.now() + i);
      await log.record({ ...entry, merchantId: "shop-q" }, clock.now() - 120_000);
      await log.prune("shop-p", clock.now());
      const kept = await log.list({ merchantId: "shop-p" }, { limit: 100 });
      assert.equal(kept.length, 3);
      assert.ok(kept.every((row) => Date.parse(row.at) >= clock.now()));
      assert.equal(
        (await log.list({ merchantId: "shop-q" }, { limit: 100 })).length,
        1,
        "other merchants untouched",
      );
    });
  });
});
