/**
 * Wires accounting into a running gateway: the merchant's Amazon side from the gateway's
 * directory and client cache (given as ports, so accounting imports nothing of the composition
 * root), the document downloader (trusting the built-in emulator's certificate), the admin
 * routes' options and the scheduled import job.
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import { Accounting } from "./accounting.js";
import type { AccountingAdminOptions } from "./admin-routes.js";
import { SettlementImportJob } from "./import-job.js";
import {
  createDownloader,
  type ReportsClient,
  SANDBOX_SETTLEMENT_REPORT,
  SETTLEMENT_REPORT,
} from "./report-download.js";
import type { AccountingMerchant } from "./settlement-import.js";

/** What accounting reads of a merchant (the gateway's `Merchant` has it). */
export interface LinkedMerchant {
  readonly amazon: { readonly merchantId: string; readonly environment: string };
  readonly settings: { readonly ledgerCurrency?: string };
}

/** The gateway's merchant directory, as far as accounting uses it. */
export interface MerchantPort<M extends LinkedMerchant> {
  find(merchantId: string): Promise<M | undefined>;
  summary(merchantId: string): Promise<{ readonly createdAt: string } | undefined>;
  exists(merchantId: string): Promise<boolean>;
}

/** The gateway's Amazon clients; throws `AmazonLinkError` for a merchant it cannot serve. */
export interface LinkPort<M> {
  forMerchant(merchant: M): { readonly client: ReportsClient };
}

export interface AccountingSetupOptions<M extends LinkedMerchant> {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly merchants: MerchantPort<M>;
  readonly links: LinkPort<M>;
  /** The built-in emulator, whose certificate the document links present. */
  readonly emulator?: { readonly ca: string };
  readonly importIntervalMs?: number;
  readonly pollIntervalMs?: number;
}

export interface AccountingSetup {
  readonly accounting: Accounting;
  readonly adminRoutes: AccountingAdminOptions;
  readonly job: SettlementImportJob;
  close(): Promise<void>;
}

export function setUpAccounting<M extends LinkedMerchant>(
  options: AccountingSetupOptions<M>,
): AccountingSetup {
  const downloader = createDownloader(options.emulator?.ca);
  const merchant = async (merchantId: string): Promise<AccountingMerchant | undefined> => {
    const found = await options.merchants.find(merchantId);
    const summary = await options.merchants.summary(merchantId);
    if (!found || !summary) return undefined;
    let reports: AccountingMerchant["reports"];
    try {
      reports = options.links.forMerchant(found).client;
    } catch (error) {
      // An emulator merchant on a gateway without its emulator: no Reporting API to ask.
      if ((error as Error).name === "AmazonLinkError") return undefined;
      throw error;
    }
    return {
      merchantId,
      amazonMerchantId: found.amazon.merchantId,
      // The emulator plays Amazon's sandbox, which produces sandbox settlement reports.
      reportType: found.amazon.environment === "live" ? SETTLEMENT_REPORT : SANDBOX_SETTLEMENT_REPORT,
      ledgerCurrency: found.settings.ledgerCurrency ?? "EUR",
      createdAt: Date.parse(summary.createdAt),
      reports,
    };
  };
  const logger = options.logger.child({ part: "accounting" });
  const accounting = new Accounting({ db: options.db, clock: options.clock, logger, merchant, downloader });
  const job = new SettlementImportJob({
    db: options.db,
    accounting,
    clock: options.clock,
    logger,
    ...(options.importIntervalMs === undefined ? {} : { intervalMs: options.importIntervalMs }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  return {
    accounting,
    adminRoutes: { accounting, merchantExists: (merchantId) => options.merchants.exists(merchantId) },
    job,
    async close() {
      await job.stop();
      await downloader.close();
    },
  };
}
