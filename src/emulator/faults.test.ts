import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Faults } from "./faults.js";

describe("fault switches", () => {
  it("fails the next N answers of one operation, then none", () => {
    const faults = new Faults();
    faults.configure({ failures: [{ operation: "createCharge", status: 503, count: 2 }] });
    assert.equal(faults.takeFailure("getCharge"), undefined);
    assert.equal(faults.takeFailure("createCharge"), 503);
    assert.equal(faults.takeFailure("createCharge"), 503);
    assert.equal(faults.takeFailure("createCharge"), undefined);
    assert.deepEqual(faults.settings.failures, []);
  });
  it("`*` (the default) fails any operation, in the order configured", () => {
    const faults = new Faults();
    faults.configure({
      failures: [
        { status: 429, count: 1 },
        { operation: "getCharge", status: 408, count: 1 },
      ],
    });
    assert.equal(faults.takeFailure("getCharge"), 429);
    assert.equal(faults.takeFailure("getCharge"), 408);
  });
  it("keeps failures of the two phases apart; a dropped connection is a failure like a status", () => {
    const faults = new Faults();
    faults.configure({
      failures: [
        { operation: "captureCharge", status: 500, phase: "afterCommit", count: 1 },
        { operation: "captureCharge", status: "dropConnection", count: 1 },
      ],
    });
    assert.equal(faults.takeFailure("captureCharge"), "dropConnection");
    assert.equal(faults.takeFailure("captureCharge", "beforeProcessing"), undefined);
    assert.equal(faults.takeFailure("createCharge", "afterCommit"), undefined);
    assert.equal(faults.takeFailure("captureCharge", "afterCommit"), 500);
    assert.equal(faults.takeFailure("captureCharge", "afterCommit"), undefined);
  });
  it("counts IPN drops and duplicates down; reset clears everything", () => {
    const faults = new Faults();
    faults.configure({ latencyMs: 5, ipnDrop: 1, ipnDuplicate: 2 });
    assert.equal(faults.takeIpnDrop(), true);
    assert.equal(faults.takeIpnDrop(), false);
    assert.equal(faults.takeIpnDuplicate(), true);
    assert.equal(faults.takeIpnDuplicate(), true);
    assert.equal(faults.takeIpnDuplicate(), false);
    faults.configure({ ipnDrop: 3 });
    assert.equal(faults.settings.latencyMs, 5);
    faults.reset();
    assert.deepEqual(faults.settings, {
      latencyMs: 0,
      failures: [],
      ipnDrop: 0,
      ipnDuplicate: 0,
      ipnDelay: { count: 0, maxMs: 0 },
    });
  });
  it("delays each of the next IPNs once, by a random share of maxMs", () => {
    const draws = [0.5, 0.25];
    const faults = new Faults(() => draws.shift() ?? 0);
    faults.configure({ ipnDelay: { count: 2, maxMs: 1_000 } });
    assert.equal(faults.takeIpnDelay("1"), 500);
    assert.equal(faults.takeIpnDelay("1"), 0, "a held-back IPN is sent when its time comes");
    assert.equal(faults.takeIpnDelay("2"), 250);
    assert.equal(faults.takeIpnDelay("3"), 0, "count used up");
    assert.deepEqual(faults.settings.ipnDelay, { count: 0, maxMs: 1_000 });
  });
});
