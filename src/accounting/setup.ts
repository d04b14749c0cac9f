/**
 * Wires accounting into a running gateway: the merchant's Amazon side from the gateway's
 * directory and client cache, the document downloader (trusting the built-in emulator's
 * certificate), the admin routes' options and the scheduled import job.
 */
import type { Clock } from "../core/clock.js";
import { AmazonLinkError, type AmazonLinks, type EmulatorEndpoint } from "../gateway/amazon-link.js";
import type { MerchantDirectory } from "../gateway/merchant-directory.js";
import type { Logger } from "../log.js";
import type { Database } from "../store/database.js";
import { Accounting } from "./accounting.js";
import type { AccountingAdminOptions } from "./admin-routes.js";
import { SettlementImportJob } from "./import-job.js";
import { createDownloader, SANDBOX_SETTLEMENT_REPORT, SETTLEMENT_REPORT } from "./report-download.js";
import type { AccountingMerchant } from "./settlement-import.js";

export interface AccountingSetupOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly merchants: MerchantDirectory;
  readonly links: AmazonLinks;
  readonly emulator?: EmulatorEndpoint;
  readonly importIntervalMs?: number;
  readonly pollIntervalMs?: number;
}

export interface AccountingSetup {
  readonly accounting: Accounting;
  readonly adminRoutes: AccountingAdminOptions;
  readonly job: SettlementImportJob;
  close(): Promise<void>;
}

export function setUpAccounting(options: AccountingSetupOptions): AccountingSetup {
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
      if (error instanceof AmazonLinkError) return undefined;
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
