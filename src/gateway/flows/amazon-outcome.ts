/**
 * Amazon's answers, read once into the core's `AmazonOutcome` (wire apart from meaning): charge
 * and refund states, and the typed errors of the connector (retry / unknownOutcome / fail).
 */
import { AmazonPayDeclineError, AmazonPayError } from "../../amazon/errors.js";
import type { Charge, Refund } from "../../amazon/wire.js";
import type { AmazonOutcome } from "../../core/payment.js";

/** A charge's state as the outcome of the action that produced it. */
export function outcomeOfCharge(charge: Charge): AmazonOutcome {
  const references = { chargePermissionId: charge.chargePermissionId, chargeId: charge.chargeId };
  const { state, reasonCode } = charge.statusDetails;
  switch (state) {
    case "Authorized":
      return { kind: "authorized", ...references };
    case "AuthorizationInitiated":
      return { kind: "authorizationPending", ...references };
    case "Captured":
      return { kind: "captured", ...references };
    case "CaptureInitiated":
      return { kind: "capturePending", ...references };
    case "Canceled":
      return { kind: "canceled", reasonCode: reasonCode ?? "Canceled" };
    case "Declined":
      return { kind: "declined", reasonCode: reasonCode ?? "Declined" };
  }
}

export function outcomeOfRefund(refund: Refund): AmazonOutcome {
  switch (refund.statusDetails.state) {
    case "Refunded":
      return { kind: "refunded", refundId: refund.refundId };
    case "RefundInitiated":
      return { kind: "refundPending", refundId: refund.refundId };
    case "Declined":
      return { kind: "declined", reasonCode: refund.statusDetails.reasonCode ?? "Declined" };
  }
}

/** What a thrown error means for the action; anything not from the connector is rethrown. */
export function outcomeOfError(error: unknown): AmazonOutcome & { readonly message?: string } {
  if (!(error instanceof AmazonPayError)) throw error;
  if (error instanceof AmazonPayDeclineError) {
    return { kind: "declined", reasonCode: error.reasonCode, message: error.message };
  }
  if (error.outcome === "fail")
    return { kind: "refused", reasonCode: error.reasonCode, message: error.message };
  // `retry` after the client's own retries, or `unknownOutcome`: the action stays in flight and
  // the same idempotency key is used when it is resumed.
  return { kind: "unknown" };
}
