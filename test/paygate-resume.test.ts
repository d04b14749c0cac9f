/**
 * Resuming an Amazon call whose outcome is unknown (docs/paygate-flows.md, "Resuming a cut call"):
 * Amazon processed the request but its answer was lost (emulator fault `afterCommit`), or the
 * gateway stopped in the middle. The shop's retry with the same ReqId, a later request, or the
 * buyer's reload of the result page sends the request planned first again, with the same
 * idempotency key, records what Amazon did — once — and answers with the action's real result.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Agent } from "undici";
import { startEmulator } from "../src/emulator/index.js";
import { type GatewayOptions, startGateway } from "../src/gateway/index.js";
import { createCertificate } from "../src/http/tls.js";
import { silentLogger } from "../src/log.js";
import { readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import {
  captureRequest,
  captureResponse,
  completionResult,
  creditNotify,
  creditRequest,
  creditResponse,
  initRequest,
  initResponse,
  inquireRequest,
  inquireResponse,
  reverseRequest,
  reverseResponse,
} from "../src/paygate/tables.js";
import {
  ADMIN_TOKEN,
  browse,
  buyer,
  call,
  createShop,
  NotifyReceiver,
  SHOP,
  type World,
} from "./paygate-support.js";

let world: { -readonly [K in keyof World]: World[K] };
let shop: ShopCredentials;
let dataDir: string;
let gatewayOptions: GatewayOptions;

before(async () => {
  const tls = await createCertificate();
  dataDir = await mkdtemp(join(tmpdir(), "kasse-resume-"));
  const emulator = await startEmulator({ port: 0, tls, ipn: false });
  gatewayOptions = {
    host: "127.0.0.1",
    port: 0,
    dataDir,
    tls,
    logger: silentLogger(),
    adminToken: ADMIN_TOKEN,
    emulator: { url: emulator.url, ca: tls.cert },
    notifyRetryScheduleMs: [20, 20],
  };
  const notify = new NotifyReceiver();
  await notify.start();
  const gateway = await startGateway(gatewayOptions);
  world = {
    gateway,
    emulator,
    notify,
    agent: new Agent({ connect: { ca: tls.cert, rejectUnauthorized: true } }),
    async close() {
      await this.gateway.close();
      await emulator.close();
      await notify.close();
      await this.agent.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  shop = await createShop(world, "shop-resume");
});
after(() => world.close());

/** Stops the gateway and starts it again on the same data directory (a new port). */
async function restartGateway(): Promise<void> {
  await world.gateway.close();
  world.gateway = await startGateway(gatewayOptions);
}

/**
 * The next `count` answers of Amazon's `operation` are lost after Amazon committed the change;
 * `unreadable` operations fail before processing meanwhile (Amazon cannot be asked either).
 */
async function loseAnswers(operation: string, unreadable: readonly string[] = []): Promise<void> {
  await buyer(world, "/__admin/faults", {
    reset: true,
    failures: [
      { operation, status: 500, count: 10, phase: "afterCommit" },
      ...unreadable.map((other) => ({ operation: other, status: 500, count: 10, phase: "beforeProcessing" })),
    ],
  });
}

async function clearFaults(): Promise<void> {
  await buyer(world, "/__admin/faults", { reset: true });
}

/** Amazon's own records of a kind under a parent (charge permission → charges, refunds). */
async function amazonObjects(kind: string, parentId: string) {
  return world.emulator.db.query<{ id: string; state: string }>(
    "SELECT id, state FROM objects WHERE kind = $1 AND parent_id = $2",
    [kind, parentId],
  );
}

async function initAndConfirm(transId: string, amount: number, txType: string) {
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
      TxType: txType,
      URLSuccess: `${SHOP}/success`,
      URLFailure: `${SHOP}/failure`,
      URLNotify: `${world.notify.url}/notify`,
      URLCancel: `${SHOP}/cancel`,
      ShopUrl: `${SHOP}/review`,
    },
    initResponse,
  );
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: init.values.buttonpayload,
    signature: init.values.buttonsignature,
    publicKeyId: init.values.buttonpublickeyid,
  });
  assert.ok((await browse(world, click.redirectUrl as string)).startsWith(`${SHOP}/review?`));
  const confirmed = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
  return { payId: init.values.PayID as string, resultUrl: confirmed.redirectUrl as string };
}

