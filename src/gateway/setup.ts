/**
 * The composition of the gateway process: the payment steps over the store, the merchants'
 * Amazon links and the doors' notifiers (Paygate's URLNotify, the JSON API's webhooks); the
 * Paygate pages on the app, Amazon's IPN intake, the notify worker, the reconciliation job
 * (docs/async.md) and Kasse's subscriptions. `startGateway` calls {@link setUpPaygate} once,
 * starts the background side once it listens and stops it on close.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { SIGNATURE_ALGORITHMS, stringToSign } from "../amazon/canonical.js";
import { signText } from "../amazon/signer.js";
import { createCertificateFetcher, createTargetDispatchers } from "../amazon/sns-http.js";
import { createSnsVerifier } from "../amazon/sns-verify.js";
import type { Clock } from "../core/clock.js";
import { amazonCheckoutScript } from "../http/content-security.js";
import type { Logger } from "../log.js";
import type { MerchantDirectory } from "../merchants/directory.js";
import { NotifyWorker, type OutboxChannel } from "../notify/worker.js";
import { amazonApaPage } from "../paygate/pages/amazon-apa.js";
import { amazonReturnPages } from "../paygate/pages/buyer-return.js";
import { capturePage } from "../paygate/pages/capture.js";
import { creditPage } from "../paygate/pages/credit.js";
import { type FindButtonAccount, HOSTED_PAGE_ASSETS } from "../paygate/pages/hosted-page.js";
import { inquirePages } from "../paygate/pages/inquire.js";
import { paygateNotifier } from "../paygate/pages/notify-answer.js";
import { reversePage } from "../paygate/pages/reverse.js";
import { registerPaygateRoutes } from "../paygate/routes.js";
import { createPayments, type Payments } from "../payments/index.js";
import { recordChargeback, recordPermissionClosed } from "../payments/notices.js";
import { type AmazonLink, type DoorNotifier, notifyDoors, type PaymentDeps } from "../payments/ports.js";
import { SettleJob } from "../payments/settle-job.js";
import type { Database } from "../store/database.js";
import type { AmazonLinks, EmulatorEndpoint } from "./amazon-link.js";
import { ipnIntakePage } from "./ipn/intake.js";
import { keepIpnReceived, receiveIpnPayments } from "./ipn/received.js";
import { gatewayPaymentStore, recordOf } from "./store/payment-store.js";
import { findPaymentsByTransId } from "./store/payments.js";
import { createRecurringSide, type RecurringSide } from "./subscriptions/side.js";

export interface PaygateSetupOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly merchants: MerchantDirectory;
  readonly links: AmazonLinks;
  /** The gateway's own origin as buyers reach it (`https://host:port`), for Amazon's return URLs. */
  readonly publicUrl: () => string;
  readonly notifyRetryScheduleMs?: readonly number[];
  readonly notifyPollIntervalMs?: number;
  /** Timeout of one URLNotify POST (connect, headers, body each). */
  readonly notifyTimeoutMs?: number;
  /** Delays between Amazon checks of a pending outcome no IPN settled. */
  readonly reconcileScheduleMs?: readonly number[];
  readonly reconcilePollIntervalMs?: number;
  /** The clock of the reconciliation schedule (tests drive the backoff); default `clock`. */
  readonly reconcileClock?: Clock;
  /** Delays between the job's tries of a call Amazon does not answer. */
  readonly cutCallBackoffMs?: readonly number[];
  /** Randomness of the backoff's jitter; default `Math.random`. */
  readonly backoffRandom?: () => number;
  /** The built-in emulator: its `/__sns/cert.pem` is trusted for emulator merchants' IPNs. */
  readonly emulator?: EmulatorEndpoint;
  /** PayID/XID source; default 16 random bytes as hex (a UUID v4's entropy, reference §4). */
  readonly newId?: () => string;
  /** The clock of Kasse's subscription schedules (tests drive due dates); default `clock`. */
  readonly subscriptionClock?: Clock;
  /**
   * The other doors that hear the payment steps' events beside Paygate's URLNotify, with their
   * outboxes for the notify worker (the JSON API's webhooks).
   */
  readonly doors?: readonly { readonly notifier: DoorNotifier; readonly channel: OutboxChannel }[];
}

