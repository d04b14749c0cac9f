import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  accountLengthOf,
  amazonPayDelta,
  DEFAULT_RULES,
  legsOf,
  RuleSetError,
  resolveLeg,
  validateRuleSet,
} from "./booking-rules.js";
import { TRANSACTION_TYPES } from "./settlement-parser.js";

test("a capture books the gross amount and the fee separately; a refund's returned fee goes back", () => {
  const capture = legsOf({ type: "Capture", amount: 10_000, totalFee: -225 });
  assert.deepEqual(capture, [
    { leg: "amount", kind: "capture", debitRole: "amazonPay", creditRole: "receivables", amount: 10_000 },
    { leg: "fee", kind: "fee", debitRole: "fees", creditRole: "amazonPay", amount: 225 },
  ]);
  assert.deepEqual(legsOf({ type: "Refund", amount: -2_500, totalFee: 48 }), [
    { leg: "amount", kind: "refund", debitRole: "refunds", creditRole: "amazonPay", amount: 2_500 },
    { leg: "fee", kind: "fee", debitRole: "amazonPay", creditRole: "fees", amount: 48 },
  ]);
  assert.deepEqual(legsOf({ type: "Transfer", amount: -8_323, totalFee: 0 }), [
    { leg: "amount", kind: "payout", debitRole: "transit", creditRole: "amazonPay", amount: 8_323 },
  ]);
  assert.deepEqual(legsOf({ type: "Debt", amount: 500, totalFee: 0 }), [
    { leg: "amount", kind: "payout", debitRole: "amazonPay", creditRole: "transit", amount: 500 },
  ]);
  assert.equal(legsOf({ type: "Chargeback", amount: -1_000, totalFee: 0 })[0]?.debitRole, "chargebacks");
  assert.equal(legsOf({ type: "Reserve", amount: 1_000, totalFee: 0 })[0]?.creditRole, "reserve");
  assert.deepEqual(legsOf({ type: "Authorization", amount: 0, totalFee: 0 }), []);
});

test("for every line type and any amounts, the bookings move Amazon Pay by exactly the line's net", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TRANSACTION_TYPES),
      fc.integer({ min: -10_000_000, max: 10_000_000 }),
      fc.integer({ min: -100_000, max: 100_000 }),
      (type, amount, totalFee) => {
        const legs = legsOf({ type, amount, totalFee });
        assert.equal(
          legs.reduce((sum, leg) => sum + amazonPayDelta(leg), 0),
          amount + totalFee,
        );
        for (const leg of legs) {
          assert.ok(leg.amount > 0);
          assert.notEqual(leg.debitRole, leg.creditRole);
          assert.ok(leg.debitRole === "amazonPay" || leg.creditRole === "amazonPay");
        }
      },
    ),
  );
});

test("the default rule sets are valid and map roles to the reference's accounts", () => {
  for (const chart of ["SKR03", "SKR04"] as const) {
    assert.deepEqual(validateRuleSet(chart, {}), DEFAULT_RULES[chart]);
  }
  const fee = legsOf({ type: "Capture", amount: 100, totalFee: -35 })[1];
  assert.ok(fee);
  assert.deepEqual(resolveLeg(DEFAULT_RULES.SKR03, fee), { konto: "4970", gegenkonto: "1210", buKey: "" });
  assert.deepEqual(resolveLeg(DEFAULT_RULES.SKR04, fee), { konto: "6855", gegenkonto: "1810", buKey: "" });
});

