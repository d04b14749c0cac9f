/**
 * The Charge state machine (reference §4.4, §5.3): authorization (sync, pending, declined),
 * one capture (sync within 7 days of authorization, async after), cancel, 30-day expiry.
 */

import type { Charge, MerchantMetadata, ProviderMetadata } from "../../amazon/wire.js";
import type { Money } from "../../core/money.js";
import { AmazonError } from "../errors.js";
import {
  DAY,
  type Environment,
  type InstrumentOutcome,
  maximumTransactionMinor,
  type Notice,
  PENDING_DELAY,
  type PendingOutcome,
  renderOptionalPrice,
  renderPrice,
  renderStatus,
  renderTimestamp,
  type Status,
  status,
} from "./common.js";
import type { SimulationEffect } from "./simulation.js";

export type ChargeState = Charge["statusDetails"]["state"];

export const AUTHORIZATION_VALIDITY = 30 * DAY;
export const SYNCHRONOUS_CAPTURE_WINDOW = 7 * DAY;

export interface ChargeRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly environment: Environment;
  readonly chargePermissionId: string;
  readonly amount: Money;
  readonly captureNow: boolean;
  readonly captureAmount: number | null;
  /** Sum of the charge's Refunded refunds. */
  readonly refundedAmount: number;
  readonly softDescriptor: string | null;
  readonly providerMetadata: ProviderMetadata;
  readonly merchantMetadata: MerchantMetadata;
  readonly platformId: string | null;
  readonly channel: Charge["channel"];
  readonly chargeInitiator: Charge["chargeInitiator"];
  readonly status: Status<ChargeState>;
  readonly createdAt: number;
  readonly authorizedAt: number | null;
  readonly expiresAt: number;
  readonly pending: PendingOutcome<ChargeState> | null;
}

export type NewCharge = Omit<
  ChargeRecord,
  "captureAmount" | "refundedAmount" | "status" | "authorizedAt" | "expiresAt" | "pending" | "createdAt"
>;

/** How an authorization attempt goes, from the instrument's wallet outcome and a simulation. */
export type AuthorizationOutcome =
  | { readonly kind: "approve"; readonly expiresAfter: number }
  | { readonly kind: "decline"; readonly reasonCode: string; readonly description: string }
  | {
      readonly kind: "pending";
      readonly after: number;
      readonly state: ChargeState;
      readonly reasonCode: string | null;
    };

/**
 * Decides the authorization outcome (§9): a simulation code overrides the instrument. Pending
 * outcomes need `canHandlePendingAuthorization`; without it the sandbox refuses the payment
 * (a pending wallet card declines with TransactionTimedOut, a pending simulation code is invalid).
 */
export function authorizationOutcome(
  instrument: InstrumentOutcome,
  simulation: SimulationEffect | undefined,
  canHandlePending: boolean,
): AuthorizationOutcome {
  if (simulation !== undefined) {
    switch (simulation.kind) {
      case "decline":
        return { kind: "decline", reasonCode: simulation.reasonCode, description: "Simulated decline." };
      case "expireSoon":
        return { kind: "approve", expiresAfter: PENDING_DELAY };
      case "pending":
        if (!canHandlePending) {
          throw new AmazonError(
            "InvalidSandboxSimulationSpecified",
            "This simulation needs canHandlePendingAuthorization set to true.",
          );
        }
        return {
          kind: "pending",
          after: PENDING_DELAY,
          state: simulation.state as ChargeState,
          reasonCode: simulation.reasonCode,
        };
      default:
        break;
    }
  }
  switch (instrument.kind) {
    case "Declined":
      return { kind: "decline", reasonCode: "HardDeclined", description: "The payment method was declined." };
    case "Pending":
      if (!canHandlePending) {
        return {
          kind: "decline",
          reasonCode: "TransactionTimedOut",
          description: "The authorization could not be completed synchronously.",
        };
      }
      return {
        kind: "pending",
        after: instrument.afterSeconds * 1000,
        state: instrument.finalState,
        reasonCode: instrument.finalReasonCode,
      };
    default:
      return { kind: "approve", expiresAfter: AUTHORIZATION_VALIDITY };
  }
}

