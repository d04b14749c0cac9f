/**
 * The recurring side of the gateway beyond Paygate: the merchant's close of a permission, the
 * subscriptions Kasse runs on recurring permissions (per merchant, optional: a merchant that
 * creates none has none), and their due-charge worker. The admin routes call this; `setUpPaygate`
 * creates it over the payment steps' ports and starts and stops the worker.
 */
import type { Clock } from "../../core/clock.js";
import { type FrequencyUnit, fitsInstallment } from "../../core/recurring.js";
import type { Logger } from "../../log.js";
import { paygateCode } from "../../paygate/codes.js";
import { shopOf } from "../../paygate/pages/shop.js";
import { closePermission, type PermissionResult, readPermission } from "../../payments/recurring-close.js";
import type { SubscriptionDeps } from "./deps.js";
import { queueDunning } from "./dunning.js";
import { SubscriptionRunner } from "./runner.js";
import {
  cancelSubscriptionsOfPermission,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  pauseSubscription,
  type Subscription,
  setSubscriptionStatus,
  subscriptionsOfPermission,
} from "./store.js";

/** Pauses the buyer can end by fixing the payment method (amazon-pay-v2.md §4.4, §12). */
const RESUMABLE_REASONS: ReadonlySet<string> = new Set(["HardDeclined", "InvalidChargePermissionStatus"]);

export interface SubscriptionRequest {
  readonly chargePermissionId: string;
  readonly amount: number;
  /** Default: the currency of the checkout that created the permission. */
  readonly currency: string | undefined;
  /** Default: that checkout's marketplace. */
  readonly countryCode: string | undefined;
  readonly txType: "Authorize" | "AuthorizeWithCapture";
  readonly interval: { readonly unit: Exclude<FrequencyUnit, "Variable">; readonly value: number };
  readonly firstDueAt: number;
  readonly retryDelaysMs: readonly number[];
  /** Default: that checkout's URLNotify. */
  readonly notifyUrl: string | undefined;
  readonly simulationCode: string | undefined;
}

export type Created =
  | {
      readonly ok: true;
      readonly subscription: Subscription;
      readonly permissionExpiresAt: string | undefined;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly error: string;
      readonly message: string;
      readonly field?: string;
    };

export interface RecurringSide {
  closePermission(
    merchantId: string,
    chargePermissionId: string,
    options: { readonly reason?: string | undefined; readonly cancelPendingCharges?: boolean | undefined },
  ): Promise<
    | (PermissionResult & { readonly ok: false })
    | ((PermissionResult & { readonly ok: true }) & { readonly canceledSubscriptions: number })
  >;
  createSubscription(merchantId: string, request: SubscriptionRequest): Promise<Created>;
  listSubscriptions(merchantId: string): Promise<Subscription[]>;
  findSubscription(merchantId: string, subscriptionId: string): Promise<Subscription | undefined>;
  setStatus(
    merchantId: string,
    subscriptionId: string,
    status: "active" | "canceled",
  ): Promise<Subscription | undefined>;
  /**
   * Amazon announced a change of the permission (IPN `CHARGE_PERMISSION`, amazon-pay-v2.md §12):
   * closed → its active subscriptions pause with a dunning notification; chargeable again (the
   * buyer updated the payment method) → subscriptions paused for that reason resume.
   */
  permissionChanged(merchantId: string, chargePermissionId: string): Promise<void>;
  readonly runner: SubscriptionRunner;
}

export interface RecurringSideOptions {
  /** The subscriptions' schedule clock; the gateway's clock unless a test drives due dates. */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pollIntervalMs?: number;
}

