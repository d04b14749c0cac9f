/**
 * Cut Amazon calls nobody asks about again, and a reverse that ends a pending authorisation
 * (docs/async.md, docs/paygate-flows.md "Resuming a cut call"): the reconciliation job resumes a
 * refund whose answer Amazon lost on every try (emulator fault `afterCommit`) with the same key —
 * one refund at Amazon, one CreditNotification; a buyer's completion cut the same way is finished
 * by the job and the buyer's reload shows its result; an RTF=R ReqId replay resumes a cut Create Charge;
 * a reverse during `AuthorizationPending` sends the one FAILED completion notify.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, beforeEach, describe, it } from "node:test";
import { request } from "undici";
import { ManualClock } from "../src/core/clock.js";
import { createLogger } from "../src/log.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import {
  completionResult,
  creditNotify,
  recurringChargeNotify,
  reverseRequest,
  reverseResponse,
} from "../src/paygate/tables.js";
import {
  admin,
  advanceAmazon,
  createAsyncShop,
  credit,
  inquire,
  notifiesOf,
  pay,
  readNotify,
  startAsyncWorld,
  startPayment,
  waitForNotifies,
} from "./async-support.js";
import { ADMIN_TOKEN, browse, buyer, call, SHOP, type World } from "./paygate-support.js";
import { chargeAgain, notifyOf, subscribe } from "./recurring-support.js";

let world: World;
let shop: ShopCredentials;
const clock = new ManualClock(Date.now());
const MINUTE = 60_000;
/** The job's log lines at warn and above, to see what an operator would see. */
const logged: { level: number; msg: string; idempotencyKey?: string }[] = [];

before(async () => {
  world = await startAsyncWorld({
    gateway: {
      reconcileClock: clock,
      // Three tries, one and two minutes apart, jitter at its middle: the schedule is exact.
      cutCallBackoffMs: [MINUTE, 2 * MINUTE, 4 * MINUTE],
      backoffRandom: () => 0.5,
      logger: createLogger({
        level: "warn",
        destination: new Writable({
          write(line, _encoding, done) {
            logged.push(JSON.parse(String(line)));
            done();
          },
        }),
      }),
    },
  });
  shop = await createAsyncShop(world, "shop-cut-calls", { canHandlePendingAuthorization: true });
});
after(() => world.close());
// The job's clock starts each scenario at real time: one left ahead by an earlier scenario would
// let the job claim a call the moment it is cut, before the scenario looks.
beforeEach(() => clock.set(Date.now()));

/** Amazon answers every `operation` call with 500 before doing anything. */
async function neverAnswer(operation: string): Promise<void> {
  await buyer(world, "/__admin/faults", {
    reset: true,
    failures: [{ operation, status: 500, count: 10_000, phase: "beforeProcessing" }],
  });
}

/** Every answer of Amazon's `operation` is lost after Amazon committed the change. */
async function loseAnswers(operation: string, extra: { ipnDrop?: number } = {}): Promise<void> {
  await buyer(world, "/__admin/faults", {
    reset: true,
    failures: [{ operation, status: 500, count: 10, phase: "afterCommit" }],
    ...extra,
  });
}

async function clearFaults(): Promise<void> {
  await buyer(world, "/__admin/faults", { reset: true });
}

/** Amazon's own records of a kind under a parent (charge permission → charges, refunds). */
async function amazonObjects(kind: string, parentId: string) {
  return world.emulator.db.query<{ id: string }>(
    "SELECT id FROM objects WHERE kind = $1 AND parent_id = $2",
    [kind, parentId],
  );
}

async function gatewayRows<Row>(sql: string, params: unknown[]): Promise<Row[]> {
  return world.gateway.db.query<Row>(sql, params);
}