export interface ChargeResult {
  readonly charge: ChargeRecord;
  readonly notices: Notice[];
  /** Set when the operation answers with an error although the charge was stored (declines). */
  readonly error?: AmazonError;
}

function notice(charge: ChargeRecord): Notice {
  return {
    objectType: "CHARGE",
    objectId: charge.id,
    chargePermissionId: charge.chargePermissionId,
    notificationType: "STATE_CHANGE",
  };
}

/** Creates a Charge and runs its authorization. A decline stores a Declined charge and answers 422. */
export function openCharge(input: NewCharge, outcome: AuthorizationOutcome, now: number): ChargeResult {
  if (input.amount.minor <= 0) {
    throw new AmazonError("InvalidParameterValue", "The value provided for chargeAmount is invalid.");
  }
  if (input.amount.minor > maximumTransactionMinor(input.amount.currency)) {
    throw new AmazonError("TransactionAmountExceeded", "chargeAmount exceeds the maximum charge amount.");
  }
  const base: ChargeRecord = {
    ...input,
    captureAmount: null,
    refundedAmount: 0,
    status: status("AuthorizationInitiated", now),
    createdAt: now,
    authorizedAt: null,
    expiresAt: now + AUTHORIZATION_VALIDITY,
    pending: null,
  };
  switch (outcome.kind) {
    case "decline": {
      const charge = {
        ...base,
        status: status<ChargeState>("Declined", now, outcome.reasonCode, outcome.description),
      };
      return {
        charge,
        notices: [notice(charge)],
        error: new AmazonError(outcome.reasonCode as "HardDeclined", outcome.description, 422),
      };
    }
    case "pending": {
      const charge: ChargeRecord = {
        ...base,
        pending: {
          dueAt: now + outcome.after,
          state: outcome.state,
          reasonCode: outcome.reasonCode,
          reasonDescription: null,
        },
      };
      return { charge, notices: [notice(charge)] };
    }
    case "approve": {
      const authorized: ChargeRecord = {
        ...base,
        status: status("Authorized", now),
        authorizedAt: now,
        expiresAt: now + outcome.expiresAfter,
      };
      const charge = input.captureNow ? capturedAt(authorized, input.amount.minor, now) : authorized;
      return { charge, notices: [notice(charge)] };
    }
  }
}

function capturedAt(charge: ChargeRecord, amount: number, now: number): ChargeRecord {
  return { ...charge, captureAmount: amount, status: status("Captured", now), pending: null };
}

/**
 * Captures an Authorized charge once (§4.4): at most `chargeAmount`; synchronous within 7 days of
 * the authorization, else (or when simulated) CaptureInitiated with the outcome 30 s later.
 */
export function captureCharge(
  charge: ChargeRecord,
  amount: Money,
  softDescriptor: string | null,
  simulation: SimulationEffect | undefined,
  now: number,
): ChargeResult {
  if (charge.status.state !== "Authorized") {
    throw new AmazonError(
      "InvalidChargeStatus",
      `You cannot capture a charge in state ${charge.status.state}.`,
    );
  }
  if (amount.currency !== charge.amount.currency) {
    throw new AmazonError("CurrencyMismatch", "captureAmount.currencyCode differs from the charge currency.");
  }
  if (amount.minor <= 0)
    throw new AmazonError("InvalidParameterValue", "The value provided for captureAmount is invalid.");
  if (amount.minor > charge.amount.minor) {
    throw new AmazonError("TransactionAmountExceeded", "captureAmount exceeds the authorized chargeAmount.");
  }
  const withDescriptor = { ...charge, softDescriptor: softDescriptor ?? charge.softDescriptor };
  const late = now - (charge.authorizedAt ?? charge.createdAt) > SYNCHRONOUS_CAPTURE_WINDOW;
  if (simulation?.kind === "pending" || late) {
    const outcome =
      simulation?.kind === "pending"
        ? { state: simulation.state as ChargeState, reasonCode: simulation.reasonCode }
        : { state: "Captured" as const, reasonCode: null };
    const next: ChargeRecord = {
      ...withDescriptor,
      captureAmount: amount.minor,
      status: status("CaptureInitiated", now),
      pending: { dueAt: now + PENDING_DELAY, ...outcome, reasonDescription: null },
    };
    return { charge: next, notices: [notice(next)] };
  }
  const next = capturedAt(withDescriptor, amount.minor, now);
  return { charge: next, notices: [notice(next)] };
}

