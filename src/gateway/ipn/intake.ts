/**
 * Amazon's IPN intake, `/amazonAPAV2Notify.aspx?mid=<MerchantID>&region=…` (reference
 * amazon-pay-v2.md §10, paygate-protocol.md §5.11): an SNS message in a `text/plain` body.
 *
 * 1. The merchant from `mid` (unknown → 404); the SNS envelope verified (signature v1/v2, the
 *    certificate URL on an Amazon SNS host — for emulator merchants the emulator's own
 *    `/__sns/cert.pem` is the one more URL allowed; refused → 400/403, nothing changed).
 * 2. `SubscriptionConfirmation`: confirmed by a GET of `SubscribeURL` when that is an Amazon SNS
 *    URL, otherwise only logged. `UnsubscribeConfirmation`: logged.
 * 3. `Notification`: the IPN inside must name the merchant's own Amazon merchant id (else 403).
 *    It carries no state: the payments it concerns are settled by asking Amazon (`settle`), so
 *    duplicates and messages out of order change nothing twice. An object Kasse does not know is
 *    acknowledged (200) and logged. If Amazon cannot be asked right now the answer is 503, so
 *    Amazon sends the IPN again (and the reconciliation job asks later anyway).
 * 4. `CHARGEBACK`: Amazon has no read of a chargeback for merchants, so the verified IPN itself is
 *    the notice; it is recorded on the permission's payment once (`chargeback`, docs/async.md).
 */
import { SnsVerificationError, type SnsVerifier } from "../../amazon/sns-verify.js";
import type { Logger } from "../../log.js";
import type { Merchant } from "../../merchants/directory.js";
import type { PageOutcome, PaygatePage } from "../../paygate/routes.js";
import type { PaymentRecord } from "../../payments/ports.js";

/** The IPN inside the SNS `Message` (§10). */
export interface IpnMessage {
  readonly MerchantID: string;
  readonly ObjectType: "CHARGE_PERMISSION" | "CHARGE" | "REFUND" | "CHARGEBACK";
  readonly ObjectId: string;
  readonly ChargePermissionId: string;
  readonly NotificationType: string;
  readonly NotificationId?: string;
  readonly NotificationVersion?: string;
}

/** A payment an IPN concerns, with the record `receive` read (handed back to `settle`). */
export interface IpnPayment {
  readonly payId: string;
  readonly loaded?: PaymentRecord | undefined;
}

/** What `receive` found. */
export interface ReceivedIpn {
  readonly payments: readonly IpnPayment[];
  /**
   * Set for a `CHARGE_PERMISSION` IPN about a permission with Kasse subscriptions: the IPN is not
   * kept yet, since `permissionChanged` comes first (and may fail: 503, Amazon sends it again);
   * this keeps it afterwards. Otherwise `receive` kept it already.
   */
  readonly keepAfterPermission?: (() => Promise<void>) | undefined;
}

