/**
 * `OrderDesc=Test:nnnn`, Paygate's simulation switch (reference §3.3): `Test:0000` always
 * succeeds; any other `nnnn` makes the step fail. For Amazon Pay the failure is Amazon's own
 * sandbox simulation of that step (a declined completion, an asynchronously declined capture or
 * refund), so the shop sees exactly what a real decline looks like. An explicit
 * `AmazonpaySimulationCode` wins. How `nnnn` maps to detailed results is unconfirmed; Kasse does
 * not distinguish failure codes.
 */
const FAILURE_BY_STEP = {
  complete: "Declined",
  // RTF=R's Create Charge: a soft decline, which leaves the permission chargeable.
  charge: "SoftDeclined",
  capture: "AmazonRejected",
  credit: "RefundDeclined",
} as const;

export type SimulatedStep = keyof typeof FAILURE_BY_STEP;

/** The simulation code a step sends to the sandbox/emulator, if any. */
export function simulationCodeOf(
  step: SimulatedStep,
  explicit: string | undefined,
  orderDesc: string | undefined,
): string | undefined {
  if (explicit !== undefined) return explicit;
  const test = /^Test:(\d{4})$/i.exec(orderDesc ?? "");
  if (test === null || test[1] === "0000") return undefined;
  return FAILURE_BY_STEP[step];
}
