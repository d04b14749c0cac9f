import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createCertificateFetcher, createTargetDispatchers } from "../src/amazon/sns-http.js";
import { createSnsVerifier, SnsVerificationError } from "../src/amazon/sns-verify.js";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import type { IpnAttemptEvent } from "../src/emulator/ipn/delivery-worker.js";
import { createCertificate } from "../src/http/tls.js";
import {
  admin,
  advanceClock,
  checkoutUntilResult,
  type SdkClient,
  sdkClient,
  type TestMerchant,
} from "./emulator-sdk-support.js";

interface Delivery {
  body: string;
  headers: IncomingMessage["headers"];
  sns: { MessageId: string; SigningCertURL: string };
  ipn: { MerchantID: string; ObjectType: string; ObjectId: string; NotificationVersion: string };
  status: number;
}

/** A merchant's IPN endpoint on loopback HTTPS with a self-signed certificate; answers are scripted. */
class IpnReceiver {
  readonly deliveries: Delivery[] = [];
  /** Statuses for the next requests, in order; 200 afterwards. */
  answers: number[] = [];
  url = "";
  #waiters: { ready: () => boolean; resolve: () => void }[] = [];
  #server = createServer();

  async listen(): Promise<void> {
    const tls = await createCertificate();
    this.#server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => this.#handle(req, res));
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    this.url = `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}/amazon-ipn`;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const sns = JSON.parse(body);
      const status = this.answers.shift() ?? 200;
      this.deliveries.push({ body, headers: req.headers, sns, ipn: JSON.parse(sns.Message), status });
      res.writeHead(status).end();
      for (const waiter of this.#waiters.filter((w) => w.ready())) waiter.resolve();
    });
  }

  /** Resolves once `ready` holds for the deliveries so far (checked on every arrival). */
  until(ready: (deliveries: Delivery[]) => boolean): Promise<void> {
    const check = () => ready(this.deliveries);
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ready: check, resolve }));
  }

  close(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }
}

/** The worker's settled attempts (its `onAttempt` hook), to wait for a retry to be scheduled. */
class AttemptLog {
  readonly events: IpnAttemptEvent[] = [];
  #waiters: { ready: () => boolean; resolve: () => void }[] = [];

  record(event: IpnAttemptEvent): void {
    this.events.push(event);
    for (const waiter of this.#waiters.filter((w) => w.ready())) waiter.resolve();
  }

  until(ready: (events: IpnAttemptEvent[]) => boolean): Promise<void> {
    const check = () => ready(this.events);
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ready: check, resolve }));
  }
}

const attempts = new AttemptLog();
const dispatchers = createTargetDispatchers({ timeoutMs: 10_000 });
const receivers: IpnReceiver[] = [];
let tls: Awaited<ReturnType<typeof createCertificate>>;

before(async () => {
  tls = await createCertificate();
});
after(async () => {
  for (const receiver of receivers) receiver.close();
  await dispatchers.close();
});

function start(options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  return startEmulator({
    port: 0,
    tls,
    ipn: { pollIntervalMs: 50, onAttempt: (event) => attempts.record(event) },
    ...options,
  });
}

async function receiver(): Promise<IpnReceiver> {
  const created = new IpnReceiver();
  await created.listen();
  receivers.push(created);
  return created;
}

async function merchantWithIpn(emulator: RunningEmulator, ipnUrl: string): Promise<TestMerchant> {
  const created = await admin(emulator, "/__admin/merchants", { region: "eu", ipnUrl });
  return { ...(created as unknown as TestMerchant), region: "eu" };
}

/** One payment authorized and captured at checkout; returns the charge and permission ids. */
async function capturedPayment(emulator: RunningEmulator, client: SdkClient, merchant: TestMerchant) {
  const price = { amount: "25.00", currencyCode: "EUR" };
  const id = await checkoutUntilResult(emulator, client, merchant, {
    paymentIntent: "AuthorizeWithCapture",
    chargeAmount: price,
  });
  const completed = await client.completeCheckoutSession(id, { chargeAmount: price });
  assert.equal(completed.status, 200);
  return {
    chargeId: completed.data.chargeId as string,
    permissionId: completed.data.chargePermissionId as string,
  };
}

