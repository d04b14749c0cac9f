/**
 * `kill -9` of a gateway process with notifications outstanding (docs/async.md): the shop's
 * URLNotify is down, completions, captures and a pending refund have queued notifies, the
 * process is killed with SIGKILL, Amazon settles the refund while it is dead (its IPN cannot be
 * delivered and is retried), the shop's endpoint recovers and the gateway restarts on the same
 * data: every notification arrives exactly once with all its payment data.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { readAnswer } from "../src/paygate/client.js";
import { captureNotify, completionResult, creditNotify } from "../src/paygate/tables.js";
import { type ProcessBench, startProcessBench } from "./async-processes.js";
import {
  admin,
  advanceAmazon,
  capture,
  createAsyncShop,
  credit,
  pay,
  startPayment,
} from "./async-support.js";
import type { World } from "./paygate-support.js";
import { freePort, type KasseProcess, killHard, stopGracefully } from "./support/kasse-process.js";

let bench: ProcessBench;
let gateway: KasseProcess | undefined;

before(async () => {
  bench = await startProcessBench({
    extraArgs: [
      "--notify-retry-schedule",
      "1s,1s,1s,1s,1s,1s,1s,1s",
      "--notify-timeout",
      "500ms",
      // Whichever comes first after the restart settles the refunds: the IPN Amazon retries, or the job.
      "--reconcile-schedule",
      "1s",
    ],
  });
});
after(async () => {
  if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null)
    await stopGracefully(gateway);
  await bench.close();
});

async function outstanding(world: World): Promise<Array<{ status: string; attempts: number }>> {
  const answer = await admin(world, "GET", "/merchants/shop-restart/notifications");
  assert.equal(answer.status, 200);
  return answer.body.notifications as Array<{ status: string; attempts: number }>;
}

it("notifications outstanding at kill -9 are delivered after the restart, once, with their data", {
  timeout: 120_000,
}, async () => {
  const port = await freePort();
  gateway = await bench.spawnGateway("gateway", port);
  let world = bench.worldOf(gateway);
  const shop = await createAsyncShop(world, "shop-restart");
  bench.notify.failures = Array.from({ length: 10_000 }, () => 503);

  const payIds: string[] = [];
  for (const transId of ["T-K1", "T-K2"]) {
    const answer = await startPayment(world, shop, transId, { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    payIds.push(payId);
    await pay(world, answer);
    assert.equal((await capture(world, shop, payId, { TransID: transId })).values.Status, "OK");
    assert.equal((await credit(world, shop, payId, 1000)).values.Status, "PENDING");
  }
  // Completion and capture notifies queued and refused by the shop at least once each.
  while ((await outstanding(world)).filter((n) => n.status === "pending" && n.attempts >= 1).length < 4) {
    await delay(50);
  }
  await killHard(gateway);

  // Amazon settles the refunds while the gateway is dead; the shop's endpoint recovers.
  await advanceAmazon(world, 31);
  bench.notify.failures = [];
  gateway = await bench.spawnGateway("gateway", port);
  world = bench.worldOf(gateway);

  const received = await bench.notify.waitFor(6);
  const seen = new Set<string>();
  const byPayment = new Map<string, string[]>();
  for (const { body } of received) {
    const generic = readAnswer(shop, completionResult, body);
    assert.ok(generic.ok && generic.macVerified, `notify readable and MAC verified: ${body}`);
    const payId = generic.values.PayID as string;
    const type = (generic.extra.get("notificationtype") ?? "completion") as string;
    const key = `${payId}/${generic.values.XID}/${type}`;
    assert.ok(!seen.has(key), `delivered twice: ${key}`);
    seen.add(key);
    byPayment.set(payId, [...(byPayment.get(payId) ?? []), type]);
    if (type === "CaptureNotification") {
      const captured = readAnswer(shop, captureNotify, body);
      assert.ok(captured.ok);
      assert.equal(captured.values.Status, "OK");
      assert.equal(captured.values.AmountCap, "3000");
    } else if (type === "CreditNotification") {
      const credited = readAnswer(shop, creditNotify, body);
      assert.ok(credited.ok);
      assert.equal(credited.values.Status, "OK");
      assert.equal(credited.values.AmountCred, "1000");
    } else {
      assert.equal(generic.values.Status, "OK");
      assert.equal(generic.values.AmountAuth, "3000");
      assert.ok(generic.values.chargeid, "completion notify carries the Amazon charge id");
    }
  }
  for (const payId of payIds) {
    assert.deepEqual(byPayment.get(payId)?.sort(), [
      "CaptureNotification",
      "CreditNotification",
      "completion",
    ]);
  }
  const rows = await outstanding(world);
  assert.equal(rows.length, 6);
  assert.ok(
    rows.every((row) => row.status === "delivered"),
    JSON.stringify(rows),
  );
  assert.equal(bench.notify.received.length, 6, "nothing more arrived");
});