/** Waits (on the job's real-time loop, not on a clock) until the condition holds. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let round = 0; round < 400; round++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`never: ${what}`);
}

async function operationStates(payId: string, action: string): Promise<string[]> {
  const rows = await gatewayRows<{ state: string }>(
    "SELECT state FROM operations WHERE pay_id = $1 AND action = $2 ORDER BY sequence",
    [payId, action],
  );
  return rows.map((row) => row.state);
}

async function callOf(payId: string, action: string) {
  const [row] = await gatewayRows<{
    idempotency_key: string;
    state: string;
    attempts: number;
    given_up_at: string | null;
  }>(
    "SELECT idempotency_key, state, attempts, given_up_at FROM operations WHERE pay_id = $1 AND action = $2",
    [payId, action],
  );
  assert.ok(row, `no ${action} call of ${payId}`);
  return row;
}

/** The payment's detail on the JSON API, as the back office reads it (operator token). */
async function apiPayment(payId: string) {
  const response = await request(`${world.gateway.url}/api/v1/payments/${payId}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    dispatcher: world.agent,
  });
  assert.equal(response.statusCode, 200);
  return (await response.body.json()) as {
    timeline: { amazonCalls: { operation: string; givenUpAt: string | null }[] }[];
  };
}

async function lastTouched(payId: string, action: string): Promise<number> {
  const [row] = await gatewayRows<{ updated_at: string }>(
    "SELECT max(updated_at) AS updated_at FROM operations WHERE pay_id = $1 AND action = $2",
    [payId, action],
  );
  return Number(row?.updated_at);
}

async function queued(payId: string): Promise<string[]> {
  const rows = await gatewayRows<{ event: string }>(
    "SELECT event FROM notifications WHERE pay_id = $1 ORDER BY notification_id",
    [payId],
  );
  return rows.map((row) => row.event);
}

describe("cut calls and pending authorisations", { timeout: 60_000 }, () => {
  it("the reconciliation job resumes a refund whose answer was lost: one refund, one notify", async () => {
    const answer = await startPayment(world, shop, "T-CUT-CR", { TxType: "AuthorizeWithCapture" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    await waitForNotifies(world, "T-CUT-CR", 1);
    const [payment] = await gatewayRows<{ charge_permission_id: string }>(
      "SELECT charge_permission_id FROM payments WHERE pay_id = $1",
      [payId],
    );
    const permissionId = payment?.charge_permission_id as string;

    await loseAnswers("createRefund");
    const cut = await credit(world, shop, payId, 900);
    clock.set(await lastTouched(payId, "credit"));
    assert.equal(cut.values.Status, "PENDING");
    assert.equal(cut.code, "6A200004", "outcome unknown");
    assert.equal((await amazonObjects("Refund", permissionId)).length, 1, "Amazon did refund");
    await clearFaults();

    // Within the grace period the call is left to the request that made it.
    clock.advance(MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await operationStates(payId, "credit"), ["unknown"]);

    // After it, the job resumes it (same key, same body): Amazon replays its refund.
    clock.advance(MINUTE + 1_000);
    await until("the job resumed the refund", async () => {
      const states = await operationStates(payId, "credit");
      return states[0] === "succeeded";
    });
    // Amazon settles the refund; its IPN brings the CreditNotification, once.
    await advanceAmazon(world, 31);
    const notifies = await waitForNotifies(world, "T-CUT-CR", 2);
    const notified = readNotify(shop, creditNotify, (notifies[1] as { body: string }).body);
    assert.equal(notified.values.NotificationType, "CreditNotification");
    assert.equal(notified.values.Status, "OK");
    assert.equal(notified.values.AmountCred, "900");

    // Later cycles find nothing to resume: still one refund, one credit notify queued.
    clock.advance(10 * MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await amazonObjects("Refund", permissionId)).length, 1);
    assert.deepEqual(await operationStates(payId, "credit"), ["succeeded"]);
    assert.deepEqual(await queued(payId), ["completion", "credit"]);
    assert.equal(notifiesOf(world, "T-CUT-CR").length, 2);
  });

  it("the job finishes a completion whose answer was lost; the buyer's reload shows the same", async () => {
    const answer = await startPayment(world, shop, "T-CUT-COMPLETE", { TxType: "AuthorizeWithCapture" });
    const payId = answer.values.PayID as string;
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: answer.values.buttonpayload,
      signature: answer.values.buttonsignature,
      publicKeyId: answer.values.buttonpublickeyid,
    });
    await browse(world, click.redirectUrl as string);
    const back = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
    const resultPage = back.redirectUrl as string;

    // Amazon completes the session, but every answer is lost and its IPNs too (so no IPN
    // settles the payment first): the buyer sees PENDING.
    await loseAnswers("completeCheckoutSession", { ipnDrop: 10 });
    const landed = await browse(world, resultPage);
    await clearFaults();
    // The job's clock starts at the call's last touch, so "within the grace period" does not
    // depend on how long the tries took on a loaded machine.
    clock.set(await lastTouched(payId, "complete"));
    const shown = readNotify(shop, completionResult, new URL(landed).search.slice(1));
    assert.ok(landed.startsWith(`${SHOP}/failure?`), landed);
    assert.equal(shown.values.Status, "PENDING");
    assert.deepEqual(await operationStates(payId, "complete"), ["unknown"]);

    // Within the grace period nothing happens; after it the job resumes the stored completion.
    clock.advance(MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await queued(payId), []);
    clock.advance(MINUTE + 1_000);
    const [notify] = await waitForNotifies(world, "T-CUT-COMPLETE", 1);
    const notified = readNotify(shop, completionResult, (notify as { body: string }).body);
    assert.equal(notified.values.Status, "OK", notified.values.Code);
    assert.equal(notified.values.PayID, payId);
    assert.deepEqual(await operationStates(payId, "complete"), ["succeeded"]);

    // The buyer's reload — now and again later — shows the recorded result: URLSuccess, OK.
    for (const reload of [1, 2]) {
      const again = await browse(world, resultPage);
      assert.ok(again.startsWith(`${SHOP}/success?`), `reload ${reload}: ${again}`);
      const result = readNotify(shop, completionResult, new URL(again).search.slice(1));
      assert.equal(result.values.Status, "OK");
      assert.equal(result.values.XID, notified.values.XID);
    }

    // One charge at Amazon, one completion notify, however many cycles run.
    clock.advance(10 * MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [payment] = await gatewayRows<{ charge_permission_id: string }>(
      "SELECT charge_permission_id FROM payments WHERE pay_id = $1",
      [payId],
    );
    assert.equal((await amazonObjects("Charge", payment?.charge_permission_id as string)).length, 1);
    assert.deepEqual(await queued(payId), ["completion"]);
    assert.equal(notifiesOf(world, "T-CUT-COMPLETE").length, 1);
  });

  it("a call Amazon never answers is retried on its stored backoff, given up, shown, and resumed by hand", async () => {
    const answer = await startPayment(world, shop, "T-CUT-GIVEUP", { TxType: "AuthorizeWithCapture" });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    await waitForNotifies(world, "T-CUT-GIVEUP", 1);

    await neverAnswer("createRefund");
    const cut = await credit(world, shop, payId, 700);
    assert.equal(cut.values.Status, "PENDING");
    assert.equal(cut.code, "6A200004", "outcome unknown");
    clock.set(await lastTouched(payId, "credit"));
    const key = (await callOf(payId, "credit")).idempotency_key;

    // Try 1 after the grace period, try 2 one minute later, try 3 (the last) two minutes later.
    const tries: [advance: number, attempts: number][] = [
      [2 * MINUTE + 1_000, 1],
      [MINUTE, 2],
      [2 * MINUTE, 3],
    ];
    for (const [advance, attempts] of tries) {
      clock.advance(advance - 2_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await callOf(payId, "credit")).attempts, attempts - 1, `not before try ${attempts}`);
      clock.advance(2_000);
      await until(`try ${attempts}`, async () => (await callOf(payId, "credit")).attempts === attempts);
    }
    await until("given up", async () => (await callOf(payId, "credit")).given_up_at !== null);
    assert.equal((await callOf(payId, "credit")).state, "unknown");

    // No further tries, however long it waits.
    clock.advance(24 * 60 * MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await callOf(payId, "credit")).attempts, 3);

    // The operator sees it: one error line naming the call, the metrics, the admin list.
    const errors = logged.filter((line) => line.level >= 50 && line.idempotencyKey === key);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]?.msg ?? "", /given up/);
    const metrics = await request(`${world.gateway.url}/metrics`, { dispatcher: world.agent });
    const text = await metrics.body.text();
    assert.match(text, /^kasse_cut_calls_given_up 1$/m);
    assert.match(text, /^kasse_cut_calls_given_up_total [1-9]/m);
    const listed = await admin(world, "GET", `/operations/given-up?merchantId=${shop.merchantId}`);
    assert.equal(listed.status, 200);
    const operations = listed.body.operations as {
      idempotencyKey: string;
      attempts: number;
      payId: string;
    }[];
    assert.deepEqual(
      operations.map(({ idempotencyKey, attempts, payId: id }) => ({ idempotencyKey, attempts, payId: id })),
      [{ idempotencyKey: key, attempts: 3, payId }],
    );
    const detail = await apiPayment(payId);
    const creditCall = detail.timeline
      .flatMap((entry) => entry.amazonCalls)
      .find((c) => c.operation === "createRefund");
    assert.ok(creditCall?.givenUpAt, "the timeline shows the call given up");

    // Amazon is back; the operator resumes it: sent once more with its key, one refund, one notify.
    await clearFaults();
    assert.equal(
      (await admin(world, "POST", `/merchants/${shop.merchantId}/operations/nope/resume`)).status,
      404,
    );
    // Bad forms change nothing: an unknown merchant, a NUL or over-long key, bad list queries.
    for (const path of [
      `/merchants/no-such-shop/operations/${key}/resume`,
      `/merchants/${shop.merchantId}/operations/${encodeURIComponent(`${key}\u0000`)}/resume`,
      `/merchants/${shop.merchantId}/operations/${"k".repeat(201)}/resume`,
    ]) {
      const { status } = await admin(world, "POST", path);
      assert.ok([400, 404, 414].includes(status), `${path} → ${status}`);
    }
    for (const query of [
      "limit=0",
      "limit=1001",
      "limit=ten",
      `merchantId=${encodeURIComponent("a\u0000b")}`,
    ]) {
      assert.equal((await admin(world, "GET", `/operations/given-up?${query}`)).status, 400, query);
    }
    assert.notEqual((await callOf(payId, "credit")).given_up_at, null, "still given up");
    const resumed = await admin(world, "POST", `/merchants/${shop.merchantId}/operations/${key}/resume`);
    assert.equal(resumed.status, 202, JSON.stringify(resumed.body));
    assert.equal(resumed.body.givenUpAt, null);
    await until(
      "the job resumed the refund",
      async () => (await callOf(payId, "credit")).state === "succeeded",
    );
    await advanceAmazon(world, 31);
    const notifies = await waitForNotifies(world, "T-CUT-GIVEUP", 2);
    const notified = readNotify(shop, creditNotify, (notifies[1] as { body: string }).body);
    assert.equal(notified.values.AmountCred, "700");
    const [payment] = await gatewayRows<{ charge_permission_id: string }>(
      "SELECT charge_permission_id FROM payments WHERE pay_id = $1",
      [payId],
    );
    assert.equal((await amazonObjects("Refund", payment?.charge_permission_id as string)).length, 1);
    assert.deepEqual(
      (await admin(world, "GET", `/operations/given-up?merchantId=${shop.merchantId}`)).body.operations,
      [],
    );
  });

  it("a reverse during a pending authorisation (card 0701) sends one FAILED completion notify", async () => {
    const answer = await startPayment(world, shop, "T-REV-0701", { TxType: "Authorize" });
    const payId = answer.values.PayID as string;
    const landed = await pay(world, answer, "0701");
    assert.match(landed, /\/success\?/, "URLSuccess with Status=PENDING");

    const reversed = await call(
      world,
      shop,
      "reverse.aspx",
      reverseRequest,
      { PayID: payId },
      reverseResponse,
    );
    assert.equal(reversed.values.Status, "OK", reversed.values.Description);
    const [notify] = await waitForNotifies(world, "T-REV-0701", 1);
    const ended = readNotify(shop, completionResult, (notify as { body: string }).body);
    assert.equal(ended.values.Status, "FAILED");
    assert.equal(ended.values.PayID, payId);

    // Amazon's own outcome of the authorisation comes later (IPN, inquire, the job): no second notify.
    await advanceAmazon(world, 31);
    await inquire(world, shop, payId);
    clock.advance(60 * MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await queued(payId)).length, 1);
    assert.equal(notifiesOf(world, "T-REV-0701").length, 1);
    const [row] = await gatewayRows<{ status: string }>("SELECT status FROM payments WHERE pay_id = $1", [
      payId,
    ]);
    assert.equal(row?.status, "Canceled");
  });

  it("an RTF=R ReqId replay resumes a Create Charge whose answer was lost", async () => {
    // The job's clock back to now: within the grace period the job leaves the cut charge alone,
    // so it is the replay that resumes it.
    clock.set(Date.now());
    const { chargePermissionId } = await subscribe(world, shop, "T-CUT-R");
    const before = (await amazonObjects("Charge", chargePermissionId)).length;
    await loseAnswers("createCharge");
    const cut = await chargeAgain(world, shop, chargePermissionId, "T-CUT-R-c1", { reqId: "cut-r-1" });
    assert.equal(cut.values.Status, "PENDING", JSON.stringify(cut.values));
    assert.equal(cut.code, "6A200004");
    assert.equal(cut.values.chargeid, undefined);
    await clearFaults();
    assert.deepEqual(await operationStates(cut.values.PayID as string, "complete"), ["unknown"]);

    const replay = await chargeAgain(world, shop, chargePermissionId, "T-CUT-R-c1", { reqId: "cut-r-1" });
    assert.equal(replay.values.Status, "OK", replay.values.ErrorText);
    assert.equal(replay.code, "00000000");
    assert.equal(replay.values.PayID, cut.values.PayID);
    assert.equal(replay.values.XID, cut.values.XID);
    assert.ok(replay.values.chargeid);
    const charges = await amazonObjects("Charge", chargePermissionId);
    assert.equal(charges.length, before + 1, "one Create Charge at Amazon");
    assert.ok(charges.some((charge) => charge.id === replay.values.chargeid));

    const notified = await notifyOf(world, shop, recurringChargeNotify, {
      PayID: replay.values.PayID as string,
    });
    assert.equal(notified.values.Status, "OK");
    assert.deepEqual(await queued(replay.values.PayID as string), ["completion"]);
  });
});
