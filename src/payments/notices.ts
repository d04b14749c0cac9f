/**
 * Amazon's notices about a payment (docs/async.md "Amazon's notices"): what Amazon tells that no
 * call of Kasse's caused and that moves no money through Kasse — a chargeback, a recurring
 * charge permission closed, a permission about to expire. Each is recorded on the payment that
 * holds the charge permission (the checkout that created it: `findPermissionOwner`) as an action
 * of its own, with its shop notification, in one commit; the same notice again changes nothing
 * (the aggregate's `recordNotice`), so a repeated IPN cannot notify twice.
 */
import { AmazonPayApiError } from "../amazon/errors.js";
import { type Notice, recordNotice } from "../core/payment.js";
import { changePayment, notificationsOf } from "./commit.js";
import type { PaymentDeps } from "./ports.js";

export interface NoticeRecorded {
  /** The payment the notice was recorded on; `undefined` when the merchant has none for it. */
  readonly payId: string | undefined;
  /** `false` when the payment had this notice already. */
  readonly recorded: boolean;
}

/** Records `notice` on the payment that holds `chargePermissionId`. */
export async function recordPermissionNotice(
  deps: PaymentDeps,
  merchantId: string,
  chargePermissionId: string,
  notice: Notice,
): Promise<NoticeRecorded> {
  const owner = await deps.store.findPermissionOwner(merchantId, chargePermissionId);
  if (owner === undefined) return { payId: undefined, recorded: false };
  const { payId } = owner.payment;
  const { result } = await changePayment(deps, merchantId, payId, (record) => {
    if (record === undefined) return { result: false };
    const noted = recordNotice(record.payment, deps.newId(), notice);
    if (!noted.ok || noted.events.length === 0) return { result: false };
    const changed = { ...record, payment: noted.payment };
    return {
      result: true,
      change: { record: changed, notifications: notificationsOf(changed, noted.events) },
    };
  });
  if (result)
    deps.logger.info(
      { merchantId, payId, notice: notice.kind, amazonId: notice.amazonId },
      "notice recorded",
    );
  return { payId, recorded: result };
}

/**
 * IPN `CHARGEBACK` (amazon-pay-v2.md §10): the IPN names the chargeback (`ObjectId`) and its
 * charge permission, nothing more, and Amazon offers merchants no read of a chargeback (the
 * dispute API is for payment service providers; amzn/amazon-pay-api-sdk-php issue #11: "look up
 * chargeback details in Seller Central using the chargePermissionId"). The verified IPN is
 * therefore the whole notice; it is recorded on the permission's payment.
 */
export function recordChargeback(
  deps: PaymentDeps,
  merchantId: string,
  ipn: { readonly chargebackId: string; readonly chargePermissionId: string },
): Promise<NoticeRecorded> {
  return recordPermissionNotice(deps, merchantId, ipn.chargePermissionId, {
    kind: "chargeback",
    amazonId: ipn.chargebackId,
  });
}

/**
 * IPN `CHARGE_PERMISSION` (amazon-pay-v2.md §12: "Buyer cancellation appears as Closed
 * (BuyerClosed/BuyerCanceled), announced by IPN CHARGE_PERMISSION"): a recurring permission that
 * Amazon shows Closed is recorded as `permissionClosed` on its RTF=I payment, so the shop hears
 * of it whether Kasse or the shop runs the subscription. OneTime permissions close on their own
 * once captured or after 180 days; those are not notices. Throws when Amazon cannot be asked
 * (the intake answers 503 and Amazon sends the IPN again).
 */
export async function recordPermissionClosed(
  deps: PaymentDeps,
  merchantId: string,
  chargePermissionId: string,
): Promise<NoticeRecorded> {
  const owner = await deps.store.findPermissionOwner(merchantId, chargePermissionId);
  const recurring =
    owner !== undefined &&
    (owner.context.recurring === true || owner.payment.checkoutMode === "MerchantInitiated");
  const link = recurring ? await deps.amazonFor(merchantId) : undefined;
  if (link === undefined) return { payId: undefined, recorded: false };
  let permission: Awaited<ReturnType<typeof link.client.getChargePermission>>["body"];
  try {
    permission = (await link.client.getChargePermission(chargePermissionId)).body;
  } catch (error) {
    // Amazon's final 4xx (the permission is unknown to it): nothing to record.
    const status = error instanceof AmazonPayApiError ? (error.httpStatus ?? 0) : 0;
    if (error instanceof AmazonPayApiError && error.outcome === "fail" && status >= 400 && status < 500) {
      return { payId: undefined, recorded: false };
    }
    throw error;
  }
  const { state, reasons } = permission.statusDetails;
  if (state !== "Closed") return { payId: undefined, recorded: false };
  return recordPermissionNotice(deps, merchantId, chargePermissionId, {
    kind: "permissionClosed",
    amazonId: chargePermissionId,
    reasonCode: reasons?.[0]?.reasonCode ?? "Closed",
  });
}