/** A payment completed at once: captured (AuthorizeWithCapture) or authorised. */
async function completedPayment(transId: string, amount: number, txType = "AuthorizeWithCapture") {
  const { payId, resultUrl } = await initAndConfirm(transId, amount, txType);
  const success = await browse(world, resultUrl);
  const completion = readAnswer(shop, completionResult, success);
  assert.ok(completion.ok && completion.values.Status === "OK", success);
  return {
    payId,
    chargeId: completion.values.chargeid as string,
    permissionId: completion.values.chargepermissionid as string,
  };
}

const credit = (payId: string, transId: string, amount: number, reqId: string) =>
  call(
    world,
    shop,
    "credit.aspx",
    creditRequest,
    { PayID: payId, TransID: transId, Amount: amount, Currency: "EUR" },
    creditResponse,
    { extra: [["ReqId", reqId]] },
  );

const inquire = async (payId: string) =>
  (await call(world, shop, "inquire.aspx", inquireRequest, { PayID: payId }, inquireResponse)).values;

/** The CreditNotifications of a payment, once `count` of them have arrived. */
async function creditNotifications(payId: string, count: number) {
  for (;;) {
    const heard = world.notify.received
      .map((notification) => readAnswer(shop, creditNotify, notification.body))
      .filter((answer) => answer.ok && answer.values.PayID === payId && answer.values.NotificationType);
    if (heard.length >= count) return heard;
    await world.notify.waitFor(world.notify.received.length + 1);
  }
}