async function pendingOutbox(emulator: RunningEmulator, merchantId: string): Promise<number> {
  const [row] = await emulator.db.query<{ count: number | string }>(
    "select count(*) as count from ipn_outbox where merchant_id = $1 and outcome is null",
    [merchantId],
  );
  return Number(row?.count ?? 0);
}

function verifierFor(emulator: RunningEmulator) {
  return createSnsVerifier({
    fetchCertificate: createCertificateFetcher(dispatchers),
    extraCertificateUrl: `${emulator.url}/__sns/cert.pem`,
  });
}

describe("IPNs from the running emulator", () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await start();
  });
  after(() => emulator.close());

  it("reach a loopback HTTPS receiver after a capture and verify with sns-verify", async () => {
    const endpoint = await receiver();
    const merchant = await merchantWithIpn(emulator, endpoint.url);
    const client = sdkClient(emulator, merchant);
    const { chargeId, permissionId } = await capturedPayment(emulator, client, merchant);
    await endpoint.until((all) =>
      all.some((d) => d.ipn.ObjectType === "CHARGE" && d.ipn.ObjectId === chargeId),
    );

    const verify = verifierFor(emulator);
    for (const delivery of endpoint.deliveries) {
      const message = await verify(delivery.body);
      assert.equal(message.SigningCertURL, `${emulator.url}/__sns/cert.pem`);
      assert.equal(delivery.headers["content-type"], "text/plain; charset=UTF-8");
      assert.equal(delivery.headers["x-amz-sns-message-type"], "Notification");
      assert.equal(delivery.headers["x-amz-sns-message-id"], message.MessageId);
      assert.equal(delivery.ipn.MerchantID, merchant.merchantId);
      assert.equal(delivery.ipn.NotificationVersion, "V2");
    }
    assert.ok(endpoint.deliveries.some((d) => d.ipn.ObjectId === permissionId));

    const strict = createSnsVerifier({ fetchCertificate: createCertificateFetcher(dispatchers) });
    await assert.rejects(
      strict(endpoint.deliveries[0]?.body ?? ""),
      (error) => error instanceof SnsVerificationError && error.reason === "untrusted-certificate-url",
    );
    const tampered = JSON.parse(endpoint.deliveries[0]?.body ?? "{}");
    tampered.Message = tampered.Message.replace(merchant.merchantId, "A0OTHERMERCHANT");
    await assert.rejects(
      verify(JSON.stringify(tampered)),
      (error) => error instanceof SnsVerificationError && error.reason === "bad-signature",
    );
    // The IPN carries no state (§10): the receiver asks the API.
    const charge = await client.getCharge(chargeId);
    assert.equal(charge.data.statusDetails.state, "Captured");
  });

  it("signs with SignatureVersion 2 by default and 1 for a merchant set to it", async () => {
    const endpoint = await receiver();
    const merchant = await merchantWithIpn(emulator, endpoint.url);
    await emulator.db.query("update merchants set ipn_signature_version = '1' where merchant_id = $1", [
      merchant.merchantId,
    ]);
    const { chargeId } = await capturedPayment(emulator, sdkClient(emulator, merchant), merchant);
    await endpoint.until((all) => all.some((d) => d.ipn.ObjectId === chargeId));
    const verify = verifierFor(emulator);
    for (const delivery of endpoint.deliveries)
      assert.equal((await verify(delivery.body)).SignatureVersion, "1");
    const other = receivers[0]?.deliveries[0];
    assert.equal(other && (await verify(other.body)).SignatureVersion, "2");
  });

  it("retries a receiver that failed first once the emulated hour has passed", async () => {
    const endpoint = await receiver();
    endpoint.answers = [503];
    const merchant = await merchantWithIpn(emulator, endpoint.url);
    await capturedPayment(emulator, sdkClient(emulator, merchant), merchant);
    await endpoint.until((all) => all.length >= 1);
    const failed = endpoint.deliveries[0] as Delivery;
    assert.equal(failed.status, 503);
    // The retry is scheduled an emulated hour after the failure is recorded; wait for the record.
    await attempts.until((events) =>
      events.some((e) => e.merchantId === merchant.merchantId && e.outcome === "retry"),
    );

    await advanceClock(emulator, 3_600);
    await endpoint.until((all) => all.filter((d) => d.sns.MessageId === failed.sns.MessageId).length >= 2);
    const retried = endpoint.deliveries.filter((d) => d.sns.MessageId === failed.sns.MessageId);
    assert.equal(retried[1]?.status, 200);
    assert.equal(retried[1]?.body, failed.body, "a retry resends the same signed message");
    await verifierFor(emulator)(retried[1]?.body ?? "");
  });

  it("duplicates and drops notifications when the faults say so", async () => {
    const duplicated = await receiver();
    const first = await merchantWithIpn(emulator, duplicated.url);
    await admin(emulator, "/__admin/faults", { ipnDuplicate: 1 });
    await capturedPayment(emulator, sdkClient(emulator, first), first);
    await duplicated.until((all) =>
      all.some((d) => all.filter((o) => o.sns.MessageId === d.sns.MessageId).length === 2),
    );
    const twice = duplicated.deliveries.find(
      (d) => duplicated.deliveries.filter((o) => o.sns.MessageId === d.sns.MessageId).length === 2,
    );
    assert.equal(
      duplicated.deliveries
        .filter((d) => d.sns.MessageId === twice?.sns.MessageId)
        .every((d) => d.body === twice?.body),
      true,
    );

    const dropped = await receiver();
    const second = await merchantWithIpn(emulator, dropped.url);
    await admin(emulator, "/__admin/faults", { ipnDrop: 1 });
    await capturedPayment(emulator, sdkClient(emulator, second), second);
    const [row] = await emulator.db.query<{ count: number | string }>(
      "select count(*) as count from ipn_outbox where merchant_id = $1",
      [second.merchantId],
    );
    const enqueued = Number(row?.count);
    assert.ok(enqueued >= 2, "a captured checkout announces the permission and the charge");
    await dropped.until((all) => all.length >= enqueued - 1);
    // The drop is recorded before any of the others is sent, so it is final by now: never
    // sealed, never sent, never retried (the worker claims only rows without an outcome).
    const outcomes = await emulator.db.query<{ outcome: string | null; envelope: string | null }>(
      "select outcome, envelope from ipn_outbox where merchant_id = $1 order by id",
      [second.merchantId],
    );
    const lost = outcomes.filter((o) => o.outcome === "dropped");
    assert.equal(lost.length, 1);
    assert.equal(lost[0]?.envelope, null);
    assert.equal(new Set(dropped.deliveries.map((d) => d.sns.MessageId)).size, enqueued - 1);
  });
});

describe("a restarted emulator", () => {
  it("delivers the outbox its previous run left, signed by the same certificate", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "kasse-ipn-restart-"));
    try {
      const endpoint = await receiver();
      const silent = await start({ dataDir, ipn: false });
      const merchant = await merchantWithIpn(silent, endpoint.url);
      await capturedPayment(silent, sdkClient(silent, merchant), merchant);
      const waiting = await pendingOutbox(silent, merchant.merchantId);
      assert.ok(waiting >= 2);
      const certificate = (await silent.app.inject({ url: "/__sns/cert.pem" })).body;
      await silent.close();
      assert.equal(endpoint.deliveries.length, 0);

      const restarted = await start({ dataDir });
      try {
        await endpoint.until((all) => all.length >= waiting);
        assert.equal((await restarted.app.inject({ url: "/__sns/cert.pem" })).body, certificate);
        const verify = verifierFor(restarted);
        for (const delivery of endpoint.deliveries) await verify(delivery.body);
      } finally {
        await restarted.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
