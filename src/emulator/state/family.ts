/**
 * A Charge Permission with its Charges and Refunds: the unit the engine loads, ticks and saves
 * together, because a charge's timer changes the permission's balance and a refund's outcome
 * changes its charge's refundedAmount.
 */
import { type ChargeRecord, tickCharge } from "./charge.js";
import { invalidatePaymentMethod, type PermissionRecord, settlePermission } from "./charge-permission.js";
import type { Notice } from "./common.js";
import { type RefundRecord, tickRefund } from "./refund.js";

export interface Family {
  readonly permission: PermissionRecord;
  readonly charges: readonly ChargeRecord[];
  readonly refunds: readonly RefundRecord[];
}

export interface FamilyChange {
  readonly family: Family;
  /** Ids of the records that changed and must be saved. */
  readonly changed: ReadonlySet<string>;
  readonly notices: Notice[];
}

/** Runs every timer due by `now` and the permission's derived transitions. */
export function tickFamily(family: Family, now: number): FamilyChange {
  const changed = new Set<string>();
  const notices: Notice[] = [];
  const refundedByCharge = new Map<string, number>();
  const refunds = family.refunds.map((refund) => {
    const result = tickRefund(refund, now);
    if (result.refund !== refund) {
      changed.add(refund.id);
      notices.push(...result.notices);
      if (result.refund.status.state === "Refunded") {
        refundedByCharge.set(
          refund.chargeId,
          (refundedByCharge.get(refund.chargeId) ?? 0) + refund.amount.minor,
        );
      }
    }
    return result.refund;
  });
  const charges = family.charges.map((charge) => {
    const ticked = tickCharge(charge, now);
    notices.push(...ticked.notices);
    let result = ticked.charge;
    const refunded = refundedByCharge.get(charge.id);
    if (refunded !== undefined) result = { ...result, refundedAmount: result.refundedAmount + refunded };
    if (result !== charge) changed.add(charge.id);
    return result;
  });
  return settle({ ...family, charges, refunds }, now, changed, notices);
}

/** A charge that has just been declined HardDeclined (declined charges never change again). */
function hardDeclinedAt(charges: readonly ChargeRecord[], changed: ReadonlySet<string>): number | undefined {
  const declined = charges.filter(
    (charge) =>
      changed.has(charge.id) &&
      charge.status.state === "Declined" &&
      charge.status.reasonCode === "HardDeclined",
  );
  return declined.length === 0 ? undefined : Math.max(...declined.map((charge) => charge.status.lastUpdated));
}

/**
 * Re-derives the permission after the charges in `changed` changed: a fresh HardDeclined makes it
 * NonChargeable/PaymentMethodInvalid; then expiry and, for OneTime, fully captured.
 */
export function settle(
  family: Family,
  now: number,
  changed = new Set<string>(),
  notices: Notice[] = [],
): FamilyChange {
  const declinedAt = hardDeclinedAt(family.charges, changed);
  const invalidated =
    declinedAt === undefined
      ? { permission: family.permission, notices: [] }
      : invalidatePaymentMethod(family.permission, declinedAt);
  notices.push(...invalidated.notices);
  const settled = settlePermission(invalidated.permission, family.charges, now);
  if (settled.permission !== family.permission) changed.add(family.permission.id);
  notices.push(...settled.notices);
  return { family: { ...family, permission: settled.permission }, changed, notices };
}
