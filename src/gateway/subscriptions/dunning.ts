/**
 * The `DunningNotification` of a subscription (docs/recurring.md): encoded for the merchant and
 * queued in the URLNotify outbox inside the caller's transaction — the one that pauses the
 * subscription — so the pause and its notice commit together. One per (subscription, cycle,
 * attempt, cause): a repeated pause cannot notify twice.
 */
import type { PaygateCode } from "../../paygate/codes.js";
import type { PaygateMerchant } from "../../paygate/pages/receive.js";
import { dunningNotifyBody } from "../../paygate/pages/recurring-charge.js";
import type { Queryable } from "../../store/database.js";
import { enqueueNotification } from "../store/notifications.js";
import type { Subscription } from "./store.js";

export interface DunningCause {
  /** The failed charge, when there was one. */
  readonly payId: string | undefined;
  readonly transId: string;
  readonly code: PaygateCode;
  readonly reasonCode: string | undefined;
  readonly errorText: string;
  readonly cycle: number;
  readonly attempts: number;
  /** Tells causes of one attempt apart (`charge`, `permission`). */
  readonly kind: "charge" | "permission";
}

/** Queues the notification; `true` when it was new (the caller wakes the delivery worker). */
export function queueDunning(
  tx: Queryable,
  merchant: PaygateMerchant,
  subscription: Subscription,
  cause: DunningCause,
  now: number,
): Promise<boolean> {
  const body = dunningNotifyBody(
    { merchant, scheme: "blowfish", custom: undefined, userData: undefined },
    {
      subscriptionId: subscription.subscriptionId,
      payId: cause.payId,
      transId: cause.transId,
      code: cause.code,
      codeExt: cause.reasonCode?.slice(0, 10),
      errorText: cause.errorText,
      chargePermissionId: subscription.chargePermissionId,
      amount: subscription.amount,
      currency: subscription.currency,
      cycle: cause.cycle,
      attempts: cause.attempts,
    },
  );
  return enqueueNotification(
    tx,
    {
      merchantId: subscription.merchantId,
      payId: cause.payId ?? subscription.subscriptionId,
      event: {
        type: "dunning",
        xid: `${subscription.subscriptionId}-${cause.cycle}-${cause.attempts}-${cause.kind}`,
      },
      payload: { url: subscription.notifyUrl, body },
    },
    now,
  );
}
