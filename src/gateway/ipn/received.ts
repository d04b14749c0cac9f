/**
 * The IPNs Kasse received and verified, one row per payment they concern (`ipn_received`), so a
 * payment's history (the JSON API's timeline) shows when Amazon announced a change. Nothing
 * decides on these rows: IPNs carry no state (intake.ts).
 */
import type { Database } from "../../store/database.js";
import { findPaymentsOfAmazonObject, type StoredPayment } from "../store/payments.js";
import type { IpnMessage } from "./intake.js";

/**
 * Finds the merchant's payments the IPN's object belongs to and keeps the IPN with each of them
 * (one row without a payment when there is none), in one transaction; answers the payments as
 * read, so settling them needs no second read.
 */
export async function receiveIpnPayments(
  db: Database,
  merchantId: string,
  received: { readonly messageId: string; readonly ipn: IpnMessage },
  now: number,
): Promise<StoredPayment[]> {
  const { ipn } = received;
  return db.transaction(async (tx) => {
    const payments = await findPaymentsOfAmazonObject(tx, merchantId, {
      ...(ipn.ObjectType === "CHARGE" ? { chargeId: ipn.ObjectId } : {}),
      chargePermissionId: ipn.ChargePermissionId,
    });
    const payIds = payments.length > 0 ? payments.map((stored) => stored.payment.payId) : [null];
    await tx.query(
      `INSERT INTO ipn_received (merchant_id, pay_id, message_id, object_type, object_id, notification_type, received_at)
       SELECT $1, concerned.pay_id, $3, $4, $5, $6, $7
         FROM unnest($2::text[]) WITH ORDINALITY AS concerned (pay_id, position)
        ORDER BY concerned.position`,
      [merchantId, payIds, received.messageId, ipn.ObjectType, ipn.ObjectId, ipn.NotificationType, now],
    );
    return payments;
  });
}
