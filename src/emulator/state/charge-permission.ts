/**
 * The Charge Permission state machine (reference §4.3, §5.2, §6): OneTime (limit = order
 * amount, 180 days / 13 months, closes once fully captured), Recurring (13 months, monthly limit
 * → PeriodicAmountExceeded), PaymentMethodOnFile (monthly limit, no expiry).
 */

import type {
  Address,
  ChargePermission,
  ChargePermissionType,
  MerchantMetadata,
  RecurringMetadata,
  StatusReason,
} from "../../amazon/wire.js";
import type { Money } from "../../core/money.js";
import { AmazonError } from "../errors.js";
import { type ChargeRecord, committedAmount } from "./charge.js";
import {
  addMonths,
  type BuyerDetails,
  DAY,
  type Environment,
  type InstrumentDetails,
  mergeMerchantMetadata,
  monthOf,
  type Notice,
  renderPrice,
  renderTimestamp,
} from "./common.js";

export type ChargePermissionState = ChargePermission["statusDetails"]["state"];

/** Charges per OneTime permission (§5.5). */
export const MAXIMUM_CHARGES_PER_ONE_TIME_PERMISSION = 25;

export interface PermissionStatus {
  readonly state: ChargePermissionState;
  readonly reasons: readonly StatusReason[];
  readonly lastUpdated: number;
}

export interface PermissionRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly environment: Environment;
  readonly checkoutSessionId: string;
  readonly type: ChargePermissionType;
  readonly buyer: BuyerDetails;
  readonly shippingAddress: Address | null;
  readonly instrument: InstrumentDetails;
  readonly status: PermissionStatus;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly merchantMetadata: MerchantMetadata;
  readonly platformId: string | null;
  readonly recurringMetadata: RecurringMetadata | null;
  readonly currency: string;
  /** OneTime: the order's limit in minor units; null for the monthly-limited types. */
  readonly amountLimit: number | null;
}

export interface PermissionResult {
  readonly permission: PermissionRecord;
  readonly notices: Notice[];
}

function notice(
  permission: PermissionRecord,
  notificationType: Notice["notificationType"] = "STATE_CHANGE",
): Notice {
  return {
    objectType: "CHARGE_PERMISSION",
    objectId: permission.id,
    chargePermissionId: permission.id,
    notificationType,
  };
}

/** Monthly limits: Recurring per §5.5 (JP 100,000 JPY; elsewhere the v1 value 500, unconfirmed). */
function recurringMonthlyLimit(currency: string): number {
  return currency === "JPY" ? 100_000 : 500_00;
}

/** PaymentMethodOnFile monthly limits (§5.5). */
function savedWalletMonthlyLimit(currency: string): number {
  if (currency === "JPY") return 2_000_000;
  if (["DKK", "HKD", "NOK", "SEK", "ZAR"].includes(currency)) return 150_000_00;
  return 15_000_00;
}

/** OneTime limit with allowOvercharge (§5.5): max(900 % of the order, 500 or 70,000 JPY). */
export function overchargeLimit(orderMinor: number, currency: string): number {
  return Math.max(orderMinor * 9, currency === "JPY" ? 70_000 : 500_00);
}

export function openPermission(
  input: Omit<PermissionRecord, "status" | "createdAt" | "expiresAt"> & { extendExpiration: boolean },
  now: number,
): PermissionResult {
  const { extendExpiration, ...fields } = input;
  const expiresAt =
    fields.type === "PaymentMethodOnFile"
      ? null
      : fields.type === "Recurring" || extendExpiration
        ? addMonths(now, 13)
        : now + 180 * DAY;
  const permission: PermissionRecord = {
    ...fields,
    status: { state: "Chargeable", reasons: [], lastUpdated: now },
    createdAt: now,
    expiresAt,
  };
  return { permission, notices: [notice(permission)] };
}

/** The limit and balance `limits` shows (§6); monthly types count the charges of `now`'s month. */
export function permissionLimits(
  permission: PermissionRecord,
  charges: readonly ChargeRecord[],
  now: number,
): { limit: number; balance: number } {
  if (permission.type === "OneTime") {
    const limit = permission.amountLimit ?? 0;
    const used = charges.reduce((sum, charge) => sum + committedAmount(charge), 0);
    return { limit, balance: Math.max(0, limit - used) };
  }
  const limit =
    permission.type === "Recurring"
      ? recurringMonthlyLimit(permission.currency)
      : savedWalletMonthlyLimit(permission.currency);
  const month = monthOf(now);
  const used = charges
    .filter((charge) => monthOf(charge.createdAt) === month)
    .reduce((sum, charge) => sum + committedAmount(charge), 0);
  return { limit, balance: Math.max(0, limit - used) };
}

