import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SIMULATION_CODES, simulationFor } from "./simulation.js";
import { refusal } from "./test-support.js";

describe("simulation codes", () => {
  it("map every listed code of an operation to its effect", () => {
    for (const [operation, codes] of Object.entries(SIMULATION_CODES)) {
      for (const [code, effect] of Object.entries(codes))
        assert.deepEqual(simulationFor("sandbox", operation, code), effect);
    }
  });
  it("are absent without a header", () => {
    assert.equal(simulationFor("sandbox", "createCharge", undefined), undefined);
    assert.equal(simulationFor("live", "createCharge", " "), undefined);
  });
  it("refuse unknown codes, operations without simulations, and live", () => {
    assert.equal(
      refusal(() => simulationFor("sandbox", "createCharge", "Nope")),
      "InvalidSandboxSimulationSpecified",
    );
    assert.equal(
      refusal(() => simulationFor("sandbox", "getCharge", "HardDeclined")),
      "InvalidSandboxSimulationSpecified",
    );
    assert.equal(
      refusal(() => simulationFor("live", "createCharge", "HardDeclined")),
      "InvalidSandboxSimulationSpecified",
    );
  });
});
