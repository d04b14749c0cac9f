/** What the subscriptions run on. */
import type { FindMerchant } from "../../paygate/pages/receive.js";
import type { PaymentDeps } from "../../payments/ports.js";
import type { Database } from "../../store/database.js";

/** What the recurring side runs on: the payment steps' ports, its own tables, the Paygate merchants. */
export interface SubscriptionDeps {
  readonly payments: PaymentDeps;
  readonly db: Database;
  readonly findMerchant: FindMerchant;
  /** Dunning notifications were queued: deliver them now. */
  readonly wake: () => void;
}