/** Refuses a new Charge the permission cannot take (§6); returns nothing when it may. */
export function assertChargeable(
  permission: PermissionRecord,
  charges: readonly ChargeRecord[],
  amount: Money,
  now: number,
): void {
  if (permission.status.state !== "Chargeable") {
    throw new AmazonError(
      "InvalidChargePermissionStatus",
      `You cannot create a charge on a charge permission in state ${permission.status.state}.`,
    );
  }
  if (chargeInProgress(charges)) {
    throw new AmazonError(
      "InvalidChargePermissionStatus",
      "A charge on this charge permission is still in progress (ChargeInProgress).",
    );
  }
  if (amount.currency !== permission.currency) {
    throw new AmazonError(
      "CurrencyMismatch",
      "chargeAmount.currencyCode differs from the charge permission currency.",
    );
  }
  if (permission.type === "OneTime" && charges.length >= MAXIMUM_CHARGES_PER_ONE_TIME_PERMISSION) {
    throw new AmazonError(
      "TransactionCountExceeded",
      "You cannot create more charges on this charge permission.",
    );
  }
  const { balance } = permissionLimits(permission, charges, now);
  if (amount.minor > balance) {
    if (permission.type === "OneTime") {
      throw new AmazonError(
        "TransactionAmountExceeded",
        "chargeAmount exceeds the charge permission's remaining balance.",
      );
    }
    throw new AmazonError(
      "PeriodicAmountExceeded",
      "You've exceeded the monthly limit for the Charge Permission and must wait until the next month to charge this buyer.",
    );
  }
}

/** A pending authorization blocks further charges (§6, inferred): NonChargeable/ChargeInProgress. */
function chargeInProgress(charges: readonly ChargeRecord[]): boolean {
  return charges.some((charge) => charge.status.state === "AuthorizationInitiated");
}

/** The status shown: a Chargeable permission reads NonChargeable/ChargeInProgress while a charge is pending. */
function shownStatus(permission: PermissionRecord, charges: readonly ChargeRecord[]): PermissionStatus {
  if (permission.status.state !== "Chargeable" || !chargeInProgress(charges)) return permission.status;
  const pendingSince = Math.max(
    ...charges
      .filter((charge) => charge.status.state === "AuthorizationInitiated")
      .map((charge) => charge.createdAt),
  );
  return {
    state: "NonChargeable",
    reasons: [{ reasonCode: "ChargeInProgress", reasonDescription: "A charge is being authorized." }],
    lastUpdated: Math.max(permission.status.lastUpdated, pendingSince),
  };
}

function closed(
  permission: PermissionRecord,
  reasonCode: string,
  description: string | null,
  at: number,
): PermissionRecord {
  return {
    ...permission,
    status: { state: "Closed", reasons: [{ reasonCode, reasonDescription: description }], lastUpdated: at },
  };
}

/** Close (§4.3); closing a Closed permission answers it unchanged (DELETE is idempotent). */
export function closePermission(
  permission: PermissionRecord,
  reasonCode: string,
  closureReason: string | null,
  now: number,
): PermissionResult {
  if (permission.status.state === "Closed") return { permission, notices: [] };
  const next = closed(permission, reasonCode, closureReason, now);
  return { permission: next, notices: [notice(next)] };
}

/** Where the buyer updates the payment method of a permission (§4.4, §12). */
export function paymentMethodUpdateUrl(chargePermissionId: string): string {
  return `https://payments.amazon.com/jr/your-account/ba/${chargePermissionId}`;
}

/**
 * A HardDeclined charge (§4.4: "buyer must change instrument") makes a Chargeable permission
 * NonChargeable/PaymentMethodInvalid (§5.2) until the buyer updates the payment method.
 */
export function invalidatePaymentMethod(permission: PermissionRecord, at: number): PermissionResult {
  if (permission.status.state !== "Chargeable") return { permission, notices: [] };
  const next: PermissionRecord = {
    ...permission,
    status: {
      state: "NonChargeable",
      reasons: [
        {
          reasonCode: "PaymentMethodInvalid",
          reasonDescription: `The payment method was declined. The buyer can update it at ${paymentMethodUpdateUrl(permission.id)}.`,
        },
      ],
      lastUpdated: at,
    },
  };
  return { permission: next, notices: [notice(next)] };
}

/**
 * The buyer picks another instrument for the permission in their Amazon account (§12): a
 * NonChargeable permission becomes Chargeable again (STATE_CHANGE); a Chargeable one only shows
 * the new instrument (ATTRIBUTE_CHANGE). A Closed permission cannot change.
 */
