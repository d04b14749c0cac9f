/**
 * The IPNs Kasse received and verified, one row per payment they concern (`ipn_received`), so a
 * payment's history (the JSON API's timeline) shows when Amazon announced a change. Nothing
 * decides on these rows: IPNs carry no state (intake.ts).
 */
import type { Database, Queryable } from "../../store/database.js";
import { findPaymentsOfAmazonObject, type StoredPayment } from "../store/payments.js";
import { subscriptionsOfPermission } from "../subscriptions/store.js";
import type { IpnMessage } from "./intake.js";

export interface Received {
  readonly messageId: string;
  readonly ipn: IpnMessage;
}

/**
 * Finds the merchant's payments the IPN's object belongs to and keeps the IPN with each of them,
 * in one transaction; answers the payments as read, so settling them needs no second read. A
 * `CHARGE_PERMISSION` IPN about a permission with Kasse subscriptions is not kept here
 * (`waitsForPermission`): the intake re-reads that permission first, which may fail (Amazon then
 * sends the IPN again), and keeps it afterwards ({@link keepIpnReceived}).
 */
export async function receiveIpnPayments(
  db: Database,
  merchantId: string,
  received: Received,
  now: number,
): Promise<{ readonly payments: StoredPayment[]; readonly waitsForPermission: boolean }> {
  const { ipn } = received;
  return db.transaction(async (tx) => {
    const payments = await findPaymentsOfAmazonObject(tx, merchantId, {
      ...(ipn.ObjectType === "CHARGE" ? { chargeId: ipn.ObjectId } : {}),
      chargePermissionId: ipn.ChargePermissionId,
    });
    const waitsForPermission =
      ipn.ObjectType === "CHARGE_PERMISSION" &&
      (await subscriptionsOfPermission(tx, merchantId, ipn.ObjectId)).length > 0;
    if (!waitsForPermission) {
      await keepIpnReceived(
        tx,
        merchantId,
        received,
        payments.map((stored) => stored.payment.payId),
        now,
      );
    }
    return { payments, waitsForPermission };
  });
}

/** Keeps the IPN with each payment it concerns (one row without a payment when there is none). */
export async function keepIpnReceived(
  db: Queryable,
  merchantId: string,
  received: Received,
  payIds: readonly string[],
  now: number,
): Promise<void> {
  const { ipn } = received;
  await db.query(
    `INSERT INTO ipn_received (merchant_id, pay_id, message_id, object_type, object_id, notification_type, received_at)
     SELECT $1, concerned.pay_id, $3, $4, $5, $6, $7
       FROM unnest($2::text[]) WITH ORDINALITY AS concerned (pay_id, position)
      ORDER BY concerned.position`,
    [
      merchantId,
      payIds.length > 0 ? payIds : [null],
      received.messageId,
      ipn.ObjectType,
      ipn.ObjectId,
      ipn.NotificationType,
      now,
    ],
  );
}
