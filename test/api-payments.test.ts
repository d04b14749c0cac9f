/**
 * The JSON API end to end over real HTTPS against the real gateway and emulator: a shop pays
 * through the Paygate protocol (init, the buyer at Amazon, completion); then the merchant's API
 * key finds the payment by TransID, captures it with an Idempotency-Key (replayed, then the key
 * reused for another body), refunds part of it, and reads the timeline — Amazon calls and the
 * URLNotify deliveries with the shop's answers and the IPNs received included; the same events
 * arrive as signed webhooks. Another merchant's key sees none of it. The emulator's IPNs are on.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { request } from "undici";
import { ActionResult, PaymentDetail, PaymentList } from "../src/api/schemas.js";
import { verifySignature } from "../src/api/webhooks.js";
import { readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import { completionResult, initRequest, initResponse, reviewRedirect } from "../src/paygate/tables.js";
import { advanceAmazon, startAsyncWorld } from "./async-support.js";
import {
  ADMIN_TOKEN,
  type Notification as Arrived,
  browse,
  buyer,
  call,
  createShop,
  SHOP,
  type World,
} from "./paygate-support.js";

let world: World;
let shop: ShopCredentials;
let keyA: string;
let keyB: string;
let webhookSecret: string;

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: inspected field by field
  body: any;
}

async function api(
  method: "GET" | "POST",
  path: string,
  token: string,
  options: { body?: unknown; idempotencyKey?: string } = {},
): Promise<Answer> {
  const response = await request(`${world.gateway.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    dispatcher: world.agent,
  });
  return { status: response.statusCode, headers: response.headers, body: await response.body.json() };
}

/** The notifies or webhooks that arrived at `path`, once there are `count` (bounded wait). */
async function arrived(path: string, count: number): Promise<Arrived[]> {
  for (let i = 0; i < 500; i++) {
    const items = world.notify.received.filter((item) => item.path === path);
    if (items.length >= count) return items;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`fewer than ${count} requests arrived at ${path}`);
}

function matches(schema: TSchema, value: unknown): void {
  assert.deepEqual(
    [...Value.Errors(schema, value)].map((error) => `${error.path}: ${error.message}`),
    [],
  );
}

async function apiKey(merchantId: string): Promise<string> {
  const created = await api("POST", `/merchants/${merchantId}/api-keys`, ADMIN_TOKEN, {
    body: { role: "merchantAdmin", label: "scenario" },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.key;
}

/** A Paygate checkout up to an authorised payment (TxType=Authorize), as a shop makes it. */
async function paidByPaygate(transId: string, amount: number): Promise<string> {
  const init = await call(
    world,
    shop,
    "amazonAPA.aspx",
    initRequest,
    {
      TransID: transId,
      CountryCode: "EU",
      Amount: amount,
      Currency: "EUR",
      TxType: "Authorize",
      URLSuccess: `${SHOP}/success`,
      URLFailure: `${SHOP}/failure`,
      URLNotify: `${world.notify.url}/notify`,
      URLCancel: `${SHOP}/cancel`,
      ShopUrl: `${SHOP}/review`,
    },
    initResponse,
  );
  assert.equal(init.values.Status, "OK");
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: init.values.buttonpayload,
    signature: init.values.buttonsignature,
    publicKeyId: init.values.buttonpublickeyid,
    buyer: { card: "1111" },
  });
  const review = readAnswer(shop, reviewRedirect, await browse(world, click.redirectUrl as string));
  assert.ok(review.ok);
  const back = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
  const success = readAnswer(shop, completionResult, await browse(world, back.redirectUrl as string));
  assert.ok(success.ok && success.values.Status === "OK");
  return init.values.PayID as string;
}

