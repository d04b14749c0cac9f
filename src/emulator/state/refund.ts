/**
 * The Refund state machine (reference §4.5, §5.4): only on a captured Charge, at most 10 per
 * Charge, total ≤ captured + min(15 %, 75 USD/GBP/EUR or 8,400 JPY); always asynchronous
 * (RefundInitiated, then Refunded or Declined 30 s of emulated time later).
 */

import type { Refund } from "../../amazon/wire.js";
import type { Money } from "../../core/money.js";
import { AmazonError } from "../errors.js";
import type { ChargeRecord } from "./charge.js";
import {
  type Environment,
  maximumTransactionMinor,
  type Notice,
  PENDING_DELAY,
  type PendingOutcome,
  renderPrice,
  renderStatus,
  renderTimestamp,
  type Status,
  status,
} from "./common.js";
import type { SimulationEffect } from "./simulation.js";

export type RefundState = Refund["statusDetails"]["state"];

/** Refunds per Charge (unconfirmed for CV2; v1 allowed 10). */
export const MAXIMUM_REFUNDS_PER_CHARGE = 10;

export interface RefundRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly environment: Environment;
  readonly chargeId: string;
  readonly chargePermissionId: string;
  readonly amount: Money;
  readonly softDescriptor: string | null;
  readonly status: Status<RefundState>;
  readonly createdAt: number;
  readonly pending: PendingOutcome<RefundState> | null;
}

export interface RefundResult {
  readonly refund: RefundRecord;
  readonly notices: Notice[];
}

/** The most that may be refunded in total on a capture (§4.5): captured + min(15 %, 75 or 8,400 JPY). */
export function refundCeiling(capturedMinor: number, currency: string): number {
  const absoluteCap = currency === "JPY" ? 8_400 : 75_00;
  return capturedMinor + Math.min(Math.floor((capturedMinor * 15) / 100), absoluteCap);
}

/** Sum of a charge's refunds that are not Declined: pending refunds count against the ceiling. */
export function refundsHeld(refunds: readonly RefundRecord[]): number {
  return refunds
    .filter((refund) => refund.status.state !== "Declined")
    .reduce((sum, r) => sum + r.amount.minor, 0);
}

function notice(refund: RefundRecord): Notice {
  return {
    objectType: "REFUND",
    objectId: refund.id,
    chargePermissionId: refund.chargePermissionId,
    notificationType: "STATE_CHANGE",
  };
}

export function openRefund(
  input: {
    id: string;
    charge: ChargeRecord;
    existing: readonly RefundRecord[];
    amount: Money;
    softDescriptor: string | null;
  },
  simulation: SimulationEffect | undefined,
  now: number,
): RefundResult {
  const { charge, amount } = input;
  if (charge.status.state !== "Captured" || charge.captureAmount === null) {
    throw new AmazonError(
      "InvalidChargeStatus",
      `You cannot refund a charge in state ${charge.status.state}.`,
    );
  }
  if (amount.currency !== charge.amount.currency) {
    throw new AmazonError("CurrencyMismatch", "refundAmount.currencyCode differs from the charge currency.");
  }
  if (amount.minor <= 0)
    throw new AmazonError("InvalidParameterValue", "The value provided for refundAmount is invalid.");
  if (input.existing.length >= MAXIMUM_REFUNDS_PER_CHARGE) {
    throw new AmazonError(
      "TransactionCountExceeded",
      `You cannot create more than ${MAXIMUM_REFUNDS_PER_CHARGE} refunds for a charge.`,
    );
  }
  if (
    amount.minor > maximumTransactionMinor(amount.currency) ||
    refundsHeld(input.existing) + amount.minor > refundCeiling(charge.captureAmount, amount.currency)
  ) {
    throw new AmazonError(
      "TransactionAmountExceeded",
      "The refund amount exceeds the refundable amount of the charge.",
    );
  }
  const outcome =
    simulation?.kind === "pending"
      ? { state: simulation.state as RefundState, reasonCode: simulation.reasonCode }
      : { state: "Refunded" as const, reasonCode: null };
  const refund: RefundRecord = {
    id: input.id,
    merchantId: charge.merchantId,
    environment: charge.environment,
    chargeId: charge.id,
    chargePermissionId: charge.chargePermissionId,
    amount,
    softDescriptor: input.softDescriptor,
    status: status("RefundInitiated", now),
    createdAt: now,
    pending: { dueAt: now + PENDING_DELAY, ...outcome, reasonDescription: null },
  };
  return { refund, notices: [notice(refund)] };
}

export function refundDueAt(refund: RefundRecord): number | null {
  return refund.pending?.dueAt ?? null;
}

export function tickRefund(refund: RefundRecord, now: number): RefundResult {
  const pending = refund.pending;
  if (pending === null || pending.dueAt > now) return { refund, notices: [] };
  const next: RefundRecord = {
    ...refund,
    pending: null,
    status: status(pending.state, pending.dueAt, pending.reasonCode, pending.reasonDescription),
  };
  return { refund: next, notices: [notice(next)] };
}

export function renderRefund(refund: RefundRecord, releaseEnvironment: "Sandbox" | "Live"): Refund {
  return {
    refundId: refund.id,
    chargeId: refund.chargeId,
    creationTimestamp: renderTimestamp(refund.createdAt) as string,
    refundAmount: renderPrice(refund.amount),
    statusDetails: renderStatus(refund.status),
    softDescriptor: refund.softDescriptor,
    releaseEnvironment,
  };
}
