/**
 * The JSON API's ports (src/api/ports.ts) over the gateway's parts: the admin token, the store's
 * payments, the merchant directory, the recurring side and the secret box. Wiring only.
 */

import { bookingsCsvDownload, datevDownload, previewInput } from "../accounting/downloads.js";
import type { Accounting } from "../accounting/index.js";
import type { AccountingPort, ApiGateway } from "../api/ports.js";
import type { Clock } from "../core/clock.js";
import type { MerchantDirectory } from "../merchants/directory.js";
import type { Database } from "../store/database.js";
import { isAuthorizedBearer } from "./admin-token.js";
import type { SecretBox } from "./secrets.js";
import { loadPayment } from "./store/payments.js";
import { subscriptionJson } from "./subscriptions/admin-routes.js";
import type { RecurringSide } from "./subscriptions/side.js";
import { pauseSubscription } from "./subscriptions/store.js";

export function apiGateway(parts: {
  readonly db: Database;
  readonly clock: Clock;
  readonly adminToken: string;
  readonly merchants: MerchantDirectory;
  readonly secrets: SecretBox;
  readonly recurring: () => RecurringSide | undefined;
  readonly wakeNotifications: () => void;
  readonly accounting?: Accounting;
}): ApiGateway {
  const { db, clock } = parts;
  return {
    isAdminToken: (authorization) => isAuthorizedBearer(authorization, parts.adminToken),
    loadPayment: (merchantId, payId) => loadPayment(db, merchantId, payId),
    merchants: parts.merchants,
    secrets: parts.secrets,
    wakeNotifications: parts.wakeNotifications,
    ...(parts.accounting ? { accounting: accountingPort(parts.accounting) } : {}),
    subscriptions: () => {
      const side = parts.recurring();
      if (side === undefined) return undefined;
      return {
        list: async (merchantId) => (await side.listSubscriptions(merchantId)).map(subscriptionJson),
        find: async (merchantId, subscriptionId) => {
          const found = await side.findSubscription(merchantId, subscriptionId);
          return found && subscriptionJson(found);
        },
        setStatus: async (merchantId, subscriptionId, status) => {
          if (status !== "paused") {
            const changed = await side.setStatus(merchantId, subscriptionId, status);
            return changed && subscriptionJson(changed);
          }
          const found = await side.findSubscription(merchantId, subscriptionId);
          if (
            found === undefined ||
            !(await pauseSubscription(db, found, "paused through the API", clock.now()))
          ) {
            return undefined;
          }
          const paused = await side.findSubscription(merchantId, subscriptionId);
          return paused && subscriptionJson(paused);
        },
      };
    },
  };
}

/** The one Accounting, and the downloads every door hands out, as the API's port. */
export function accountingPort(accounting: Accounting): AccountingPort {
  return {
    importSettlements: (merchantId) => accounting.importSettlements(merchantId),
    settlements: (merchantId, limit, before) => accounting.settlements(merchantId, limit, before),
    rules: (merchantId, chart) => accounting.rules(merchantId, chart),
    saveRules: (merchantId, chart, input) => accounting.saveRules(merchantId, chart, input),
    preview: (merchantId, body) => accounting.preview(merchantId, previewInput(body)),
    datevDownload: (merchantId, period, part) => datevDownload(accounting, { merchantId, ...period }, part),
    bookingsCsvDownload: (merchantId, period) => bookingsCsvDownload(accounting, merchantId, period),
  };
}
