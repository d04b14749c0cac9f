import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ALLOWED_STATUSES,
  type AmazonOutcome,
  beginCapture,
  beginCompletion,
  beginCredit,
  beginReverse,
  type CheckoutMode,
  cancelCheckout,
  initPayment,
  lastStatusOf,
  type Payment,
  type PaymentEvent,
  type PaymentResult,
  type PaymentStatus,
  recordBuyerReturn,
  recordChargeCanceled,
  recordNotice,
  recordOutcome,
  refundableAmount,
  type TxType,
  totalsOf,
  updateAmount,
} from "./payment.js";
import { refundCeiling } from "./refund-cap.js";

let counter = 0;
const xid = () => (++counter).toString(16).padStart(32, "0");

function ok(result: PaymentResult): Extract<PaymentResult, { ok: true }> {
  if (!result.ok) assert.fail(`refused: ${JSON.stringify(result.refusal)}`);
  return result;
}

function created(options: { amount?: number; txType?: TxType; mode?: CheckoutMode; currency?: string } = {}) {
  return ok(
    initPayment({
      payId: "5dd8384e42d340d092d51bb49eee46d5",
      xid: xid(),
      merchantId: "Shop1",
      transId: "T1",
      amount: options.amount ?? 100_00,
      currency: options.currency ?? "EUR",
      txType: options.txType ?? "Authorize",
      checkoutMode: options.mode ?? "Standard",
    }),
  ).payment;
}

const AUTHORIZED: AmazonOutcome = { kind: "authorized", chargePermissionId: "P01-1", chargeId: "P01-1-C1" };

/** Begins an action and applies an outcome to it. */
function run(payment: Payment, begin: (p: Payment) => PaymentResult, outcome: AmazonOutcome): PaymentResult {
  const begun = ok(begin(payment));
  return recordOutcome(begun.payment, begun.action.xid, outcome);
}

function returned(payment = created()) {
  return ok(recordBuyerReturn(payment, "session-1", xid())).payment;
}
function authorized(payment = returned()) {
  return ok(run(payment, (p) => beginCompletion(p, xid()), AUTHORIZED)).payment;
}
const capture =
  (amount: number, currency = "EUR") =>
  (p: Payment) =>
    beginCapture(p, { xid: xid(), transId: "T1", amount, currency });
const credit =
  (amount: number, currency = "EUR") =>
  (p: Payment) =>
    beginCredit(p, { xid: xid(), transId: "T1", amount, currency });
function captured(payment = authorized()) {
  return ok(run(payment, capture(payment.authorized), { kind: "captured" })).payment;
}

/** One payment in each status, reached through the operations themselves. */
const FIXTURES: Record<PaymentStatus, () => Payment> = {
  Initialized: () => created(),
  BuyerReturned: () => returned(),
  AuthorizationPending: () =>
    ok(
      run(returned(), (p) => beginCompletion(p, xid()), {
        kind: "authorizationPending",
        chargePermissionId: "P",
        chargeId: "C",
      }),
    ).payment,
  Authorized: () => authorized(),
  CapturePending: () => ok(run(authorized(), capture(100_00), { kind: "capturePending" })).payment,
  Captured: () => captured(),
  Canceled: () => ok(run(authorized(), (p) => beginReverse(p, { xid: xid() }), { kind: "canceled" })).payment,
  Failed: () => ok(cancelCheckout(created(), xid())).payment,
};

const OPERATIONS: Record<keyof typeof ALLOWED_STATUSES, (p: Payment) => PaymentResult> = {
  buyerReturn: (p) => recordBuyerReturn(p, "session-2", xid()),
  updateAmount: (p) => updateAmount(p, 90_00, "EUR", xid()),
  cancelCheckout: (p) => cancelCheckout(p, xid()),
  complete: (p) => beginCompletion(p, xid()),
  capture: (p) => capture(Math.max(1, p.authorized))(p),
  credit: credit(1),
  reverse: (p) => beginReverse(p, { xid: xid() }),
  chargeCanceled: (p) => recordChargeCanceled(p, xid(), "ExpiredUnused"),
};