export interface IpnIntakeOptions {
  readonly findMerchant: (merchantId: string) => Promise<Merchant | undefined>;
  /** The verifier for the merchant's environment (emulator merchants trust the emulator's certificate). */
  readonly verifierFor: (merchant: Merchant) => SnsVerifier;
  /**
   * Finds the merchant's payments the IPN's object belongs to and keeps the verified IPN with
   * them (the payment timeline, `received.ts`), at once.
   */
  readonly receive: (
    merchantId: string,
    received: { readonly messageId: string; readonly ipn: IpnMessage },
  ) => Promise<ReceivedIpn>;
  /** Asks Amazon and records what it decided; throws when Amazon cannot be asked. */
  readonly settle: (
    merchantId: string,
    payment: IpnPayment,
    context: { readonly chargeChanged: boolean },
  ) => Promise<number>;
  /**
   * A `CHARGE_PERMISSION` IPN about a permission with subscriptions (`receive` says so with
   * `keepAfterPermission`): the recurring side re-reads the permission for its subscriptions
   * (docs/recurring.md); throws when Amazon cannot be asked.
   */
  readonly permissionChanged?: (merchantId: string, chargePermissionId: string) => Promise<void>;
  /**
   * A `CHARGEBACK` IPN: records the chargeback on the payment holding the permission and queues
   * its notify (once per chargeback id); answers that payment, if the merchant has one.
   */
  readonly chargeback?: (
    merchantId: string,
    ipn: IpnMessage,
  ) => Promise<{ readonly payId: string | undefined }>;
  /** Keeps a chargeback's IPN with its payment (the payment timeline, `received.ts`). */
  readonly recordReceived?: (
    merchantId: string,
    received: { readonly messageId: string; readonly ipn: IpnMessage; readonly payIds: readonly string[] },
  ) => Promise<void>;
  /**
   * A `CHARGE_PERMISSION` IPN: records a recurring permission's close by the buyer or Amazon on
   * its payment, so the shop hears of it even when it runs the subscription itself (docs/async.md
   * "Amazon's notices"); throws when Amazon cannot be asked.
   */
  readonly permissionNotice?: (merchantId: string, chargePermissionId: string) => Promise<void>;
  /** GET of a genuine SNS `SubscribeURL`. */
  readonly confirmSubscription: (url: string) => Promise<void>;
  readonly logger: Logger;
}

const OBJECT_TYPES = new Set(["CHARGE_PERMISSION", "CHARGE", "REFUND", "CHARGEBACK"]);
/** Amazon's SNS hosts (§10 step 1): the only SubscribeURLs Kasse will call. */
const SNS_HOST = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;
/** Amazon ids are short printable tokens; anything else in an IPN is refused before any lookup. */
const AMAZON_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function answer(status: number, body: string): PageOutcome {
  return { kind: "answer", status, body };
}

export function ipnIntakePage(options: IpnIntakeOptions): PaygatePage {
  return {
    name: "amazonAPAV2Notify.aspx",
    rawBody: true,
    handle: (fields, body) => receiveIpn(options, fields.get("mid") ?? undefined, body ?? ""),
  };
}

