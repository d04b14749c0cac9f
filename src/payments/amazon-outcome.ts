/**
 * Amazon's answers, read once into the core's terms (wire apart from meaning): charge and refund
 * states as `AmazonOutcome`, the checkout session's buyer as `BuyerDetails`, and the typed errors
 * of the connector (retry / unknownOutcome / fail).
 */
import { AmazonPayDeclineError, AmazonPayError } from "../amazon/errors.js";
import type { Address, Charge, CheckoutSession, Refund } from "../amazon/wire.js";
import type { AmazonRefusal, BuyerDetails, PostalAddress } from "../core/outcome.js";
import type { AmazonOutcome } from "../core/payment.js";

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

/** A connector error as a refusal of a call that moves no money (nothing changed at Amazon). */
export function refusalOfError(error: unknown): AmazonRefusal {
  if (!(error instanceof AmazonPayError)) throw error;
  return {
    kind: error.outcome === "fail" ? "amazonRefused" : "amazonUnavailable",
    reasonCode: error.reasonCode,
    message: error.message,
  };
}

/** The buyer, billing and shipping details a checkout session shows. */
export function buyerDetailsOf(session: CheckoutSession, amazonMerchantId: string): BuyerDetails {
  const billing = session.billingAddress ?? session.paymentPreferences?.[0]?.billingAddress ?? null;
  const buyer = session.buyer;
  return {
    ...present("buyerId", buyer?.buyerId),
    ...present("name", buyer?.name),
    ...present("email", buyer?.email),
    ...present("phoneNumber", buyer?.phoneNumber),
    ...(billing === null ? {} : { billingAddress: addressOf(billing) }),
    ...(session.shippingAddress === null ? {} : { shippingAddress: addressOf(session.shippingAddress) }),
    amazonMerchantId,
    chargePermissionType: session.chargePermissionType,
    ...present("paymentDescriptor", session.paymentPreferences?.[0]?.paymentDescriptor),
    checkoutSessionId: session.checkoutSessionId,
    ...present("amazonPayRedirectUrl", session.webCheckoutDetails.amazonPayRedirectUrl),
  };
}

function addressOf(address: Address): PostalAddress {
  return {
    ...present("name", address.name),
    ...present("addressLine1", address.addressLine1),
    ...present("addressLine2", address.addressLine2),
    ...present("addressLine3", address.addressLine3),
    ...present("postalCode", address.postalCode),
    ...present("city", address.city),
    ...present("stateOrRegion", address.stateOrRegion),
    ...present("countryCode", address.countryCode),
    ...present("phoneNumber", address.phoneNumber),
  };
}

/** `{ key: value }` for a value Amazon gave (not null, not empty), else nothing. */
function present<K extends string>(key: K, value: string | null | undefined): { [P in K]?: string } {
  return (value === null || value === undefined || value === "" ? {} : { [key]: value }) as {
    [P in K]?: string;
  };
}
