/**
 * Webhooks over a real store and a real HTTP receiver on loopback: the signature scheme (the
 * receiver's check as docs/api.md shows it), each domain event rendered by the door's notifier
 * and committed by the payment steps' commit as one delivery per endpoint, sent by the notify
 * worker with retries on the schedule, and a rolled secret that signs beside the old one during
 * the grace period only.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ManualClock } from "../core/clock.js";
import type { Payment } from "../core/payment.js";
import { SecretBox } from "../gateway/secrets.js";
import { gatewayPaymentStore } from "../gateway/store/payment-store.js";
import { silentLogger } from "../log.js";
import { MerchantDirectory } from "../merchants/directory.js";
import { webhookChannel } from "../notify/webhook-outbox.js";
import { NotifyWorker } from "../notify/worker.js";
import { commit } from "../payments/commit.js";
import { type CheckoutContext, notifyDoors, type PaymentDeps } from "../payments/ports.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { listDeliveries } from "./webhook-delivery.js";
import { signatureHeader, verifySignature, WebhookStore, webhookNotifier } from "./webhooks.js";

const MIGRATIONS = fileURLToPath(new URL("../store/migrations/", import.meta.url));

describe("webhook signatures", () => {
  const body = '{"id":"evt_1"}';
  it("verifies t and v1 within the tolerance window only", () => {
    const header = signatureHeader(["whsec_a"], body, 1_700_000_000);
    assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
    assert.equal(verifySignature(header, body, "whsec_a", 1_700_000_100), true);
    assert.equal(verifySignature(header, body, "whsec_a", 1_700_000_301), false, "too old");
    assert.equal(verifySignature(header, body, "whsec_a", 1_699_999_699), false, "from the future");
    assert.equal(verifySignature(header, body, "whsec_b", 1_700_000_000), false, "another secret");
    assert.equal(verifySignature(header, `${body} `, "whsec_a", 1_700_000_000), false, "another body");
    assert.equal(verifySignature("v1=00", body, "whsec_a", 1_700_000_000), false, "no timestamp");
  });

  it("signs with each valid secret during a roll", () => {
    const header = signatureHeader(["whsec_new", "whsec_old"], body, 1_700_000_000);
    assert.equal(header.split(",").length, 3);
    assert.equal(verifySignature(header, body, "whsec_new", 1_700_000_000), true);
    assert.equal(verifySignature(header, body, "whsec_old", 1_700_000_000), true);
  });
});

describe("webhook delivery", () => {
  let db: Database;
  let server: Server;
  let url = "";
  const received: Array<{ body: string; signature: string }> = [];
  const failures: number[] = [];
  const clock = new ManualClock(Date.parse("2026-03-02T09:00:00Z"));
  const secrets = new SecretBox(randomBytes(32));

  before(async () => {
    db = await openTestDatabase(MIGRATIONS);
    const merchants = new MerchantDirectory({ db, secrets, clock });
    await merchants.create({
      merchantId: "shop-w",
      name: "Shop W",
      hmacKey: "h".repeat(32),
      blowfishKey: "b".repeat(16),
      amazon: { environment: "emulator", region: "eu", merchantId: "A-W", storeId: "s", publicKeyId: "k" },
      amazonPrivateKeyPem: "unused",
      settings: {},
    });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const status = failures.shift() ?? 200;
        if (status === 200) {
          received.push({
            body: Buffer.concat(chunks).toString("utf8"),
            signature: String(req.headers["kasse-signature"]),
          });
        }
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    assert.ok(address && typeof address === "object");
    url = `http://127.0.0.1:${address.port}/hooks`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.close();
  });

  /** A state change with its event, committed as a payment step commits it (the door renders it). */
  async function paymentEvent(
    store: WebhookStore,
    payId: string,
    type: "capture" | "credit",
    amount: number,
  ) {
    const xid = randomBytes(16).toString("hex");
    const payment: Payment = {
      payId,
      merchantId: "shop-w",
      transId: "W-1",
      currency: "EUR",
      txType: "Authorize",
      checkoutMode: "Standard",
      status: "Captured",
      amount,
      authorized: amount,
      captured: amount,
      credited: 0,
      creditPending: 0,
      amazon: {},
      actions: [{ xid, kind: type, sequence: 1, transId: "W-1", amount, state: "succeeded" }],
    };
    const action = payment.actions[0] as Payment["actions"][number];
    const deps = {
      store: gatewayPaymentStore(db, clock),
      notifier: notifyDoors([webhookNotifier(store, clock)], () => undefined),
    } as unknown as PaymentDeps;
    await commit(deps, {
      record: { payment, context: {} as CheckoutContext },
      notifications: [
        { kind: type, payment, action, event: { type, result: "OK", xid, transId: "W-1", amount } },
      ],
    });
  }

  /** Polls (bounded: 200 × 20 ms) until the worker got there. */
  async function until(check: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(await check(), "not delivered in time");
  }

  it("delivers each outbox event once per endpoint, signed, retrying on the schedule", async () => {
    const store = new WebhookStore(db, secrets);
    await paymentEvent(store, "0".repeat(32), "capture", 100); // before the endpoint: not delivered
    const endpoint = await store.create("shop-w", url, clock.now());
    assert.match(endpoint.secret, /^whsec_/);
    const listed = await store.list("shop-w", clock.now());
    assert.equal(JSON.stringify(listed).includes(endpoint.secret), false);
    assert.equal(
      JSON.stringify(await db.query("SELECT * FROM webhook_endpoints")).includes(endpoint.secret),
      false,
    );

    await paymentEvent(store, "1".repeat(32), "capture", 4990);
    failures.push(503);
    const worker = new NotifyWorker({
      db,
      clock,
      logger: silentLogger(),
      channels: [webhookChannel(db, store.signer)],
      retryScheduleMs: [0, 0],
      pollIntervalMs: 10,
    });
    worker.start();
    try {
      await until(() => received.length === 1);
      const [first] = received;
      const event = JSON.parse(first?.body as string);
      assert.equal(event.type, "payment.capture.succeeded");
      assert.deepEqual(event.data, {
        merchantId: "shop-w",
        payId: "1".repeat(32),
        xid: event.data.xid,
        transId: "W-1",
        amount: 4990,
        currency: "EUR",
        reasonCode: null,
      });
      assert.equal(
        verifySignature(
          first?.signature as string,
          first?.body as string,
          endpoint.secret,
          clock.now() / 1000,
        ),
        true,
      );
      const delivered = async () => (await listDeliveries(db, "shop-w", endpoint.endpointId, 10))[0];
      await until(async () => (await delivered())?.status === "delivered");
      const delivery = await delivered();
      assert.equal(delivery?.attempts, 2, "the 503 was retried");

      // A roll: both secrets sign during the grace period, then only the new one.
      const rolled = await store.rollSecret("shop-w", endpoint.endpointId, 60_000, clock.now());
      assert.ok(rolled);
      await paymentEvent(store, "2".repeat(32), "credit", 1000);
      worker.wake();
      await until(() => received.length === 2);
      const second = received[1] as { body: string; signature: string };
      assert.equal(JSON.parse(second.body).type, "payment.refund.succeeded");
      assert.equal(verifySignature(second.signature, second.body, endpoint.secret, clock.now() / 1000), true);
      assert.equal(verifySignature(second.signature, second.body, rolled.secret, clock.now() / 1000), true);
      clock.advance(61_000);
      await paymentEvent(store, "3".repeat(32), "credit", 500);
      worker.wake();
      await until(() => received.length === 3);
      const third = received[2] as { body: string; signature: string };
      assert.equal(verifySignature(third.signature, third.body, endpoint.secret, clock.now() / 1000), false);
      assert.equal(verifySignature(third.signature, third.body, rolled.secret, clock.now() / 1000), true);
    } finally {
      await worker.stop();
    }
    const payIds = received.map((item) => JSON.parse(item.body).data.payId);
    assert.deepEqual(payIds, ["1".repeat(32), "2".repeat(32), "3".repeat(32)], "each event once");
  });
});
