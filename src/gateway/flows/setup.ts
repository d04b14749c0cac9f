/**
 * Assembles the Paygate side of the gateway: flows over the store and the merchants' Amazon
 * links, the pages on the app, and the URLNotify worker (with the refund poll). `startGateway`
 * calls {@link setUpPaygate} once and stops the worker on close.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { SIGNATURE_ALGORITHMS, stringToSign } from "../../amazon/canonical.js";
import { signText } from "../../amazon/signer.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../log.js";
import { NotifyWorker } from "../../notify/worker.js";
import { amazonApaPage, amazonReturnPages } from "../../paygate/pages/amazon-apa.js";
import { capturePage } from "../../paygate/pages/capture.js";
import { creditPage } from "../../paygate/pages/credit.js";
import { inquirePage } from "../../paygate/pages/inquire.js";
import { reversePage } from "../../paygate/pages/reverse.js";
import { registerPaygateRoutes } from "../../paygate/routes.js";
import type { Database } from "../../store/database.js";
import type { AmazonLinks } from "../amazon-link.js";
import type { MerchantDirectory } from "../merchant-directory.js";
import { settlePendingActions } from "./actions.js";
import { createFlows } from "./index.js";
import { gatewayPaymentStore } from "./payment-store.js";
import type { AmazonLink, FlowDeps } from "./ports.js";

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
  /** PayID/XID source; default 16 random bytes as hex (a UUID v4's entropy, reference §4). */
  readonly newId?: () => string;
}

/** Buttons are signed with AMZN-PAY-RSASSA-PSS: Paygate shops pass no algorithm (§5.0). */
const BUTTON_ALGORITHM = SIGNATURE_ALGORITHMS["AMZN-PAY-RSASSA-PSS"];

export function setUpPaygate(app: FastifyInstance, options: PaygateSetupOptions): NotifyWorker {
  let worker: NotifyWorker | undefined;
  const findMerchant = (merchantId: string) => options.merchants.find(merchantId);
  const deps: FlowDeps = {
    db: options.db,
    store: gatewayPaymentStore(options.db, options.clock),
    findMerchant,
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
        signButtonPayload: (json) =>
          signText(amazon.privateKey, BUTTON_ALGORITHM, stringToSign(BUTTON_ALGORITHM.name, json)),
      };
    },
    newId: options.newId ?? (() => randomBytes(16).toString("hex")),
    clock: options.clock,
    notified: () => worker?.wake(),
  };
  const flows = createFlows(deps);
  const pageDeps = { findMerchant, flows };
  registerPaygateRoutes(app, [
    amazonApaPage(pageDeps, options.publicUrl),
    ...amazonReturnPages(pageDeps),
    capturePage(pageDeps),
    creditPage(pageDeps),
    reversePage(pageDeps),
    inquirePage(pageDeps),
  ]);
  worker = new NotifyWorker({
    db: options.db,
    clock: options.clock,
    logger: options.logger,
    ...(options.notifyRetryScheduleMs ? { retryScheduleMs: options.notifyRetryScheduleMs } : {}),
    ...(options.notifyPollIntervalMs ? { pollIntervalMs: options.notifyPollIntervalMs } : {}),
    onPoll: async () => {
      for (const { merchantId, payId } of await deps.store.unsettled(options.db, 20)) {
        await settlePendingActions(deps, merchantId, payId).catch((error) =>
          options.logger.warn({ err: error, merchantId, payId }, "refund poll failed"),
        );
      }
    },
  });
  return worker;
}