export function replacePaymentMethod(
  permission: PermissionRecord,
  instrument: InstrumentDetails,
  now: number,
): PermissionResult {
  if (permission.status.state === "Closed") {
    throw new AmazonError(
      "InvalidChargePermissionStatus",
      "The payment method of a closed charge permission cannot be changed.",
    );
  }
  if (permission.status.state === "Chargeable") {
    const next = { ...permission, instrument };
    return { permission: next, notices: [notice(next, "ATTRIBUTE_CHANGE")] };
  }
  const next: PermissionRecord = {
    ...permission,
    instrument,
    status: { state: "Chargeable", reasons: [], lastUpdated: now },
  };
  return { permission: next, notices: [notice(next)] };
}

export function updatePermission(
  permission: PermissionRecord,
  patch: { merchantMetadata?: Partial<MerchantMetadata>; recurringMetadata?: RecurringMetadata },
): PermissionResult {
  if (permission.status.state === "Closed") {
    throw new AmazonError("ChargePermissionNotModifiable", "A closed charge permission cannot be modified.");
  }
  if (patch.recurringMetadata !== undefined && permission.type !== "Recurring") {
    throw new AmazonError(
      "InvalidParameterCombination",
      "recurringMetadata applies to Recurring charge permissions only.",
    );
  }
  const next: PermissionRecord = {
    ...permission,
    merchantMetadata: mergeMerchantMetadata(permission.merchantMetadata, patch.merchantMetadata),
    recurringMetadata: patch.recurringMetadata ?? permission.recurringMetadata,
  };
  return { permission: next, notices: [notice(next, "ATTRIBUTE_CHANGE")] };
}

export function permissionDueAt(permission: PermissionRecord): number | null {
  return permission.status.state === "Closed" ? null : permission.expiresAt;
}

/**
 * Timed and derived transitions: expiry (Closed/Expired) and, for OneTime, closing once the
 * whole limit is captured and no charge is still open (Closed/MaxAmountCharged, unconfirmed name).
 */
export function settlePermission(
  permission: PermissionRecord,
  charges: readonly ChargeRecord[],
  now: number,
): PermissionResult {
  if (permission.status.state === "Closed") return { permission, notices: [] };
  if (permission.expiresAt !== null && permission.expiresAt <= now) {
    const next = closed(permission, "Expired", "The charge permission expired.", permission.expiresAt);
    return { permission: next, notices: [notice(next)] };
  }
  if (permission.type === "OneTime" && permission.amountLimit !== null) {
    const captured = charges
      .filter((charge) => charge.status.state === "Captured")
      .reduce((sum, charge) => sum + (charge.captureAmount ?? 0), 0);
    const open = charges.some((charge) =>
      ["AuthorizationInitiated", "Authorized", "CaptureInitiated"].includes(charge.status.state),
    );
    if (captured >= permission.amountLimit && !open) {
      const next = closed(
        permission,
        "MaxAmountCharged",
        "The charge permission amount has been fully captured.",
        now,
      );
      return { permission: next, notices: [notice(next)] };
    }
  }
  return { permission, notices: [] };
}

export function renderPermission(
  permission: PermissionRecord,
  charges: readonly ChargeRecord[],
  now: number,
  releaseEnvironment: "Sandbox" | "Live",
): ChargePermission {
  const { limit, balance } = permissionLimits(permission, charges, now);
  const currency = permission.currency;
  const shown = shownStatus(permission, charges);
  return {
    chargePermissionId: permission.id,
    chargePermissionReferenceId: null,
    platformId: permission.platformId,
    buyer: { ...permission.buyer, primeMembershipTypes: null },
    shippingAddress: permission.shippingAddress,
    billingAddress: permission.instrument.billingAddress,
    paymentPreferences: [{ paymentDescriptor: permission.instrument.paymentDescriptor }],
    statusDetails: {
      state: shown.state,
      reasons: shown.reasons.length === 0 ? null : [...shown.reasons],
      lastUpdatedTimestamp: renderTimestamp(shown.lastUpdated) as string,
    },
    creationTimestamp: renderTimestamp(permission.createdAt) as string,
    expirationTimestamp: renderTimestamp(permission.expiresAt),
    merchantMetadata: permission.merchantMetadata,
    releaseEnvironment,
    limits: {
      amountLimit: renderPrice({ minor: limit, currency }),
      amountBalance: renderPrice({ minor: balance, currency }),
    },
    chargePermissionType: permission.type,
    recurringMetadata: permission.recurringMetadata,
    presentmentCurrency: currency,
  };
}
