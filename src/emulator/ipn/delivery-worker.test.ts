import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { createSnsVerifier } from "../../amazon/sns-verify.js";
import { type IpnDeliveryOptions, IpnDeliveryWorker, type IpnFaultSwitches } from "./delivery-worker.js";
import { loadOrCreateSigningIdentity, type SigningIdentity } from "./signing-certificate.js";
import { emptyTables, openEmulatorTestDatabase } from "./test-database.js";

const ORIGIN = "https://127.0.0.1:8444";
const HOUR = 3_600_000;

interface Received {
  body: string;
  headers: IncomingMessage["headers"];
}

/** A loopback IPN endpoint whose answers the test scripts; resolves waiters per received body. */
class Receiver {
  readonly received: Received[] = [];
  answers: number[] = [];
  hang = false;
  #waiters: { count: number; resolve: () => void }[] = [];
  url = "";

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      this.received.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      for (const waiter of this.#waiters.filter((w) => this.received.length >= w.count)) waiter.resolve();
      if (this.hang) return;
      res.writeHead(this.answers.shift() ?? 200).end();
    });
  };

  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

let db: Awaited<ReturnType<typeof openEmulatorTestDatabase>>;
let identity: SigningIdentity;
let certificatePem: string;
const servers: { close(): void; closeAllConnections(): void }[] = [];

async function listen(receiver: Receiver, secure: boolean): Promise<void> {
  const server = secure
    ? createHttpsServer({ cert: certificatePem, key: privateKeyPem() }, receiver.handle)
    : createHttpServer(receiver.handle);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  receiver.url = `${secure ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}/ipn`;
}

function privateKeyPem(): string {
  return identity.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

async function merchant(id: string, ipnUrl: string | null, signatureVersion: "1" | "2" | null = null) {
  await db.query(
    `insert into merchants (merchant_id, region, ledger_currency, name, store_id, ipn_url, ipn_signature_version)
     values ($1, 'eu', 'EUR', $1, $1 || '-store', $2, $3)`,
    [id, ipnUrl, signatureVersion],
  );
}

async function enqueue(merchantId: string, objectId = "S02-1234567-1234567-C000001"): Promise<void> {
  await db.query(
    `insert into ipn_outbox (merchant_id, object_type, object_id, charge_permission_id, notification_type)
     values ($1, 'CHARGE', $2, 'S02-1234567-1234567', 'STATE_CHANGE')`,
    [merchantId, objectId],
  );
}

async function outbox() {
  return db.query<{
    outcome: string | null;
    attempts: number;
    last_status: number | null;
    envelope: string | null;
  }>("select outcome, attempts, last_status, envelope from ipn_outbox order by id");
}

async function advanceClock(ms: number): Promise<void> {
  await db.query("update clock set offset_ms = offset_ms + $1", [ms]);
}

function worker(overrides: Partial<IpnDeliveryOptions> = {}): IpnDeliveryWorker {
  return new IpnDeliveryWorker({ db, identity, publicOrigin: () => ORIGIN, timeoutMs: 2_000, ...overrides });
}

function faults(drops: number, duplicates: number): IpnFaultSwitches {
  return {
    takeIpnDrop: () => drops-- > 0,
    takeIpnDuplicate: () => duplicates-- > 0,
    takeIpnDelay: () => 0,
  };
}

before(async () => {
  db = await openEmulatorTestDatabase();
  identity = await loadOrCreateSigningIdentity(db, Date.now());
  certificatePem = identity.certificatePem;
});

after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await db.close();
});

beforeEach(async () => {
  await emptyTables(db, ["ipn_outbox", "merchants"]);
  await db.query("update clock set offset_ms = 0");
});