export async function receiveIpn(
  options: IpnIntakeOptions,
  mid: string | undefined,
  body: string,
): Promise<PageOutcome> {
  const { logger } = options;
  const refuse = (status: number, reason: string, detail: Record<string, unknown> = {}) => {
    logger.warn({ mid, reason, ...detail }, "IPN refused");
    return answer(status, reason);
  };
  if (mid === undefined || mid === "") return refuse(400, "mid missing");
  const merchant = await options.findMerchant(mid);
  if (merchant === undefined) return refuse(404, "unknown merchant");

  let message: Awaited<ReturnType<SnsVerifier>>;
  try {
    message = await options.verifierFor(merchant)(body);
  } catch (error) {
    if (!(error instanceof SnsVerificationError)) throw error;
    if (error.reason === "certificate-unavailable") {
      // Possibly genuine: ask SNS to send it again rather than dropping it.
      logger.warn({ mid, err: error.message }, "IPN signing certificate unavailable; Amazon will retry");
      return answer(503, "certificate unavailable");
    }
    const forged = error.reason === "bad-signature" || error.reason === "untrusted-certificate-url";
    return refuse(forged ? 403 : 400, error.reason, { detail: error.message });
  }

  if (message.Type === "SubscriptionConfirmation") return confirm(options, mid, message.SubscribeURL);
  if (message.Type === "UnsubscribeConfirmation") {
    logger.info({ mid, topicArn: message.TopicArn }, "SNS unsubscribe confirmation received");
    return answer(200, "OK");
  }

  const ipn = readIpn(message.Message);
  if (ipn === undefined) return refuse(400, "malformed IPN message", { messageId: message.MessageId });
  const about = {
    mid,
    messageId: message.MessageId,
    objectType: ipn.ObjectType,
    objectId: ipn.ObjectId,
    notificationType: ipn.NotificationType,
  };
  if (ipn.MerchantID !== merchant.amazon.merchantId) {
    return refuse(403, "IPN for another Amazon merchant", { ...about, ipnMerchantId: ipn.MerchantID });
  }
  if (ipn.ObjectType === "CHARGEBACK") {
    const noted = options.chargeback
      ? await options.chargeback(merchant.merchantId, ipn)
      : { payId: undefined };
    const payIds = noted.payId === undefined ? [] : [noted.payId];
    await options.recordReceived?.(merchant.merchantId, { messageId: message.MessageId, ipn, payIds });
    logger.info(
      { ...about, payIds },
      payIds.length > 0 ? "IPN: chargeback recorded" : "IPN: chargeback on no payment of this merchant",
    );
    return answer(200, "OK");
  }
  if (ipn.ObjectType === "CHARGE_PERMISSION" && options.permissionNotice) {
    try {
      await options.permissionNotice(merchant.merchantId, ipn.ObjectId);
    } catch (error) {
      logger.warn({ ...about, err: error }, "IPN: the permission could not be read; Amazon will retry");
      return answer(503, "try again later");
    }
  }
  const received = await options.receive(merchant.merchantId, { messageId: message.MessageId, ipn });
  if (received.keepAfterPermission !== undefined) {
    if (ipn.ObjectType === "CHARGE_PERMISSION" && options.permissionChanged) {
      try {
        await options.permissionChanged(merchant.merchantId, ipn.ObjectId);
      } catch (error) {
        logger.warn({ ...about, err: error }, "IPN: the permission could not be read; Amazon will retry");
        return answer(503, "try again later");
      }
    }
    await received.keepAfterPermission();
  }
  const { payments } = received;
  const payIds = payments.map((payment) => payment.payId);
  if (payments.length === 0) {
    logger.info(about, "IPN about an object no payment of this merchant has; acknowledged");
    return answer(200, "OK");
  }
  try {
    let applied = 0;
    for (const payment of payments) {
      applied += await options.settle(merchant.merchantId, payment, {
        chargeChanged: ipn.ObjectType === "CHARGE",
      });
    }
    logger.info({ ...about, payIds, applied }, applied > 0 ? "IPN settled payments" : "IPN changed nothing");
    return answer(200, "OK");
  } catch (error) {
    logger.warn({ ...about, err: error }, "IPN: Amazon could not be asked; Amazon will retry");
    return answer(503, "try again later");
  }
}

async function confirm(options: IpnIntakeOptions, mid: string, subscribeUrl: string): Promise<PageOutcome> {
  let url: URL | undefined;
  try {
    url = new URL(subscribeUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== "https:" || url.port !== "" || !SNS_HOST.test(url.hostname)) {
    options.logger.warn({ mid, subscribeUrl }, "SNS subscription confirmation not confirmed: not an SNS URL");
    return answer(200, "OK");
  }
  try {
    await options.confirmSubscription(url.href);
    options.logger.info({ mid, host: url.host }, "SNS subscription confirmed");
    return answer(200, "OK");
  } catch (error) {
    options.logger.warn({ mid, err: error }, "SNS subscription confirmation failed; SNS will resend it");
    return answer(503, "try again later");
  }
}

/** The IPN fields, all strings, ids shaped like Amazon's; `undefined` when anything is off. */
export function readIpn(text: string): IpnMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const ipn = value as Record<string, unknown>;
  for (const key of ["MerchantID", "ObjectType", "ObjectId", "ChargePermissionId", "NotificationType"]) {
    if (typeof ipn[key] !== "string") return undefined;
  }
  if (!OBJECT_TYPES.has(ipn.ObjectType as string)) return undefined;
  for (const key of ["MerchantID", "ObjectId", "ChargePermissionId"]) {
    if (!AMAZON_ID.test(ipn[key] as string)) return undefined;
  }
  return value as IpnMessage;
}