describe("payment aggregate: every (status, operation) pair", () => {
  for (const [status, fixture] of Object.entries(FIXTURES) as [PaymentStatus, () => Payment][]) {
    for (const [operation, operate] of Object.entries(OPERATIONS) as [
      keyof typeof OPERATIONS,
      (p: Payment) => PaymentResult,
    ][]) {
      // Standard checkout cannot complete before the buyer returned; ProcessOrder is tested below.
      const allowed =
        ALLOWED_STATUSES[operation].includes(status) &&
        !(operation === "complete" && status === "Initialized");
      it(`${operation} in ${status} is ${allowed ? "allowed" : "refused"}`, () => {
        const payment = fixture();
        assert.equal(payment.status, status);
        const result = operate(payment);
        assert.equal(result.ok, allowed, JSON.stringify(result.ok ? result.payment.status : result.refusal));
        if (!result.ok) {
          const expected =
            operation === "capture" && /^Capture/.test(status) ? "alreadyCaptured" : "notAllowedInState";
          assert.equal(result.refusal.reason, expected);
          assert.equal(result.refusal.operation, operation);
        }
      });
    }
  }
});

describe("payment aggregate: operations", () => {
  it("init refuses amounts that are not n..10 minor units and unsupported currencies", () => {
    for (const amount of [0, -1, 1.5, 10_000_000_000, Number.NaN]) {
      const result = initPayment({
        payId: "p",
        xid: "x",
        merchantId: "m",
        transId: "t",
        amount,
        currency: "EUR",
        txType: "Authorize",
        checkoutMode: "Standard",
      });
      assert.equal(result.ok ? "ok" : result.refusal.reason, "amountInvalid", String(amount));
    }
    const xxx = initPayment({
      payId: "p",
      xid: "x",
      merchantId: "m",
      transId: "t",
      amount: 1,
      currency: "XXX",
      txType: "Authorize",
      checkoutMode: "Standard",
    });
    assert.equal(xxx.ok ? "ok" : xxx.refusal.reason, "currencyUnsupported");
  });

  it("ProcessOrder (APB) completes straight from Initialized", () => {
    const result = ok(run(created({ mode: "ProcessOrder" }), (p) => beginCompletion(p, xid()), AUTHORIZED));
    assert.equal(result.payment.status, "Authorized");
    assert.deepEqual(
      result.events.map((e) => [e.type, e.result]),
      [["completion", "OK"]],
    );
  });

  it("AuthorizeWithCapture completes as captured, and capture is then refused as already done", () => {
    const payment = ok(
      run(returned(created({ txType: "AuthorizeWithCapture" })), (p) => beginCompletion(p, xid()), {
        kind: "captured",
        chargePermissionId: "P",
        chargeId: "C",
      }),
    ).payment;
    assert.deepEqual(totalsOf(payment), { amountAuth: 100_00, amountCap: 100_00, amountCred: 0 });
    assert.equal(lastStatusOf(payment), "CAPTURED");
    const again = capture(1)(payment);
    assert.equal(again.ok ? "ok" : again.refusal.reason, "alreadyCaptured");
  });

  it("updates the amount before completion and authorises the updated amount", () => {
    const updated = ok(updateAmount(returned(), 80_00, "EUR", xid())).payment;
    assert.equal(lastStatusOf(updated), "PENDING");
    assert.equal(authorized(updated).authorized, 80_00);
    const wrong = updateAmount(returned(), 80_00, "USD", xid());
    assert.equal(wrong.ok ? "ok" : wrong.refusal.reason, "currencyMismatch");
  });

  it("captures once, at most the authorised amount; a partial capture is final", () => {
    const payment = authorized();
    const tooMuch = capture(100_01)(payment);
    assert.equal(tooMuch.ok ? "ok" : tooMuch.refusal.reason, "amountExceedsAuthorized");
    const partial = ok(run(payment, capture(60_00), { kind: "captured" }));
    assert.deepEqual(totalsOf(partial.payment), { amountAuth: 100_00, amountCap: 60_00, amountCred: 0 });
    assert.deepEqual(
      partial.events.map((e) => [e.type, e.result, e.amount]),
      [["capture", "OK", 60_00]],
    );
    const second = capture(40_00)(partial.payment);
    assert.equal(second.ok ? "ok" : second.refusal.reason, "alreadyCaptured");
  });

  it("a refused capture changes nothing and may be asked again", () => {
    const refused = ok(
      run(authorized(), capture(100_00), { kind: "refused", reasonCode: "InvalidChargeStatus" }),
    );
    assert.equal(refused.payment.status, "Authorized");
    assert.equal(refused.action.reasonCode, "InvalidChargeStatus");
    assert.deepEqual(refused.events, []);
    assert.equal(lastStatusOf(refused.payment), "AUTHORIZED");
    assert.equal(ok(run(refused.payment, capture(100_00), { kind: "captured" })).payment.captured, 100_00);
  });

  it("resumes an in-flight action with the same sequence and refuses a different one", () => {
    const begun = ok(capture(100_00)(authorized()));
    const unknown = ok(recordOutcome(begun.payment, begun.action.xid, { kind: "unknown" }));
    assert.equal(unknown.action.state, "inFlight");
    assert.equal(lastStatusOf(unknown.payment), "PENDING");
    const resumed = ok(capture(100_00)(unknown.payment));
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.action.sequence, begun.action.sequence);
    assert.equal(resumed.payment, unknown.payment);
    const other = capture(50_00)(unknown.payment);
    assert.equal(other.ok ? "ok" : other.refusal.reason, "operationInProgress");
    const reverse = beginReverse(unknown.payment, { xid: xid() });
    assert.equal(reverse.ok ? "ok" : reverse.refusal.reason, "operationInProgress");
  });

  it("a pending capture settles later, once", () => {
    const pending = ok(run(authorized(), capture(100_00), { kind: "capturePending" }));
    assert.deepEqual(pending.events, []);
    const settled = ok(recordOutcome(pending.payment, pending.action.xid, { kind: "captured" }));
    assert.equal(settled.payment.captured, 100_00);
    assert.equal(settled.events.length, 1);
    const duplicate = ok(recordOutcome(settled.payment, pending.action.xid, { kind: "captured" }));
    assert.equal(duplicate.payment, settled.payment);
    assert.deepEqual(duplicate.events, []);
  });

  it("refunds partially and repeatedly up to Amazon's ceiling, pending refunds included", () => {
    const payment = captured();
    assert.equal(refundableAmount(payment), 115_00);
    const first = ok(run(payment, credit(50_00), { kind: "refundPending", refundId: "R1" }));
    assert.deepEqual(first.events, []);
    assert.equal(first.payment.creditPending, 50_00);
    const over = credit(65_01)(first.payment);
    assert.equal(over.ok ? "ok" : over.refusal.reason, "amountExceedsRefundable");
    const second = ok(run(first.payment, credit(65_00), { kind: "refunded", refundId: "R2" }));
    assert.equal(second.payment.credited, 65_00);
    assert.equal(refundableAmount(second.payment), 0);
    const settled = ok(recordOutcome(second.payment, first.action.xid, { kind: "refunded", refundId: "R1" }));
    assert.deepEqual(totalsOf(settled.payment), {
      amountAuth: 100_00,
      amountCap: 100_00,
      amountCred: 115_00,
    });
    assert.equal(settled.payment.creditPending, 0);
    assert.equal(lastStatusOf(settled.payment), "CREDITED");
  });

  it("a declined pending refund frees its amount again", () => {
    const pending = ok(run(captured(), credit(100_00), { kind: "refundPending", refundId: "R1" }));
    const declined = ok(
      recordOutcome(pending.payment, pending.action.xid, { kind: "declined", reasonCode: "AmazonRejected" }),
    );
    assert.equal(declined.payment.creditPending, 0);
    assert.equal(refundableAmount(declined.payment), 115_00);
    assert.deepEqual(
      declined.events.map((e) => [e.type, e.result, e.reasonCode]),
      [["credit", "FAILED", "AmazonRejected"]],
    );
  });

  it("caps JPY overage at 8,400 and other Amazon currencies at 75.00", () => {
    assert.equal(refundCeiling(10_000_000, "JPY"), 10_008_400);
    assert.equal(refundCeiling(1_000, "JPY"), 1_150);
    assert.equal(refundCeiling(1_000_00, "GBP"), 1_075_00);
    assert.equal(refundCeiling(100_00, "CHF"), 100_00);
  });

  it("reverse during a pending authorisation ends the pending completion with a final notify", () => {
    const pending = FIXTURES.AuthorizationPending();
    const reversed = ok(run(pending, (p) => beginReverse(p, { xid: xid() }), { kind: "canceled" }));
    assert.equal(reversed.payment.status, "Canceled");
    assert.deepEqual(
      reversed.events.map((e) => [e.type, e.result]),
      [["completion", "FAILED"]],
    );
    const completion = reversed.payment.actions.find((a) => a.kind === "complete");
    const late = ok(recordOutcome(reversed.payment, completion?.xid ?? "", AUTHORIZED));
    assert.equal(
      late.payment.status,
      "Canceled",
      "a late authorisation of a reversed payment changes nothing",
    );
    assert.equal(lastStatusOf(reversed.payment), "REVERSED");
  });

  it("a declined completion fails the payment with a FAILED completion event", () => {
    const failed = ok(
      run(returned(), (p) => beginCompletion(p, xid()), { kind: "declined", reasonCode: "HardDeclined" }),
    );
    assert.equal(failed.payment.status, "Failed");
    assert.equal(lastStatusOf(failed.payment), "FAILED");
    assert.deepEqual(
      failed.events.map((e) => [e.type, e.result, e.reasonCode]),
      [["completion", "FAILED", "HardDeclined"]],
    );
  });

  it("a buyer's cancel names its reason in the event, as the redirect does", () => {
    const canceled = ok(cancelCheckout(returned(), xid()));
    assert.deepEqual(
      canceled.events.map((e) => [e.type, e.result, e.reasonCode]),
      [["completion", "FAILED", "BuyerCanceled"]],
    );
    const expired = ok(cancelCheckout(returned(), xid(), "Expired"));
    assert.equal(expired.events[0]?.reasonCode, "Expired");
  });

  it("refuses outcomes that do not fit the action", () => {
    const begun = ok(capture(100_00)(authorized()));
    const wrong = recordOutcome(begun.payment, begun.action.xid, { kind: "refunded", refundId: "R" });
    assert.equal(wrong.ok ? "ok" : wrong.refusal.reason, "outcomeNotApplicable");
    const unknownAction = recordOutcome(begun.payment, "nope", { kind: "captured" });
    assert.equal(unknownAction.ok ? "ok" : unknownAction.refusal.reason, "actionUnknown");
    const init = begun.payment.actions[0];
    const onInit = recordOutcome(begun.payment, init?.xid ?? "", { kind: "captured" });
    assert.equal(onInit.ok, true, "init is final; an outcome for it changes nothing");
  });

  it("records Amazon's notices once each, without touching status, amounts or inquire's LastStatus", () => {
    const payment = captured();
    const noted = ok(recordNotice(payment, xid(), { kind: "chargeback", amazonId: "P01-1-B000001" }));
    assert.equal(noted.payment.status, "Captured");
    assert.deepEqual(totalsOf(noted.payment), totalsOf(payment));
    assert.equal(lastStatusOf(noted.payment), lastStatusOf(payment));
    assert.equal(noted.action.kind, "chargeback");
    assert.equal(noted.action.state, "succeeded");
    assert.deepEqual(
      noted.events.map((event) => [event.type, event.result, event.xid]),
      [["chargeback", "OK", noted.action.xid]],
    );
    const again = ok(recordNotice(noted.payment, xid(), { kind: "chargeback", amazonId: "P01-1-B000001" }));
    assert.equal(again.payment, noted.payment, "the same chargeback again changes nothing");
    assert.deepEqual(again.events, []);
    const second = ok(recordNotice(noted.payment, xid(), { kind: "chargeback", amazonId: "P01-1-B000002" }));
    assert.equal(second.events.length, 1, "another chargeback is another notice");
    // A notice has no Amazon outcome to settle, and later actions still work.
    const outcome = ok(recordOutcome(second.payment, second.action.xid, { kind: "captured" }));
    assert.equal(outcome.payment, second.payment);
    assert.deepEqual(outcome.events, []);
    assert.equal(
      ok(run(second.payment, credit(10_00), { kind: "refunded", refundId: "R1" })).payment.credited,
      10_00,
    );
  });

  it("numbers actions 1, 2, 3… so idempotency keys differ per action", () => {
    const payment = captured();
    assert.deepEqual(
      payment.actions.map((a) => a.sequence),
      payment.actions.map((_, index) => index + 1),
    );
  });
});