describe("IpnDeliveryWorker", () => {
  it("keeps one signing identity across loads", async () => {
    const again = await loadOrCreateSigningIdentity(db, Date.now());
    assert.equal(again.certificatePem, identity.certificatePem);
  });

  it("posts a signed SNS notification to a self-signed https loopback endpoint", async () => {
    const receiver = new Receiver();
    await listen(receiver, true);
    await merchant("A1MERCHANT0001", receiver.url, "1");
    await enqueue("A1MERCHANT0001");
    const ipnWorker = worker();
    await ipnWorker.drain();
    await ipnWorker.stop();

    assert.equal(receiver.received.length, 1);
    const { body, headers } = receiver.received[0] as Received;
    assert.equal(headers["content-type"], "text/plain; charset=UTF-8");
    assert.equal(headers["x-amz-sns-message-type"], "Notification");
    assert.equal(headers["user-agent"], "Amazon Simple Notification Service Agent");
    const verify = createSnsVerifier({
      fetchCertificate: async () => certificatePem,
      extraCertificateUrl: `${ORIGIN}/__sns/cert.pem`,
    });
    const message = await verify(body);
    assert.equal(message.SignatureVersion, "1");
    assert.equal(headers["x-amz-sns-message-id"], message.MessageId);
    assert.equal(headers["x-amz-sns-topic-arn"], message.TopicArn);
    assert.deepEqual(Object.keys(JSON.parse(body)), [
      "Type",
      "MessageId",
      "TopicArn",
      "Message",
      "Timestamp",
      "SignatureVersion",
      "Signature",
      "SigningCertURL",
      "UnsubscribeURL",
    ]);
    const ipn = JSON.parse(message.Message);
    assert.deepEqual(Object.keys(ipn), [
      "MerchantID",
      "ObjectType",
      "ObjectId",
      "ChargePermissionId",
      "NotificationType",
      "NotificationId",
      "NotificationVersion",
    ]);
    assert.equal(ipn.MerchantID, "A1MERCHANT0001");
    assert.equal(ipn.ObjectId, "S02-1234567-1234567-C000001");
    assert.equal(ipn.NotificationVersion, "V2");
    const [row] = await outbox();
    assert.equal(row?.outcome, "delivered");
    assert.equal(row?.attempts, 1);
  });

  it("retries a failed delivery when the emulated clock reaches the next hour, with the same message", async () => {
    const receiver = new Receiver();
    receiver.answers = [503];
    await listen(receiver, false);
    await merchant("A1MERCHANT0002", receiver.url);
    await enqueue("A1MERCHANT0002");
    const ipnWorker = worker();
    await ipnWorker.drain();
    assert.equal(receiver.received.length, 1);
    let [row] = await outbox();
    assert.deepEqual([row?.outcome, row?.attempts, row?.last_status], [null, 1, 503]);

    await advanceClock(HOUR - 60_000);
    await ipnWorker.drain();
    assert.equal(receiver.received.length, 1, "not due before the hour");

    await advanceClock(60_000);
    await ipnWorker.drain();
    await ipnWorker.stop();
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[1]?.body, receiver.received[0]?.body);
    [row] = await outbox();
    assert.deepEqual([row?.outcome, row?.attempts], ["delivered", 2]);
  });

  it("abandons a notification after the last retry of the schedule", async () => {
    const receiver = new Receiver();
    receiver.answers = [500, 500, 500];
    await listen(receiver, false);
    await merchant("A1MERCHANT0003", receiver.url);
    await enqueue("A1MERCHANT0003");
    const ipnWorker = worker({ retrySchedule: [0, 0] });
    for (let i = 0; i < 4; i += 1) await ipnWorker.drain();
    await ipnWorker.stop();
    assert.equal(receiver.received.length, 3);
    const [row] = await outbox();
    assert.deepEqual([row?.outcome, row?.attempts], ["abandoned", 3]);
  });

  it("drops the next notification for good when told to, and sends the one after", async () => {
    const receiver = new Receiver();
    await listen(receiver, false);
    await merchant("A1MERCHANT0004", receiver.url);
    await enqueue("A1MERCHANT0004", "S02-1234567-1234567-C000001");
    await enqueue("A1MERCHANT0004", "S02-1234567-1234567-C000002");
    const ipnWorker = worker({ faults: faults(1, 0), concurrency: 1 });
    await ipnWorker.drain();
    await ipnWorker.drain();
    await advanceClock(10 * HOUR);
    await ipnWorker.drain();
    await ipnWorker.stop();
    assert.equal(receiver.received.length, 1);
    assert.match(receiver.received[0]?.body ?? "", /C000002/);
    assert.deepEqual(
      (await outbox()).map((row) => [row.outcome, row.envelope === null]),
      [
        ["dropped", true],
        ["delivered", false],
      ],
    );
  });

  it("sends the next notification twice when told to duplicate", async () => {
    const receiver = new Receiver();
    await listen(receiver, false);
    await merchant("A1MERCHANT0005", receiver.url);
    await enqueue("A1MERCHANT0005");
    const ipnWorker = worker({ faults: faults(0, 1) });
    await ipnWorker.drain();
    await ipnWorker.stop();
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[0]?.body, receiver.received[1]?.body);
    const [row] = await outbox();
    assert.equal(row?.outcome, "delivered");
  });

  it("never lets two workers send the same row", async () => {
    const receiver = new Receiver();
    await listen(receiver, false);
    await merchant("A1MERCHANT0006", receiver.url);
    for (let i = 0; i < 12; i += 1)
      await enqueue("A1MERCHANT0006", `S02-1234567-1234567-C${String(i).padStart(6, "0")}`);
    const first = worker({ concurrency: 3 });
    const second = worker({ concurrency: 3 });
    for (let round = 0; round < 6; round += 1) await Promise.all([first.drain(), second.drain()]);
    await Promise.all([first.stop(), second.stop()]);
    const objectIds = receiver.received.map((r) => JSON.parse(JSON.parse(r.body).Message).ObjectId);
    assert.equal(objectIds.length, 12);
    assert.equal(new Set(objectIds).size, 12);
  });

  it("keeps delivering to others while one endpoint hangs, and times the hung send out for a retry", async () => {
    const hanging = new Receiver();
    hanging.hang = true;
    const healthy = new Receiver();
    await listen(hanging, false);
    await listen(healthy, false);
    await merchant("A1MERCHANT0007", hanging.url);
    await merchant("A1MERCHANT0008", healthy.url);
    await enqueue("A1MERCHANT0007");
    await enqueue("A1MERCHANT0008");
    let timedOut: () => void = () => undefined;
    const retryScheduled = new Promise<void>((resolve) => {
      timedOut = resolve;
    });
    const ipnWorker = worker({
      timeoutMs: 300,
      onAttempt: (event) => {
        if (event.merchantId === "A1MERCHANT0007" && event.outcome === "retry") timedOut();
      },
    });
    ipnWorker.start();
    await Promise.all([hanging.waitFor(1), healthy.waitFor(1), retryScheduled]);
    await ipnWorker.stop();
    const rows = await outbox();
    assert.equal(rows[1]?.outcome, "delivered");
    assert.deepEqual([rows[0]?.outcome, rows[0]?.attempts], [null, 1]);
  });

  it("cuts off a hanging send on stop and leaves the row for the next run, uncounted", async () => {
    const hanging = new Receiver();
    hanging.hang = true;
    await listen(hanging, false);
    await merchant("A1MERCHANT0011", hanging.url);
    await enqueue("A1MERCHANT0011");
    const ipnWorker = worker({ timeoutMs: 600_000 });
    ipnWorker.start();
    await hanging.waitFor(1);
    await ipnWorker.stop();
    const rows = await db.query<{ outcome: string | null; attempts: number; lease_until: unknown }>(
      "select outcome, attempts, lease_until from ipn_outbox",
    );
    assert.deepEqual(rows, [{ outcome: null, attempts: 0, lease_until: null }]);
    const next = worker();
    hanging.hang = false;
    await next.drain();
    await next.stop();
    assert.equal(hanging.received.length, 2);
    assert.equal(hanging.received[1]?.body, hanging.received[0]?.body);
    assert.equal((await outbox())[0]?.outcome, "delivered");
  });

  it("refuses plain http outside loopback and merchants without an IPN URL, without sending", async () => {
    await merchant("A1MERCHANT0009", "http://merchant.example/ipn");
    await merchant("A1MERCHANT0010", null);
    await enqueue("A1MERCHANT0009");
    await enqueue("A1MERCHANT0010");
    const ipnWorker = worker();
    await ipnWorker.drain();
    await ipnWorker.stop();
    const rows = await db.query<{ outcome: string; last_error: string }>(
      "select outcome, last_error from ipn_outbox order by id",
    );
    assert.deepEqual(
      rows.map((row) => row.outcome),
      ["abandoned", "abandoned"],
    );
    assert.match(rows[0]?.last_error ?? "", /loopback/);
  });
});