describe("resuming a money-moving call with an unknown outcome", () => {
  it("credit: the shop's retry with the same ReqId finishes the refund Amazon made, once", async () => {
    const { payId, permissionId } = await completedPayment("RS-CR1", 5000);
    await loseAnswers("createRefund");
    const cut = await credit(payId, "RS-CR1", 1200, "RS-CR1-R1");
    // Amazon made the refund; Kasse does not know: PENDING with the "no answer" code, no refund id.
    assert.equal(cut.values.Status, "PENDING");
    assert.equal(cut.code, "6A200004");
    assert.equal(cut.values.refundid, undefined);
    assert.equal((await amazonObjects("Refund", permissionId)).length, 1);

    await clearFaults();
    const retried = await credit(payId, "RS-CR1", 1200, "RS-CR1-R1");
    assert.equal(retried.values.XID, cut.values.XID, "the same action");
    assert.equal(retried.values.Status, "PENDING");
    assert.equal(retried.code, "6A200002", "refund accepted, settled later");
    const refunds = await amazonObjects("Refund", permissionId);
    assert.equal(refunds.length, 1, "no second refund");
    assert.equal(retried.values.refundid, refunds[0]?.id);

    await buyer(world, "/__admin/clock", { advanceSeconds: 31 });
    const settled = await inquire(payId);
    assert.equal(settled.AmountCred, "1200");
    assert.equal(settled.LastStatus, "CREDITED");
    const again = await credit(payId, "RS-CR1", 1200, "RS-CR1-R1");
    assert.equal(again.values.Status, "OK");
    assert.equal(again.values.refundid, refunds[0]?.id);
  });

  it("credit: a new refund request first finishes the one whose answer was lost", async () => {
    const { payId, permissionId } = await completedPayment("RS-CR2", 5000);
    await loseAnswers("createRefund");
    const cut = await credit(payId, "RS-CR2", 700, "RS-CR2-R1");
    assert.equal(cut.code, "6A200004");
    await clearFaults();

    const second = await credit(payId, "RS-CR2", 300, "RS-CR2-R2");
    assert.notEqual(second.values.XID, cut.values.XID);
    assert.equal(second.code, "6A200002");
    assert.equal((await amazonObjects("Refund", permissionId)).length, 2, "the lost one and the new one");

    await buyer(world, "/__admin/clock", { advanceSeconds: 31 });
    assert.equal((await inquire(payId)).AmountCred, "1000");
    const heard = await creditNotifications(payId, 2);
    const xids = new Set(heard.map((answer) => (answer.ok ? answer.values.XID : "")));
    assert.deepEqual(xids, new Set([cut.values.XID, second.values.XID]));
  });

  it("inquire resumes a refund whose answer was lost", async () => {
    const { payId, permissionId } = await completedPayment("RS-CR3", 4000);
    await loseAnswers("createRefund");
    assert.equal((await credit(payId, "RS-CR3", 900, "RS-CR3-R1")).code, "6A200004");
    await clearFaults();
    await buyer(world, "/__admin/clock", { advanceSeconds: 31 });
    // The first inquire learns the refund id and settles it in the same call.
    const after = await inquire(payId);
    assert.equal(after.AmountCred, "900");
    assert.equal(after.LastStatus, "CREDITED");
    assert.equal((await amazonObjects("Refund", permissionId)).length, 1);
  });

  it("capture: the retry answers the capture Amazon made, not a second one", async () => {
    const { payId, chargeId } = await completedPayment("RS-CA1", 3000, "Authorize");
    const capture = () =>
      call(
        world,
        shop,
        "capture.aspx",
        captureRequest,
        { PayID: payId, TransID: "RS-CA1", Amount: 3000, Currency: "EUR" },
        captureResponse,
        { extra: [["ReqId", "RS-CA1-C"]] },
      );
    await loseAnswers("captureCharge");
    const cut = await capture();
    assert.equal(cut.values.Status, "PENDING");
    assert.equal(cut.code, "6A200004");
    await clearFaults();

    const retried = await capture();
    assert.equal(retried.values.XID, cut.values.XID);
    assert.equal(retried.values.Status, "OK");
    assert.equal(retried.values.chargeid, chargeId);
    const [charge] = await world.emulator.db.query<{ state: string }>(
      "SELECT state FROM objects WHERE kind = 'Charge' AND id = $1",
      [chargeId],
    );
    assert.equal(charge?.state, "Captured");
    assert.equal((await inquire(payId)).AmountCap, "3000");
  });

  it("reverse: the retry records the cancellation Amazon made", async () => {
    const { payId } = await completedPayment("RS-RV1", 2500, "Authorize");
    const reverse = () =>
      call(world, shop, "reverse.aspx", reverseRequest, { PayID: payId }, reverseResponse, {
        extra: [["ReqId", "RS-RV1-X"]],
      });
    // Cancel Charge has no idempotency key: the connector's own retry is refused
    // (InvalidChargeStatus) and the charge, unreadable for now, cannot say why.
    await loseAnswers("cancelCharge", ["getCharge"]);
    const cut = await reverse();
    assert.equal(cut.code, "6A200004");
    await clearFaults();
    const retried = await reverse();
    assert.equal(retried.values.XID, cut.values.XID);
    assert.equal(retried.values.Status, "OK");
    assert.equal((await inquire(payId)).LastStatus, "REVERSED");
  });

  it("completion: after a restart the buyer's reload finishes the completion with the kept buyer data", async () => {
    const { payId, resultUrl } = await initAndConfirm("RS-CO1", 4200, "Authorize");
    await loseAnswers("completeCheckoutSession");
    const lost = await browse(world, resultUrl);
    assert.ok(lost.startsWith(`${SHOP}/failure?`), lost);
    const pending = readAnswer(shop, completionResult, lost);
    assert.ok(!pending.ok || pending.values.Status !== "OK");

    await restartGateway();
    await clearFaults();
    const reload = new URL(new URL(resultUrl).pathname + new URL(resultUrl).search, world.gateway.url);
    const success = await browse(world, reload.toString());
    assert.ok(success.startsWith(`${SHOP}/success?`), success);
    const completion = readAnswer(shop, completionResult, success);
    assert.ok(completion.ok && completion.macVerified);
    assert.equal(completion.values.Status, "OK");
    assert.equal(completion.values.PayID, payId);
    assert.ok(completion.values.AmazonpayRedirectUrl?.startsWith(world.emulator.url));
    assert.equal(completion.values.buyerName, "Anna Schmidt");
    const charges = await amazonObjects("Charge", completion.values.chargepermissionid as string);
    assert.equal(charges.length, 1, "one charge at Amazon");
    assert.equal(completion.values.chargeid, charges[0]?.id);
    // Reloading again goes where the first finished visit went.
    assert.equal(await browse(world, reload.toString()), success);
    assert.equal((await inquire(payId)).AmountAuth, "4200");
  });

  it("completion: once Amazon's idempotency record is gone, the session and charge tell the outcome", async () => {
    const { payId, resultUrl } = await initAndConfirm("RS-CO2", 3300, "Authorize");
    await loseAnswers("completeCheckoutSession");
    assert.ok((await browse(world, resultUrl)).startsWith(`${SHOP}/failure?`));
    await clearFaults();
    // Amazon's idempotency window has passed: completing again answers InvalidCheckoutSessionStatus.
    await world.emulator.db.query("DELETE FROM idempotency");
    const success = await browse(world, resultUrl);
    const completion = readAnswer(shop, completionResult, success);
    assert.ok(completion.ok && completion.values.Status === "OK", success);
    assert.equal(completion.values.PayID, payId);
    assert.ok(completion.values.AmazonpayRedirectUrl?.startsWith(world.emulator.url));
    assert.equal((await inquire(payId)).AmountAuth, "3300");
  });
});
