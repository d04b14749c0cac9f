/**
 * Where a recurring charge permission comes from: the merchant's own checkout that created it
 * (RTF=I). Read per merchant, so another merchant's permission id is simply not found.
 */
import type { Queryable } from "../../store/database.js";
import { loadPayment } from "../store/payments.js";
import type { CheckoutContext, PaymentRecord } from "./ports.js";

/**
 * The merchant's checkout payment that holds `chargePermissionId` (the initial one first; its
 * URLNotify is the default for later charges), or `undefined` when the merchant has none.
 */
export async function findPermissionOwner(
  db: Queryable,
  merchantId: string,
  chargePermissionId: string,
): Promise<PaymentRecord | undefined> {
  const rows = await db.query<{ pay_id: string }>(
    `SELECT pay_id FROM payments WHERE merchant_id = $1 AND charge_permission_id = $2
     ORDER BY (checkout_mode = 'MerchantInitiated'), created_at LIMIT 1`,
    [merchantId, chargePermissionId],
  );
  const payId = rows[0]?.pay_id;
  if (payId === undefined) return undefined;
  const stored = await loadPayment(db, merchantId, payId);
  return stored === undefined
    ? undefined
    : {
        payment: stored.payment,
        context: stored.context as unknown as CheckoutContext,
        version: stored.version,
      };
}

/**
 * Whether the checkout that created the permission asked Amazon for a Recurring one (RTF=I): its
 * signed button payload says so. RTF=R charges only those; a OneTime permission's later charges
 * are not recurring payments.
 */
export function createdRecurring(owner: PaymentRecord): boolean {
  if (owner.payment.checkoutMode === "MerchantInitiated") return true;
  try {
    return JSON.parse(owner.context.button.payload).chargePermissionType === "Recurring";
  } catch {
    return false;
  }
}
