/**
 * The IPNs Kasse received and verified, one row per payment they concern (`ipn_received`), so a
 * payment's history (the JSON API's timeline) shows when Amazon announced a change. Nothing
 * decides on these rows: IPNs carry no state (intake.ts).
 */
import type { Queryable } from "../../store/database.js";
import type { IpnMessage } from "./intake.js";

export async function recordIpnReceived(
  db: Queryable,
  merchantId: string,
  received: { readonly messageId: string; readonly ipn: IpnMessage; readonly payIds: readonly string[] },
  now: number,
): Promise<void> {
  const payIds = received.payIds.length > 0 ? received.payIds : [null];
  for (const payId of payIds) {
    await db.query(
      `INSERT INTO ipn_received (merchant_id, pay_id, message_id, object_type, object_id, notification_type, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        merchantId,
        payId,
        received.messageId,
        received.ipn.ObjectType,
        received.ipn.ObjectId,
        received.ipn.NotificationType,
        now,
      ],
    );
  }
}