/** How old a signed IPN of Amazon may be; Timestamps more than 5 minutes ahead are refused too. */
export const IPN_MAX_AGE_MS = 24 * 3_600_000;

/** Buttons are signed with AMZN-PAY-RSASSA-PSS: Paygate shops pass no algorithm (§5.0). */
const BUTTON_ALGORITHM = SIGNATURE_ALGORITHMS["AMZN-PAY-RSASSA-PSS"];

/** The gateway's background side: URLNotify and webhook delivery, the reconciliation of pending outcomes. */
export interface AsyncSide {
  /** The payment steps, for the doors beyond Paygate (the JSON API's actions). */
  readonly payments: Payments;
  readonly notifications: NotifyWorker;
  /** Merchant closes and Kasse's subscriptions with their due-charge worker. */
  readonly recurring: RecurringSide;
  start(): void;
  stop(): Promise<void>;
}

export function setUpPaygate(app: FastifyInstance, options: PaygateSetupOptions): AsyncSide {
  let worker: NotifyWorker | undefined;
  const findMerchant = (merchantId: string) => options.merchants.find(merchantId);
  const deps: PaymentDeps = {
    store: gatewayPaymentStore(options.db, options.clock),
    // Every door hears every event: Paygate renders URLNotify, the others their own messages.
    notifier: notifyDoors(
      [paygateNotifier(findMerchant), ...(options.doors ?? []).map((door) => door.notifier)],
      () => worker?.wake(),
    ),
    amazonFor: async (merchantId): Promise<AmazonLink | undefined> => {
      const merchant = await options.merchants.find(merchantId);
      if (merchant === undefined) return undefined;
      const amazon = options.links.forMerchant(merchant);
      return {
        client: amazon.client,
        region: merchant.amazon.region,
        amazonMerchantId: amazon.amazonMerchantId,
        storeId: amazon.storeId,
        publicKeyId: amazon.publicKeyId,
        live: merchant.amazon.environment === "live",
        canHandlePendingAuthorization: merchant.settings.canHandlePendingAuthorization === true,
        requireFirstNotifyAnswered: merchant.settings.requireFirstNotifyAnswered === true,
        signButtonPayload: (json) =>
          signText(amazon.privateKey, BUTTON_ALGORITHM, stringToSign(BUTTON_ALGORITHM.name, json)),
      };
    },
    newId: options.newId ?? (() => randomBytes(16).toString("hex")),
    clock: options.clock,
    logger: options.logger,
  };
  const payments = createPayments(deps);
  const pageDeps = { findMerchant, payments };
  const notifications = new NotifyWorker({
    db: options.db,
    clock: options.clock,
    logger: options.logger,
    channels: (options.doors ?? []).map((door) => door.channel),
    ...(options.notifyRetryScheduleMs ? { retryScheduleMs: options.notifyRetryScheduleMs } : {}),
    ...(options.notifyPollIntervalMs ? { pollIntervalMs: options.notifyPollIntervalMs } : {}),
    ...(options.notifyTimeoutMs ? { timeoutMs: options.notifyTimeoutMs } : {}),
  });
  worker = notifications;
  const settleJob = new SettleJob(deps, {
    logger: options.logger,
    ...(options.reconcileScheduleMs ? { scheduleMs: options.reconcileScheduleMs } : {}),
    ...(options.reconcilePollIntervalMs ? { pollIntervalMs: options.reconcilePollIntervalMs } : {}),
    ...(options.reconcileClock ? { clock: options.reconcileClock } : {}),
    ...(options.cutCallBackoffMs ? { cutCallBackoffMs: options.cutCallBackoffMs } : {}),
    ...(options.backoffRandom ? { random: options.backoffRandom } : {}),
  });
  const recurring = createRecurringSide(
    { payments: deps, db: options.db, findMerchant, wake: () => worker?.wake() },
    {
      clock: options.subscriptionClock ?? options.clock,
      logger: options.logger,
    },
  );
  const snsHttp = createTargetDispatchers({ timeoutMs: 10_000 });
  const fetchCertificate = createCertificateFetcher(snsHttp);
  // Amazon's IPNs older than a day are refused (docs/async.md): the reconciliation job has asked
  // Amazon by then. The emulator's IPNs carry its movable clock, so they get no window.
  const amazonVerifier = createSnsVerifier({
    fetchCertificate,
    clock: options.clock,
    maxAgeMs: IPN_MAX_AGE_MS,
  });
  const emulatorVerifier = options.emulator
    ? createSnsVerifier({ fetchCertificate, extraCertificateUrl: `${options.emulator.url}/__sns/cert.pem` })
    : amazonVerifier;
  const ipnPage = ipnIntakePage({
    findMerchant: (merchantId) => options.merchants.find(merchantId),
    verifierFor: (merchant) =>
      merchant.amazon.environment === "emulator" ? emulatorVerifier : amazonVerifier,
    receive: async (merchantId, received) => {
      const found = await receiveIpnPayments(options.db, merchantId, received, options.clock.now());
      if (!found.waitsForPermission) {
        return {
          payments: found.payments.map((stored) => ({
            payId: stored.payment.payId,
            loaded: recordOf(stored),
          })),
        };
      }
      // The permission's subscriptions change first; the payments are read again after that.
      const payIds = found.payments.map((stored) => stored.payment.payId);
      return {
        payments: payIds.map((payId) => ({ payId })),
        keepAfterPermission: () =>
          keepIpnReceived(options.db, merchantId, received, payIds, options.clock.now()),
      };
    },
    settle: (merchantId, { payId, loaded }, context) => settleJob.settle(merchantId, payId, context, loaded),
    permissionChanged: (merchantId, chargePermissionId) =>
      recurring.permissionChanged(merchantId, chargePermissionId),
    // The shop hears of a closed recurring permission in any case (docs/async.md "Amazon's notices").
    permissionNotice: async (merchantId, chargePermissionId) => {
      await recordPermissionClosed(deps, merchantId, chargePermissionId);
    },
    chargeback: (merchantId, ipn) =>
      recordChargeback(deps, merchantId, {
        chargebackId: ipn.ObjectId,
        chargePermissionId: ipn.ChargePermissionId,
      }),
    recordReceived: (merchantId, { payIds, ...received }) =>
      keepIpnReceived(options.db, merchantId, received, payIds, options.clock.now()),
    confirmSubscription: async (url) => {
      const target = new URL(url);
      const response = await request(target, { dispatcher: snsHttp.forUrl(target) });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`SubscribeURL answered ${response.statusCode}`);
    },
    logger: options.logger,
  });
  // The hosted payment page's button: the merchant's Amazon account and where checkout.js comes
  // from (Amazon's region origin; the emulator's stand-in for emulator merchants).
  const buttonAccount: FindButtonAccount = async (merchantId) => {
    const merchant = await options.merchants.find(merchantId);
    if (merchant === undefined) return undefined;
    const environment = merchant.amazon.environment;
    if (environment === "emulator" && options.emulator === undefined) return undefined;
    const amazon = options.links.forMerchant(merchant);
    return {
      amazonMerchantId: amazon.amazonMerchantId,
      sandbox: environment !== "live",
      ...(environment === "emulator" && options.emulator
        ? { checkoutScript: `${options.emulator.url}/checkout.js`, emulatorOrigin: options.emulator.url }
        : { checkoutScript: amazonCheckoutScript(merchant.amazon.region) }),
    };
  };
  registerPaygateRoutes(
    app,
    [
      amazonApaPage(pageDeps, options.publicUrl, buttonAccount),
      ...amazonReturnPages(pageDeps),
      capturePage(pageDeps),
      creditPage(pageDeps),
      reversePage(pageDeps),
      ...inquirePages(pageDeps, async (merchantId, transId) =>
        (await findPaymentsByTransId(options.db, merchantId, transId)).map((stored) => stored.payment.payId),
      ),
      ipnPage,
    ],
    HOSTED_PAGE_ASSETS,
  );
  return {
    payments,
    notifications,
    recurring,
    start() {
      notifications.start();
      settleJob.start();
      recurring.runner.start();
    },
    async stop() {
      await recurring.runner.stop();
      await settleJob.stop();
      await notifications.stop();
      await snsHttp.close();
    },
  };
}