/** States a charge may be canceled from (§4.4: Authorized and, as chosen, AuthorizationInitiated). */
export function isCancelable(charge: ChargeRecord): boolean {
  return charge.status.state === "Authorized" || charge.status.state === "AuthorizationInitiated";
}

export function cancelCharge(
  charge: ChargeRecord,
  reasonCode: "MerchantCanceled" | "ChargePermissionCanceled" | "AmazonCanceled",
  reasonDescription: string | null,
  now: number,
): ChargeResult {
  if (!isCancelable(charge)) {
    throw new AmazonError(
      "InvalidChargeStatus",
      `You cannot cancel a charge in state ${charge.status.state}.`,
    );
  }
  const next: ChargeRecord = {
    ...charge,
    status: status<ChargeState>("Canceled", now, reasonCode, reasonDescription),
    pending: null,
  };
  return { charge: next, notices: [notice(next)] };
}

/** The next time the charge changes by itself, or null. */
export function chargeDueAt(charge: ChargeRecord): number | null {
  if (charge.pending !== null) return charge.pending.dueAt;
  if (charge.status.state === "Authorized") return charge.expiresAt;
  return null;
}

/** Applies every timed transition due by `now`, each at its own due time (§5.3, §5.5). */
export function tickCharge(charge: ChargeRecord, now: number): ChargeResult {
  let current = charge;
  const notices: Notice[] = [];
  for (let due = chargeDueAt(current); due !== null && due <= now; due = chargeDueAt(current)) {
    current = chargeTimerFired(current, due);
    notices.push(notice(current));
  }
  return { charge: current, notices };
}

function chargeTimerFired(charge: ChargeRecord, at: number): ChargeRecord {
  const pending = charge.pending;
  if (pending === null) {
    return {
      ...charge,
      status: status<ChargeState>("Canceled", at, "ExpiredUnused", "The authorization expired."),
    };
  }
  const resolved = { ...charge, pending: null };
  if (charge.status.state === "AuthorizationInitiated" && pending.state === "Authorized") {
    const authorized: ChargeRecord = {
      ...resolved,
      status: status("Authorized", at),
      authorizedAt: at,
      expiresAt: at + AUTHORIZATION_VALIDITY,
    };
    return charge.captureNow ? capturedAt(authorized, charge.amount.minor, at) : authorized;
  }
  return { ...resolved, status: status(pending.state, at, pending.reasonCode, pending.reasonDescription) };
}

/** Amount the charge holds against its permission's balance (§6): captured, or authorized while open. */
export function committedAmount(charge: ChargeRecord): number {
  switch (charge.status.state) {
    case "Captured":
    case "CaptureInitiated":
      return charge.captureAmount ?? 0;
    case "Authorized":
    case "AuthorizationInitiated":
      return charge.amount.minor;
    default:
      return 0;
  }
}

export function renderCharge(charge: ChargeRecord, releaseEnvironment: "Sandbox" | "Live"): Charge {
  const currency = charge.amount.currency;
  const captured = charge.status.state === "Captured" ? charge.captureAmount : null;
  return {
    chargeId: charge.id,
    chargeAmount: renderPrice(charge.amount),
    chargePermissionId: charge.chargePermissionId,
    captureAmount: renderOptionalPrice(captured === null ? null : { minor: captured, currency }),
    refundedAmount: renderOptionalPrice(
      charge.status.state === "Captured" ? { minor: charge.refundedAmount, currency } : null,
    ),
    softDescriptor: charge.softDescriptor,
    providerMetadata: charge.providerMetadata,
    convertedAmount: null,
    conversionRate: null,
    channel: charge.channel,
    chargeInitiator: charge.chargeInitiator,
    statusDetails: renderStatus(charge.status),
    creationTimestamp: renderTimestamp(charge.createdAt) as string,
    expirationTimestamp: renderTimestamp(charge.expiresAt),
    releaseEnvironment,
    merchantMetadata: charge.merchantMetadata,
    platformId: charge.platformId,
    webCheckoutDetails: null,
  };
}
