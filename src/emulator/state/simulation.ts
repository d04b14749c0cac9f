/**
 * Sandbox simulation strings (`x-amz-pay-simulation-code`, reference §9) as data: per
 * operation, the codes it accepts and what each does. The official table was not readable;
 * these rows are the evidence the reference collected plus the emulator's choices (docs/emulator.md).
 */
import { AmazonError } from "../errors.js";
import type { Environment } from "./common.js";

export type SimulatedOperation =
  | "completeCheckoutSession"
  | "finalizeCheckoutSession"
  | "createCharge"
  | "captureCharge"
  | "closeChargePermission"
  | "createRefund";

export type SimulationEffect =
  /** The Checkout Session ends Canceled with this reason; complete answers CheckoutSessionCanceled. */
  | { readonly kind: "cancelSession"; readonly reasonCode: "BuyerCanceled" | "Declined" | "AmazonCanceled" }
  /** The authorization (or capture) is declined at once with this reason code. */
  | { readonly kind: "decline"; readonly reasonCode: string }
  /** The object starts in its pending state and reaches `state`/`reasonCode` after 30 s. */
  | { readonly kind: "pending"; readonly state: string; readonly reasonCode: string | null }
  /** The Charge is Authorized and expires (Canceled/ExpiredUnused) after 30 s. */
  | { readonly kind: "expireSoon" }
  /** The Charge Permission ends Closed with this reason. */
  | { readonly kind: "closePermission"; readonly reasonCode: string };

const AUTHORIZATION_CODES: Readonly<Record<string, SimulationEffect>> = {
  HardDeclined: { kind: "decline", reasonCode: "HardDeclined" },
  SoftDeclined: { kind: "decline", reasonCode: "SoftDeclined" },
  AmazonRejected: { kind: "decline", reasonCode: "AmazonRejected" },
  TransactionTimedOut: { kind: "decline", reasonCode: "TransactionTimedOut" },
  ProcessingFailure: { kind: "decline", reasonCode: "ProcessingFailure" },
  AuthorizationInitiated: { kind: "pending", state: "Authorized", reasonCode: null },
  AuthorizationInitiatedThenDeclined: { kind: "pending", state: "Declined", reasonCode: "HardDeclined" },
  ExpiredUnused: { kind: "expireSoon" },
};

const CHECKOUT_CODES: Readonly<Record<string, SimulationEffect>> = {
  BuyerCanceled: { kind: "cancelSession", reasonCode: "BuyerCanceled" },
  Declined: { kind: "cancelSession", reasonCode: "Declined" },
  AmazonCanceled: { kind: "cancelSession", reasonCode: "AmazonCanceled" },
  AuthorizationInitiated: { kind: "pending", state: "Authorized", reasonCode: null },
  AuthorizationInitiatedThenDeclined: { kind: "pending", state: "Declined", reasonCode: "HardDeclined" },
};

export const SIMULATION_CODES: Readonly<
  Record<SimulatedOperation, Readonly<Record<string, SimulationEffect>>>
> = {
  completeCheckoutSession: CHECKOUT_CODES,
  finalizeCheckoutSession: CHECKOUT_CODES,
  createCharge: AUTHORIZATION_CODES,
  captureCharge: {
    CaptureInitiated: { kind: "pending", state: "Captured", reasonCode: null },
    AmazonRejected: { kind: "pending", state: "Declined", reasonCode: "AmazonRejected" },
    CaptureDeclined: { kind: "pending", state: "Declined", reasonCode: "ProcessingFailure" },
  },
  closeChargePermission: {
    AmazonClosed: { kind: "closePermission", reasonCode: "AmazonClosed" },
    BuyerClosed: { kind: "closePermission", reasonCode: "BuyerClosed" },
  },
  createRefund: {
    RefundDeclined: { kind: "pending", state: "Declined", reasonCode: "AmazonRejected" },
    AmazonRejected: { kind: "pending", state: "Declined", reasonCode: "AmazonRejected" },
    ProcessingFailure: { kind: "pending", state: "Declined", reasonCode: "ProcessingFailure" },
  },
};

/**
 * The effect of a simulation header on an operation; `undefined` when none was sent.
 * Throws `InvalidSandboxSimulationSpecified` for live, for an operation without simulations and
 * for a code the operation does not know.
 */
export function simulationFor(
  environment: Environment,
  operation: string,
  code: string | undefined,
): SimulationEffect | undefined {
  if (code === undefined || code.trim() === "") return undefined;
  if (environment === "live") {
    throw new AmazonError(
      "InvalidSandboxSimulationSpecified",
      "Sandbox simulations are not supported in the live environment.",
    );
  }
  const codes = (SIMULATION_CODES as Record<string, Record<string, SimulationEffect>>)[operation];
  const effect = codes?.[code.trim()];
  if (effect === undefined) {
    const known = codes === undefined ? "none" : Object.keys(codes).join(", ");
    throw new AmazonError(
      "InvalidSandboxSimulationSpecified",
      `The simulation code ${code} is not valid for this operation (valid: ${known}).`,
    );
  }
  return effect;
}
