/**
 * What the JSON API needs from the gateway process, as ports: the composition root
 * (`src/gateway/api-ports.ts`) implements them over the store, the merchant directory, the
 * recurring side and the secret box. The door itself imports nothing of `src/gateway`.
 */
import type { Download, Period } from "../accounting/downloads.js";
import type { Chart, ImportResult, Preview, Reconciliation, RuleSet } from "../accounting/index.js";
import type { Payment } from "../core/payment.js";

/** A payment as stored, with its times (epoch ms). */
export interface StoredPaymentView {
  readonly payment: Payment;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A merchant without its secrets. */
export interface MerchantView {
  readonly merchantId: string;
  readonly name: string;
  readonly active: boolean;
  readonly amazon: {
    readonly environment: string;
    readonly region: string;
    readonly merchantId: string;
    readonly storeId: string;
    readonly publicKeyId: string;
  };
  readonly createdAt: string;
}

/** A subscription as the admin API renders it (times ISO, money in minor units). */
export type SubscriptionView = { readonly subscriptionId: string; readonly status: string } & Readonly<
  Record<string, unknown>
>;

/** Kasse's subscriptions (docs/recurring.md); `undefined` results: no such subscription, or not in a state to change. */
export interface SubscriptionPort {
  list(merchantId: string): Promise<SubscriptionView[]>;
  find(merchantId: string, subscriptionId: string): Promise<SubscriptionView | undefined>;
  setStatus(
    merchantId: string,
    subscriptionId: string,
    status: "active" | "paused" | "canceled",
  ): Promise<SubscriptionView | undefined>;
}

import type { SecretSealer } from "../merchants/ports.js";

/** Seals and opens a secret bound to a label (the gateway's master key): the merchants module's port. */
export type { SecretSealer };

/**
 * Accounting (docs/accounting.md) as the API calls it: the same application functions the admin
 * routes and the back office call. Accounting's refusals are thrown as they come (the door maps
 * them with `refusalOf`).
 */
export interface AccountingPort {
  importSettlements(merchantId: string): Promise<ImportResult>;
  settlements(merchantId: string, limit: number, before?: number): Promise<Reconciliation[]>;
  rules(merchantId: string, chart: Chart): Promise<{ version: number; rules: RuleSet }>;
  saveRules(merchantId: string, chart: Chart, input: unknown): Promise<{ version: number; rules: RuleSet }>;
  /** `undefined`: no such imported settlement. */
  preview(merchantId: string, body: unknown): Promise<Preview | undefined>;
  datevDownload(merchantId: string, period: Period, part: number): Promise<Download>;
  bookingsCsvDownload(merchantId: string, period: Period): Download;
}

export interface ApiGateway {
  /** Constant-time check of an `Authorization` header against the admin token. */
  isAdminToken(authorization: string | undefined): boolean;
  loadPayment(merchantId: string, payId: string): Promise<StoredPaymentView | undefined>;
  readonly merchants: {
    list(): Promise<readonly MerchantView[]>;
    summary(merchantId: string): Promise<MerchantView | undefined>;
  };
  /** Bound late: the recurring side is set up with the Paygate side. */
  subscriptions(): SubscriptionPort | undefined;
  readonly secrets: SecretSealer;
  /** `undefined` where the gateway runs without accounting (tests of other parts). */
  readonly accounting?: AccountingPort;
  /** Tells the URLNotify worker a notification became due. */
  wakeNotifications(): void;
}