// ─── properties ──────────────────────────────────────────────────────────────────────────────

type Command =
  | { op: "buyerReturn" | "complete" | "reverse" | "cancelCheckout" | "chargeCanceled" }
  | { op: "updateAmount" | "capture" | "credit"; amount: number }
  | { op: "outcome"; pick: number; outcome: AmazonOutcome };

const outcomeArbitrary: fc.Arbitrary<AmazonOutcome> = fc.oneof(
  fc.constant<AmazonOutcome>(AUTHORIZED),
  fc.constant<AmazonOutcome>({ kind: "authorizationPending", chargePermissionId: "P", chargeId: "C" }),
  fc.constant<AmazonOutcome>({ kind: "captured" }),
  fc.constant<AmazonOutcome>({ kind: "capturePending" }),
  fc.constant<AmazonOutcome>({ kind: "refunded", refundId: "R" }),
  fc.constant<AmazonOutcome>({ kind: "refundPending", refundId: "R" }),
  fc.constant<AmazonOutcome>({ kind: "canceled" }),
  fc.constant<AmazonOutcome>({ kind: "declined", reasonCode: "SoftDeclined" }),
  fc.constant<AmazonOutcome>({ kind: "refused", reasonCode: "InvalidChargeStatus" }),
  fc.constant<AmazonOutcome>({ kind: "unknown" }),
);

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom<Command>(
    { op: "buyerReturn" },
    { op: "complete" },
    { op: "reverse" },
    { op: "cancelCheckout" },
    { op: "chargeCanceled" },
  ),
  fc.record({
    op: fc.constantFrom("updateAmount" as const, "capture" as const, "credit" as const),
    amount: fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.constant(10_000)),
  }),
  fc.record({ op: fc.constant("outcome" as const), pick: fc.nat(), outcome: outcomeArbitrary }),
  // Outcomes are the most frequent thing: pending actions settle, IPNs arrive twice.
  fc.record({ op: fc.constant("outcome" as const), pick: fc.nat(), outcome: outcomeArbitrary }),
);

