/**
 * Amazon's notices about a payment (docs/async.md "Amazon's notices"): what Amazon tells that no
 * call of Kasse's caused and that moves no money through Kasse — a chargeback, a recurring
 * charge permission closed, a permission about to expire. Each is recorded on the payment that
 * holds the charge permission (the checkout that created it: `findPermissionOwner`) as an action
 * of its own, with its shop notification, in one commit; the same notice again changes nothing
 * (the aggregate's `recordNotice`), so a repeated IPN cannot notify twice.
 */
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
