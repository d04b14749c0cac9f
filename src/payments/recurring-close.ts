/**
 * The merchant ends a recurring agreement (amazon-pay-v2.md §4.3, §12 "Cancel subscription:
 * Close Charge Permission"). The Paygate seeds have no request for it, so the admin API offers
 * it. Only the merchant's own permissions can be closed; closing a Closed one is harmless (Amazon
 * answers it unchanged), so the call needs no idempotency key.
 */
import { AmazonPayError } from "../amazon/errors.js";
import type { ChargePermission } from "../amazon/wire.js";
import { parseAmazonTimestamp } from "../core/clock.js";
import type { AmazonLink, PaymentDeps } from "./ports.js";

export interface PermissionView {
  readonly chargePermissionId: string;
  readonly chargePermissionType: string;
  readonly state: string;
  readonly reasons: readonly string[];
  readonly expiresAt: string | undefined;
}

export type PermissionResult =
  | { readonly ok: true; readonly permission: PermissionView }
  | {
      readonly ok: false;
      readonly error: "unknown_charge_permission" | "amazon_refused";
      readonly message: string;
    };

/** Amazon's Close Charge Permission; `reason` is cut to Amazon's 255 characters. */
export async function closePermission(
  deps: PaymentDeps,
  merchantId: string,
  chargePermissionId: string,
  options: { readonly reason?: string | undefined; readonly cancelPendingCharges?: boolean | undefined },
): Promise<PermissionResult> {
  return withPermission(deps, merchantId, chargePermissionId, (link) =>
    link.client.closeChargePermission(chargePermissionId, {
      closureReason: (options.reason ?? "Closed by the merchant").slice(0, 255),
      cancelPendingCharges: options.cancelPendingCharges ?? false,
    }),
  );
}

/** Amazon's Get Charge Permission for one of the merchant's own permissions. */
export function readPermission(
  deps: PaymentDeps,
  merchantId: string,
  chargePermissionId: string,
): Promise<PermissionResult> {
  return withPermission(deps, merchantId, chargePermissionId, (link) =>
    link.client.getChargePermission(chargePermissionId),
  );
}

async function withPermission(
  deps: PaymentDeps,
  merchantId: string,
  chargePermissionId: string,
  call: (link: AmazonLink) => Promise<{ body: ChargePermission }>,
): Promise<PermissionResult> {
  const owner = await deps.store.findPermissionOwner(merchantId, chargePermissionId);
  const link = owner === undefined ? undefined : await deps.amazonFor(merchantId);
  if (link === undefined) {
    return {
      ok: false,
      error: "unknown_charge_permission",
      message: "no such charge permission for this merchant",
    };
  }
  try {
    return { ok: true, permission: viewOf((await call(link)).body) };
  } catch (error) {
    if (!(error instanceof AmazonPayError)) throw error;
    return { ok: false, error: "amazon_refused", message: `${error.reasonCode}: ${error.message}` };
  }
}

export function viewOf(permission: ChargePermission): PermissionView {
  const expiry =
    permission.expirationTimestamp === null
      ? undefined
      : parseAmazonTimestamp(permission.expirationTimestamp);
  return {
    chargePermissionId: permission.chargePermissionId,
    chargePermissionType: permission.chargePermissionType,
    state: permission.statusDetails.state,
    reasons: (permission.statusDetails.reasons ?? []).map((reason) => reason.reasonCode),
    expiresAt: expiry === undefined ? undefined : new Date(expiry).toISOString(),
  };
}