function apply(payment: Payment, command: Command): PaymentResult {
  switch (command.op) {
    case "buyerReturn":
      return recordBuyerReturn(payment, "S", xid());
    case "complete":
      return beginCompletion(payment, xid());
    case "reverse":
      return beginReverse(payment, { xid: xid() });
    case "cancelCheckout":
      return cancelCheckout(payment, xid());
    case "chargeCanceled":
      return recordChargeCanceled(payment, xid(), "ExpiredUnused");
    case "updateAmount":
      return updateAmount(payment, command.amount, payment.currency, xid());
    case "capture":
      return capture(command.amount, payment.currency)(payment);
    case "credit":
      return credit(command.amount, payment.currency)(payment);
    case "outcome": {
      const open = payment.actions.filter((a) => a.state === "inFlight" || a.state === "pending");
      const target =
        open[command.pick % Math.max(1, open.length)] ??
        payment.actions[command.pick % payment.actions.length];
      return recordOutcome(payment, target?.xid ?? "", command.outcome);
    }
  }
}

const sum = (payment: Payment, kind: string, state: string) =>
  payment.actions
    .filter((a) => a.kind === kind && a.state === state)
    .reduce((total, a) => total + a.amount, 0);

function assertInvariants(payment: Payment, events: readonly PaymentEvent[]) {
  for (const value of [
    payment.amount,
    payment.authorized,
    payment.captured,
    payment.credited,
    payment.creditPending,
  ]) {
    assert.ok(Number.isSafeInteger(value) && value >= 0, `amount ${value}`);
  }
  assert.ok(payment.captured <= payment.authorized, "captured ≤ authorised");
  assert.ok(
    payment.credited + payment.creditPending <= refundCeiling(payment.captured, payment.currency),
    "refunds ≤ Amazon's ceiling",
  );
  assert.ok(payment.actions.filter((a) => a.state === "inFlight").length <= 1, "one action in flight");
  const captures = payment.actions.filter(
    (a) => a.kind === "capture" && (a.state === "succeeded" || a.state === "pending"),
  );
  assert.ok(captures.length <= 1, "one capture per payment");
  if (payment.txType === "Authorize") assert.equal(payment.captured, sum(payment, "capture", "succeeded"));
  assert.equal(payment.credited, sum(payment, "credit", "succeeded"), "credited = settled refunds");
  assert.equal(payment.creditPending, sum(payment, "credit", "pending"), "pending = pending refunds");
  // Every action ends with at most one final notify, and only actions that really ended.
  const finals = new Map<string, number>();
  for (const event of events)
    finals.set(`${event.type}:${event.xid}`, (finals.get(`${event.type}:${event.xid}`) ?? 0) + 1);
  for (const [key, count] of finals) assert.equal(count, 1, `one final event for ${key}`);
  const okCredits = events
    .filter((e) => e.type === "credit" && e.result === "OK")
    .reduce((t, e) => t + e.amount, 0);
  assert.equal(okCredits, payment.credited, "credit notifications add up to what was credited");
  assert.deepEqual(
    payment.actions.map((a) => a.sequence),
    payment.actions.map((_, index) => index + 1),
  );
}

describe("payment aggregate: properties", () => {
  it("no command sequence breaks the money invariants or moves money twice", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<TxType>("Authorize", "AuthorizeWithCapture"),
        fc.constantFrom<CheckoutMode>("Standard", "ProcessOrder"),
        fc.constantFrom("EUR", "JPY", "CHF"),
        fc.integer({ min: 1, max: 20_000 }),
        fc.array(commandArbitrary, { maxLength: 40 }),
        (txType, mode, currency, amount, commands) => {
          let payment = created({ amount, txType, mode, currency });
          const events: PaymentEvent[] = [];
          for (const command of commands) {
            const result = apply(payment, command);
            if (!result.ok) continue;
            payment = result.payment;
            events.push(...result.events);
            assertInvariants(payment, events);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a refusal never changes the payment", () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { maxLength: 30 }), (commands) => {
        let payment = created();
        for (const command of commands) {
          const before = JSON.stringify(payment);
          const result = apply(payment, command);
          if (!result.ok) {
            assert.equal(JSON.stringify(payment), before);
            continue;
          }
          payment = result.payment;
        }
      }),
      { numRuns: 300 },
    );
  });
});
