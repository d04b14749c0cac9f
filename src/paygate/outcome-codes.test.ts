import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PaymentAction } from "../core/payment.js";
import { ALLOWED_STATUSES, type Operation, type PaymentStatus, type RefusalReason } from "../core/payment.js";
import { paygateCode } from "./codes.js";
import { paygateCodeOfRefusal, recurringReadingOf } from "./outcome-codes.js";

const REASONS: RefusalReason[] = [
  "amountInvalid",
  "currencyUnsupported",
  "currencyMismatch",
  "notAllowedInState",
  "alreadyCaptured",
  "amountExceedsAuthorized",
  "amountExceedsRefundable",
  "operationInProgress",
  "actionUnknown",
  "outcomeNotApplicable",
];
const OPERATIONS: Operation[] = ["init", "recordOutcome", ...(Object.keys(ALLOWED_STATUSES) as Operation[])];

describe("refusal codes", () => {
  it("maps every (operation, reason) to a registry code of class 2 or 4", () => {
    for (const operation of OPERATIONS) {
      for (const reason of REASONS) {
        const code = paygateCodeOfRefusal({ operation, reason, status: "Authorized" as PaymentStatus });
        assert.match(code.code, /^[24][0-9A-Z]{7}$/, `${operation}/${reason}`);
      }
    }
  });

  it("gives the documented codes for the shop-facing refusals", () => {
    const code = (operation: Operation, reason: RefusalReason) =>
      paygateCodeOfRefusal({ operation, reason, status: "Captured" }).code;
    assert.equal(code("capture", "alreadyCaptured"), "2A200201");
    assert.equal(code("capture", "notAllowedInState"), "2A200200");
    assert.equal(code("capture", "amountExceedsAuthorized"), "2A200202");
    assert.equal(code("credit", "amountExceedsRefundable"), "2A200204");
    assert.equal(code("credit", "operationInProgress"), "2A200203");
    assert.equal(code("reverse", "notAllowedInState"), "2A200205");
    assert.equal(code("updateAmount", "notAllowedInState"), "2A200206");
    assert.equal(code("credit", "currencyMismatch"), "2A200208");
    assert.equal(code("capture", "amountInvalid"), "20120007");
    assert.equal(code("complete", "notAllowedInState"), "20180046");
  });

  it("names Amazon's reason first in a recurring charge's ErrorText and gives non-chargeable permissions their own code", () => {
    const failed = (reasonCode: string): PaymentAction => ({
      xid: "X",
      kind: "complete",
      sequence: 2,
      transId: "T",
      amount: 100,
      state: "failed",
      reasonCode,
    });
    const closed = recurringReadingOf(failed("InvalidChargePermissionStatus"), "the permission is Closed");
    assert.equal(closed.code.code, "2A200207");
    assert.equal(closed.errorText, "InvalidChargePermissionStatus: the permission is Closed");
    const limit = recurringReadingOf(failed("PeriodicAmountExceeded"), "PeriodicAmountExceeded");
    assert.equal(limit.code.code, "2A200105");
    assert.equal(limit.code.code, paygateCode("AMAZON_REQUEST_REFUSED").code);
    assert.equal(limit.errorText, "PeriodicAmountExceeded");
  });
});
