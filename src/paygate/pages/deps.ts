/**
 * What the pages depend on: the merchant directory and the payment steps, injected so the pages
 * stay thin translators between the wire and the application.
 */
import type { Payments } from "../../payments/index.js";
import type { FindMerchant } from "./receive.js";

export interface PageDeps {
  readonly findMerchant: FindMerchant;
  readonly payments: Payments;
}
