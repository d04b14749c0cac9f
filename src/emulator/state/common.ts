/**
 * Types and rules shared by the emulator's pure state machines (reference §4–§6). Records keep
 * money in integer minor units and times as emulated epoch milliseconds; `render*` functions
 * turn them into Amazon's wire objects.
 */

import type { Address, MerchantMetadata, Price, StatusReason } from "../../amazon/wire.js";
import { compactTimestamp } from "../../core/clock.js";
import { formatDecimal, type Money } from "../../core/money.js";

export type Environment = "sandbox" | "live";
export type Region = "eu" | "na" | "jp";

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Sandbox pending outcomes resolve after 30 s of the emulated clock (§5.5). */
export const PENDING_DELAY = 30 * SECOND;

export interface Status<State extends string> {
  readonly state: State;
  readonly reasonCode: string | null;
  readonly reasonDescription: string | null;
  readonly lastUpdated: number;
}

/** A timed transition the object will take by itself at `dueAt` unless something else happens first. */
export interface PendingOutcome<State extends string> {
  readonly dueAt: number;
  readonly state: State;
  readonly reasonCode: string | null;
  readonly reasonDescription: string | null;
}

/** An IPN to enqueue in the same transaction as the change (§10). */
export interface Notice {
  readonly objectType: "CHARGE" | "REFUND" | "CHARGE_PERMISSION" | "CHARGEBACK";
  readonly objectId: string;
  readonly chargePermissionId: string;
  readonly notificationType: "STATE_CHANGE" | "ATTRIBUTE_CHANGE";
}

/** The test buyer the session's buyer chose, frozen into the records that need it. */
export interface BuyerDetails {
  readonly buyerId: string;
  readonly name: string;
  readonly email: string;
  readonly phoneNumber: string;
}

/** The instrument as the engine needs it: what Amazon shows, and what paying with it does. */
export interface InstrumentDetails {
  readonly paymentDescriptor: string;
  readonly last4: string;
  readonly billingAddress: Address;
  readonly outcome: InstrumentOutcome;
}

export type InstrumentOutcome =
  | { readonly kind: "Success" }
  | { readonly kind: "BuyerCanceled" }
  | { readonly kind: "Declined" }
  | {
      readonly kind: "Pending";
      readonly afterSeconds: number;
      readonly finalState: "Authorized" | "Declined";
      readonly finalReasonCode: string | null;
    };

export function status<State extends string>(
  state: State,
  now: number,
  reasonCode: string | null = null,
  reasonDescription: string | null = null,
): Status<State> {
  return { state, reasonCode, reasonDescription, lastUpdated: now };
}

export function renderPrice(money: Money): Price {
  return { amount: formatDecimal(money.minor, money.currency), currencyCode: money.currency };
}

export function renderOptionalPrice(money: Money | null): Price | null {
  return money === null ? null : renderPrice(money);
}

export function renderTimestamp(epoch: number | null): string | null {
  return epoch === null ? null : compactTimestamp(epoch);
}

export function renderStatus<State extends string>(value: Status<State>) {
  return {
    state: value.state,
    reasonCode: value.reasonCode,
    reasonDescription: value.reasonDescription,
    lastUpdatedTimestamp: compactTimestamp(value.lastUpdated),
  };
}

export function emptyMerchantMetadata(): MerchantMetadata {
  return { merchantReferenceId: null, merchantStoreName: null, noteToBuyer: null, customInformation: null };
}

/** Merges a request's partial merchant metadata into the stored one, in Amazon's key order. */
export function mergeMerchantMetadata(
  current: MerchantMetadata,
  patch: Partial<MerchantMetadata> | undefined,
): MerchantMetadata {
  if (patch === undefined) return current;
  return {
    merchantReferenceId: patch.merchantReferenceId ?? current.merchantReferenceId,
    merchantStoreName: patch.merchantStoreName ?? current.merchantStoreName,
    noteToBuyer: patch.noteToBuyer ?? current.noteToBuyer,
    customInformation: patch.customInformation ?? current.customInformation,
  };
}

export type { StatusReason };

/** Largest amount of one Charge or Refund (§4.4, §4.5): 150,000 in USD/GBP/EUR, 10,000,000 JPY. */
export function maximumTransactionMinor(currency: string): number {
  return currency === "JPY" ? 10_000_000 : 150_000_00;
}

/** Adds calendar months in UTC (13-month expiry of §5.2), clamping to the month's last day. */
export function addMonths(epoch: number, months: number): number {
  const date = new Date(epoch);
  const target = new Date(
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() + months,
      1,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime();
}

/** `YYYY-MM` of an emulated time: recurring limits count per calendar month (§6). */
export function monthOf(epoch: number): string {
  return new Date(epoch).toISOString().slice(0, 7);
}
