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
 */
import { SnsVerificationError, type SnsVerifier } from "../../amazon/sns-verify.js";
import type { Logger } from "../../log.js";
import type { Merchant } from "../../merchants/directory.js";
import type { PageOutcome, PaygatePage } from "../../paygate/routes.js";

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

export interface IpnIntakeOptions {
  readonly findMerchant: (merchantId: string) => Promise<Merchant | undefined>;
  /** The verifier for the merchant's environment (emulator merchants trust the emulator's certificate). */
  readonly verifierFor: (merchant: Merchant) => SnsVerifier;
  /** The merchant's payments the IPN's object belongs to. */
  readonly paymentsOf: (merchantId: string, ipn: IpnMessage) => Promise<readonly string[]>;
  /** Asks Amazon and records what it decided; throws when Amazon cannot be asked. */
  readonly settle: (
    merchantId: string,
    payId: string,
    context: { readonly chargeChanged: boolean },
  ) => Promise<number>;
  /**
   * A `CHARGE_PERMISSION` IPN: the recurring side re-reads the permission for its subscriptions
   * (docs/recurring.md); throws when Amazon cannot be asked.
   */
  readonly permissionChanged?: (merchantId: string, chargePermissionId: string) => Promise<void>;
  /** Keeps a verified IPN with the payments it concerns (the payment timeline, `received.ts`). */
  readonly recordReceived?: (
    merchantId: string,
    received: { readonly messageId: string; readonly ipn: IpnMessage; readonly payIds: readonly string[] },
  ) => Promise<void>;
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
    logger.info(about, "IPN about a chargeback; not handled by Kasse yet");
    return answer(200, "OK");
  }
  if (ipn.ObjectType === "CHARGE_PERMISSION" && options.permissionChanged) {
    try {
      await options.permissionChanged(merchant.merchantId, ipn.ObjectId);
    } catch (error) {
      logger.warn({ ...about, err: error }, "IPN: the permission could not be read; Amazon will retry");
      return answer(503, "try again later");
    }
  }
  const payIds = await options.paymentsOf(merchant.merchantId, ipn);
  await options.recordReceived?.(merchant.merchantId, { messageId: message.MessageId, ipn, payIds });
  if (payIds.length === 0) {
    logger.info(about, "IPN about an object no payment of this merchant has; acknowledged");
    return answer(200, "OK");
  }
  try {
    let applied = 0;
    for (const payId of payIds) {
      applied += await options.settle(merchant.merchantId, payId, {
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