export function createRecurringSide(deps: SubscriptionDeps, options: RecurringSideOptions): RecurringSide {
  const { clock } = options;
  const runner = new SubscriptionRunner({
    deps,
    clock,
    logger: options.logger,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  return {
    runner,
    async closePermission(merchantId, chargePermissionId, closeOptions) {
      const closed = await closePermission(deps.payments, merchantId, chargePermissionId, closeOptions);
      if (!closed.ok) return closed;
      const canceledSubscriptions = await cancelSubscriptionsOfPermission(
        deps.db,
        merchantId,
        chargePermissionId,
        clock.now(),
      );
      return { ...closed, canceledSubscriptions };
    },
    async createSubscription(merchantId, request) {
      const merchant = await deps.findMerchant(merchantId);
      if (merchant === undefined) {
        return {
          ok: false,
          status: 404,
          error: "not_found",
          message: `no merchant ${merchantId}`,
          field: "merchantId",
        };
      }
      const owner = await deps.payments.store.findPermissionOwner(merchantId, request.chargePermissionId);
      if (owner === undefined) {
        return {
          ok: false,
          status: 404,
          error: "unknown_charge_permission",
          message: "no such charge permission for this merchant",
          field: "chargePermissionId",
        };
      }
      const currency = request.currency ?? owner.payment.currency;
      if (currency !== owner.payment.currency) {
        return {
          ok: false,
          status: 400,
          error: "invalid_request",
          message: `the permission was agreed in ${owner.payment.currency}`,
          field: "currency",
        };
      }
      // A series with a fixed InstallmentAmount (seed 004) is charged exactly that; RTF=R would
      // refuse every due charge of another amount (2A200210), so the schedule is refused now.
      if (!fitsInstallment(owner.context.installmentAmount, request.amount)) {
        return {
          ok: false,
          status: 400,
          error: "invalid_request",
          message: `the series was agreed at a fixed InstallmentAmount of ${owner.context.installmentAmount}`,
          field: "amount",
        };
      }
      if (request.simulationCode !== undefined && merchant.environment === "live") {
        return {
          ok: false,
          status: 400,
          error: "invalid_request",
          message: "simulation codes are for sandbox and emulator merchants",
          field: "simulationCode",
        };
      }
      // Amazon's view decides whether the permission can carry a schedule at all.
      const read = await readPermission(deps.payments, merchantId, request.chargePermissionId);
      if (!read.ok) return { ok: false, status: 502, error: read.error, message: read.message };
      if (read.permission.chargePermissionType !== "Recurring" || read.permission.state === "Closed") {
        return {
          ok: false,
          status: 409,
          error: "permission_not_usable",
          message: `the permission is ${read.permission.chargePermissionType}, ${read.permission.state}`,
          field: "chargePermissionId",
        };
      }
      const subscription = await insertSubscription(
        deps.db,
        {
          merchantId,
          subscriptionId: deps.payments.newId(),
          chargePermissionId: request.chargePermissionId,
          amount: request.amount,
          currency,
          countryCode: request.countryCode ?? owner.context.countryCode,
          txType: request.txType,
          interval: request.interval,
          firstDueAt: request.firstDueAt,
          retryDelaysMs: request.retryDelaysMs,
          notifyUrl: request.notifyUrl ?? shopOf(owner.context.shop).urlNotify,
          simulationCode: request.simulationCode,
        },
        clock.now(),
      );
      return { ok: true, subscription, permissionExpiresAt: read.permission.expiresAt };
    },
    listSubscriptions: (merchantId) => listSubscriptions(deps.db, merchantId),
    findSubscription: (merchantId, subscriptionId) => findSubscription(deps.db, merchantId, subscriptionId),
    setStatus: (merchantId, subscriptionId, status) =>
      setSubscriptionStatus(deps.db, merchantId, subscriptionId, status, clock.now()),
    async permissionChanged(merchantId, chargePermissionId) {
      const subscriptions = await subscriptionsOfPermission(deps.db, merchantId, chargePermissionId);
      if (subscriptions.length === 0) return;
      const read = await readPermission(deps.payments, merchantId, chargePermissionId);
      if (!read.ok) throw new Error(`charge permission ${chargePermissionId}: ${read.message}`);
      const { state, reasons } = read.permission;
      const merchant = await deps.findMerchant(merchantId);
      if (state === "Closed" && merchant !== undefined) {
        const reason = reasons[0] ?? "Closed";
        let queued = false;
        for (const subscription of subscriptions.filter((s) => s.status === "active")) {
          await deps.db.transaction(async (tx) => {
            if (!(await pauseSubscription(tx, subscription, reason, clock.now()))) return;
            const cause = {
              payId: undefined,
              transId: `SUB-${subscription.subscriptionId}-${subscription.cycle}`,
              code: paygateCode("RECURRING_NOT_ALLOWED"),
              reasonCode: reason,
              errorText: `${reason}: the charge permission was closed`,
              cycle: subscription.cycle,
              attempts: subscription.attempt,
              kind: "permission" as const,
            };
            if (await queueDunning(tx, merchant, subscription, cause, deps.payments.clock.now()))
              queued = true;
          });
        }
        if (queued) deps.wake();
        options.logger.info(
          { merchantId, chargePermissionId, reason },
          "charge permission closed; subscriptions paused",
        );
      }
      if (state === "Chargeable") {
        for (const subscription of subscriptions) {
          if (subscription.status !== "paused" || !RESUMABLE_REASONS.has(subscription.pausedReason ?? ""))
            continue;
          await setSubscriptionStatus(
            deps.db,
            merchantId,
            subscription.subscriptionId,
            "active",
            clock.now(),
          );
          options.logger.info(
            { merchantId, subscriptionId: subscription.subscriptionId },
            "charge permission chargeable again; subscription resumed",
          );
        }
      }
    },
  };
}