test("edits: account numbers, Debitor range, Amazon Pay's own account, BU keys where allowed", () => {
  const edited = validateRuleSet("SKR03", {
    accounts: { amazonPay: "1211", receivables: "8400" },
    buKeys: { fee: "" },
  });
  assert.equal(edited.accounts.amazonPay, "1211");
  assert.equal(edited.accounts.receivables, "8400");
  assert.equal(validateRuleSet("SKR04", { buKeys: { capture: "3" } }).buKeys.capture, "3");
  const refusal = (chart: "SKR03" | "SKR04", input: unknown, field: string, pattern: RegExp) =>
    assert.throws(
      () => validateRuleSet(chart, input),
      (error: unknown) => {
        assert.ok(error instanceof RuleSetError);
        assert.equal(error.field, field);
        assert.match(error.message, pattern);
        return true;
      },
    );
  refusal(
    "SKR03",
    { accounts: { fees: "497" } },
    "accounts.fees",
    /has 3 digits, but the Sachkontenlänge of this rule set is 4/,
  );
  refusal(
    "SKR03",
    { accounts: { fees: "49700" } },
    "accounts.fees",
    /has 5 digits.*mixed lengths are refused/,
  );
  refusal(
    "SKR03",
    { accounts: { receivables: "70000" } },
    "accounts.receivables",
    /Debitor lies in 10000–69999/,
  );
  refusal(
    "SKR03",
    { accounts: { transit: "1210" } },
    "accounts.transit",
    /differ from the Amazon Pay account/,
  );
  refusal("SKR03", { accounts: { bank: "1200" } }, "accounts.bank", /not a role/);
  refusal("SKR03", { accounts: { fees: 4970 } }, "accounts.fees", /string of digits/);
  refusal(
    "SKR03",
    { accounts: { receivables: "8400" }, buKeys: { capture: "3" } },
    "buKeys.capture",
    /8400 is an automatic account/,
  );
  refusal(
    "SKR04",
    { accounts: { receivables: "4400" }, buKeys: { capture: "3" } },
    "buKeys.capture",
    /automatic/,
  );
  refusal("SKR03", { buKeys: { payout: "9" } }, "buKeys.payout", /carry no tax key/);
  refusal("SKR03", { buKeys: { capture: "12345" } }, "buKeys.capture", /1–4 digits/);
  refusal("SKR03", { chart: "SKR04" }, "chart", /must be SKR03/);
  refusal("SKR03", [], "rules", /JSON object/);
});

test("Sachkonten of 4–8 digits: one length per rule set, the Debitor one digit longer, mixed lengths refused", () => {
  const five = {
    amazonPay: "12100",
    transit: "13600",
    fees: "49700",
    reserve: "15000",
    adjustments: "15900",
  };
  const rules = validateRuleSet("SKR03", { accounts: five });
  assert.equal(accountLengthOf(rules), 5);
  // Left out, the customer-side roles are the Sammeldebitor of the length: 10^5.
  assert.deepEqual(
    [rules.accounts.receivables, rules.accounts.refunds, rules.accounts.chargebacks],
    ["100000", "100000", "100000"],
  );
  assert.equal(
    validateRuleSet("SKR03", { accounts: { ...five, receivables: "84000" } }).accounts.receivables,
    "84000",
  );
  assert.equal(
    validateRuleSet("SKR03", { accounts: { ...five, receivables: "123456" } }).accounts.receivables,
    "123456",
  );
  const eight = {
    amazonPay: "12100000",
    transit: "13600000",
    fees: "49700000",
    reserve: "15000000",
    adjustments: "15900000",
    receivables: "100000001",
  };
  const long = validateRuleSet("SKR04", { accounts: eight });
  assert.deepEqual(
    [accountLengthOf(long), long.accounts.receivables, long.accounts.refunds],
    [8, "100000001", "100000000"],
  );
  assert.equal(accountLengthOf(validateRuleSet("SKR03", {})), 4);

  const refusal = (input: unknown, field: string, pattern: RegExp) =>
    assert.throws(
      () => validateRuleSet("SKR03", input),
      (error: unknown) =>
        error instanceof RuleSetError && error.field === field && pattern.test(error.message),
    );
  refusal({ accounts: { ...five, amazonPay: "121" } }, "accounts.amazonPay", /4–8 digits/);
  refusal({ accounts: { ...five, amazonPay: "121000000" } }, "accounts.amazonPay", /4–8 digits/);
  // Only Amazon Pay changed: the defaults left in place have 4 digits.
  refusal(
    { accounts: { amazonPay: "12100" } },
    "accounts.transit",
    /1360 \(the SKR03 default; set it too\) has 4 digits, but the Sachkontenlänge of this rule set is 5 .*mixed lengths are refused/,
  );
  refusal(
    { accounts: { ...five, fees: "4970" } },
    "accounts.fees",
    /4970 has 4 digits, .* every Sachkonto must have 5 digits/,
  );
  refusal(
    { accounts: { ...five, receivables: "1000000" } },
    "accounts.receivables",
    /Sachkonto must have 5 digits \(a Debitor 6\)/,
  );
  refusal(
    { accounts: { ...five, receivables: "700000" } },
    "accounts.receivables",
    /Debitor lies in 100000–699999/,
  );
});