describe("JSON API payments over HTTPS", () => {
  before(async () => {
    world = await startAsyncWorld();
    shop = await createShop(world, "shop-api-a");
    await createShop(world, "shop-api-b");
    keyA = await apiKey("shop-api-a");
    keyB = await apiKey("shop-api-b");
    const endpoint = await api("POST", "/merchants/shop-api-a/webhook-endpoints", keyA, {
      body: { url: `${world.notify.url}/webhooks` },
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    webhookSecret = endpoint.body.secret;
  });
  after(() => world.close());

  it("finds, captures, refunds and explains a Paygate payment; another merchant sees nothing", async () => {
    const payId = await paidByPaygate("API-4711", 4990);
    await arrived("/notify", 1);

    const found = await api("GET", "/payments?transId=API-4711", keyA);
    assert.equal(found.status, 200);
    matches(PaymentList, found.body);
    assert.deepEqual(
      found.body.payments.map((payment: { payId: string }) => payment.payId),
      [payId],
    );
    assert.equal(found.body.payments[0].status, "authorized");
    assert.equal(found.body.payments[0].authorized, 4990);

    const capture = (body: unknown) =>
      api("POST", `/payments/${payId}/captures`, keyA, { body, idempotencyKey: "order-4711-capture" });
    const captured = await capture({ amount: 4990, currency: "EUR" });
    assert.equal(captured.status, 201, JSON.stringify(captured.body));
    matches(ActionResult, captured.body);
    assert.equal(captured.body.payment.status, "captured");
    assert.equal(captured.body.payment.captured, 4990);
    assert.equal(captured.body.action.kind, "capture");
    const replayed = await capture({ amount: 4990, currency: "EUR" });
    assert.equal(replayed.status, 201);
    assert.equal(replayed.headers["idempotent-replayed"], "true");
    assert.deepEqual(replayed.body, captured.body);
    const reused = await capture({ amount: 1000 });
    assert.equal(reused.status, 409);
    assert.equal(reused.body.code, "idempotency_key_reused");
    const again = await api("POST", `/payments/${payId}/captures`, keyA, {
      body: {},
      idempotencyKey: "second",
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "already_captured");
    assert.match(String(again.headers["content-type"]), /^application\/problem\+json/);

    const refund = await api("POST", `/payments/${payId}/refunds`, keyA, {
      body: { amount: 1000 },
      idempotencyKey: "order-4711-refund-1",
    });
    assert.ok(refund.status === 201 || refund.status === 202, JSON.stringify(refund.body));
    assert.equal(refund.body.action.kind, "refund");
    assert.equal(refund.body.action.amount, 1000);
    const tooMuch = await api("POST", `/payments/${payId}/refunds`, keyA, {
      body: { amount: 5000 },
      idempotencyKey: "order-4711-refund-2",
    });
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.code, "amount_exceeds_refundable");

    // Amazon settles the refund later (the emulator's clock moved on); its IPN makes Kasse ask,
    // and the timeline shows both.
    await advanceAmazon(world, 31);
    await arrived("/notify", 3);
    let detail = await api("GET", `/payments/${payId}`, keyA);
    for (let i = 0; i < 250 && detail.body.ipns.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      detail = await api("GET", `/payments/${payId}`, keyA);
    }
    assert.equal(detail.status, 200);
    matches(PaymentDetail, detail.body);
    const timeline = detail.body.timeline as Array<{
      kind: string;
      state: string;
      amazonCalls: Array<{ operation: string; state: string }>;
      notifications: Array<{ event: string; deliveries: Array<{ delivered: boolean; httpStatus: number }> }>;
    }>;
    assert.deepEqual(
      timeline.map((entry) => entry.kind),
      ["init", "buyerReturn", "authorization", "capture", "refund"],
    );
    const entry = (kind: string) => timeline.find((candidate) => candidate.kind === kind);
    assert.deepEqual(
      entry("capture")?.amazonCalls.map((call) => [call.operation, call.state]),
      [["captureCharge", "succeeded"]],
    );
    assert.equal(entry("refund")?.amazonCalls[0]?.operation, "createRefund");
    assert.deepEqual(
      entry("authorization")?.notifications.map((n) => [
        n.event,
        n.deliveries[0]?.delivered,
        n.deliveries[0]?.httpStatus,
      ]),
      [["completion", true, 200]],
    );
    assert.equal(entry("capture")?.notifications[0]?.deliveries[0]?.httpStatus, 200);
    assert.equal(entry("refund")?.state, "succeeded");
    assert.ok(detail.body.ipns.length > 0, "the IPNs received are on the timeline");
    assert.ok(
      detail.body.ipns.every((ipn: { objectType: string }) =>
        ["CHARGE", "REFUND", "CHARGE_PERMISSION"].includes(ipn.objectType),
      ),
    );

    // The same events as signed JSON webhooks (the URLNotify receiver gets both kinds).
    const hooks = await arrived("/webhooks", 3);
    const hook = (type: string) => {
      const found = hooks.find((item) => JSON.parse(item.body).type === type);
      assert.ok(found, `no ${type} webhook`);
      return found;
    };
    const authorised = hook("payment.authorization.succeeded");
    const capturedHook = hook("payment.capture.succeeded");
    const now = Math.floor(Date.now() / 1000);
    assert.equal(verifySignature(capturedHook.signature ?? "", capturedHook.body, webhookSecret, now), true);
    assert.equal(verifySignature(capturedHook.signature ?? "", capturedHook.body, "whsec_other", now), false);
    assert.equal(JSON.parse(capturedHook.body).data.payId, payId);
    assert.equal(JSON.parse(capturedHook.body).data.amount, 4990);
    assert.equal(capturedHook.contentType, "application/json");
    assert.equal(JSON.parse(authorised.body).data.payId, payId);
    assert.equal(JSON.parse(hook("payment.refund.succeeded").body).data.amount, 1000);

    // Merchant isolation: by id, by list, by filter, by action.
    const foreign = await api("GET", `/payments/${payId}`, keyB);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.code, "not_found");
    assert.deepEqual((await api("GET", "/payments?transId=API-4711", keyB)).body.payments, []);
    assert.equal((await api("GET", "/payments?merchantId=shop-api-a", keyB)).status, 403);
    const foreignCapture = await api("POST", `/payments/${payId}/refunds`, keyB, {
      body: { amount: 1 },
      idempotencyKey: "foreign",
    });
    assert.equal(foreignCapture.status, 404);

    // The operator sees it across merchants, and the request log has the merchant's calls.
    assert.equal((await api("GET", `/payments/${payId}`, ADMIN_TOKEN)).body.payId, payId);
    const log = await api("GET", "/request-log", keyA);
    assert.ok(
      log.body.requests.some(
        (row: { method: string; path: string; status: number }) =>
          row.method === "POST" && row.path === `/api/v1/payments/${payId}/captures` && row.status === 201,
      ),
    );
  });
});
