import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  DEFAULT_FEE_MODEL,
  encodeSettlementFile,
  percentageFeeMinor,
  renderSettlementFile,
  type SettlementInput,
  type SettlementTransaction,
  settlementIdFor,
  settlementRows,
} from "./settlement-file.js";

const START = Date.UTC(2026, 0, 15);
const END = Date.UTC(2026, 0, 16);

const transactions: SettlementTransaction[] = [
  {
    type: "Refund",
    postedAt: Date.UTC(2026, 0, 15, 12),
    amazonTransactionId: "S02-1111111-2222222-R000001",
    chargePermissionId: "S02-1111111-2222222",
    sellerReferenceId: "order-1",
    sellerOrderId: "order-1",
    currency: "EUR",
    amountMinor: 2500,
  },
  {
    type: "Capture",
    postedAt: Date.UTC(2026, 0, 15, 13),
    amazonTransactionId: "S02-5555555-6666666-C000001",
    chargePermissionId: "S02-5555555-6666666",
    sellerReferenceId: "",
    sellerOrderId: "",
    currency: "GBP",
    amountMinor: 1000,
  },
  {
    type: "Capture",
    postedAt: Date.UTC(2026, 0, 15, 11, 30, 15),
    amazonTransactionId: "S02-3333333-4444444-C000002",
    chargePermissionId: "S02-3333333-4444444",
    sellerReferenceId: "order-2",
    sellerOrderId: "order-2",
    currency: "EUR",
    amountMinor: 1999,
  },
  {
    type: "Capture",
    postedAt: Date.UTC(2026, 0, 15, 10),
    amazonTransactionId: "S02-1111111-2222222-C000001",
    chargePermissionId: "S02-1111111-2222222",
    sellerReferenceId: "order-1",
    sellerOrderId: "order-1",
    currency: "EUR",
    amountMinor: 10000,
  },
];

const input: SettlementInput = {
  sellerId: "A2EXAMPLE12345",
  storeName: 'Kasse "Demo" Shop',
  settlementId: "12345678901",
  start: START,
  end: END,
  transactions,
  feeModel: DEFAULT_FEE_MODEL,
};

describe("renderSettlementFile", () => {
  it("matches the golden file byte for byte (BOM, quoting, LF, fees, payouts)", () => {
    const golden = readFileSync(new URL("./settlement-file.golden.csv", import.meta.url));
    assert.deepEqual(encodeSettlementFile(renderSettlementFile(input)), golden);
  });

  it("writes a Debt row when refunds outweigh the period and keeps the fixed fee on refunds", () => {
    const refundOnly = { ...input, transactions: transactions.slice(0, 1) };
    const rows = settlementRows(refundOnly);
    assert.deepEqual(
      rows.map((row) => [row.type, row.amount, row.percentageFee, row.fixedFee]),
      [
        ["Refund", -2500, 48, 0],
        ["Debt", 2452, 0, 0],
      ],
    );
    const noReturn = settlementRows({
      ...refundOnly,
      feeModel: { ...DEFAULT_FEE_MODEL, refundReturnsPercentageFee: false },
    });
    assert.deepEqual(
      noReturn.map((row) => [row.type, row.amount, row.percentageFee]),
      [
        ["Refund", -2500, 0],
        ["Debt", 2500, 0],
      ],
    );
  });

  it("formats zero-decimal currencies without a decimal point", () => {
    const text = renderSettlementFile({
      ...input,
      transactions: [{ ...(transactions[3] as SettlementTransaction), currency: "JPY", amountMinor: 1000 }],
    });
    assert.match(text, /"JPY","","1000","-39","0","-39","961"\n/);
    assert.match(text, /"JPY","Disbursement to bank account","-961","0","0","0","-961"\n$/);
  });

  it("writes only the preamble and header for a period without transactions", () => {
    const lines = renderSettlementFile({ ...input, transactions: [] }).split("\n");
    assert.equal(lines.length, 7);
    assert.equal(lines[6], "");
  });
});

describe("settlement rows (properties)", () => {
  const transaction = fc.record({
    type: fc.constantFrom("Capture" as const, "Refund" as const),
    postedAt: fc.integer({ min: START, max: END - 1 }),
    amazonTransactionId: fc.stringMatching(/^S02-\d{7}-\d{7}-[CR]\d{6}$/),
    chargePermissionId: fc.constant("S02-1234567-1234567"),
    sellerReferenceId: fc.string(),
    sellerOrderId: fc.string(),
    currency: fc.constantFrom("EUR", "GBP", "USD", "JPY", "CHF"),
    amountMinor: fc.integer({ min: 1, max: 9_999_999_999 }),
  });

  it("nets every currency to zero, charges fees exactly, and ignores input order", () => {
    fc.assert(
      fc.property(fc.array(transaction, { maxLength: 20 }), (list) => {
        const rows = settlementRows({ ...input, transactions: list });
        const reversed = settlementRows({ ...input, transactions: [...list].reverse() });
        const unique = new Set(list.map((t) => t.amazonTransactionId)).size === list.length;
        if (unique) assert.deepEqual(reversed, rows);
        const net = new Map<string, number>();
        for (const row of rows) {
          net.set(row.currency, (net.get(row.currency) ?? 0) + row.amount + row.percentageFee + row.fixedFee);
          if (row.type === "Capture") {
            const rate = DEFAULT_FEE_MODEL.rates[row.currency] ?? DEFAULT_FEE_MODEL.rates.default;
            assert.equal(row.percentageFee, -percentageFeeMinor(row.amount, rate.percentageBasisPoints));
            assert.equal(row.fixedFee, -rate.fixedMinor);
          }
        }
        for (const value of net.values()) assert.equal(value, 0);
      }),
    );
  });
});

describe("fee arithmetic and ids", () => {
  it("rounds the percentage fee half up in integers", () => {
    assert.equal(percentageFeeMinor(1000, 5), 1);
    assert.equal(percentageFeeMinor(999, 5), 0);
    assert.equal(percentageFeeMinor(9_999_999_999, 190), 190_000_000);
    assert.equal(percentageFeeMinor(9_999_999_949, 190), 189_999_999);
  });

  it("derives stable 11-digit settlement ids per merchant, environment and period", () => {
    const id = settlementIdFor("A2EXAMPLE12345", "sandbox", START);
    assert.match(id, /^\d{11}$/);
    assert.equal(settlementIdFor("A2EXAMPLE12345", "sandbox", START), id);
    assert.notEqual(settlementIdFor("A2EXAMPLE12345", "live", START), id);
    assert.notEqual(settlementIdFor("A2EXAMPLE12345", "sandbox", END), id);
  });
});
