/**
 * What the pages depend on: the merchant directory and the flow services, injected so the pages
 * stay thin translators between the wire and the flows.
 */
import type { Flows } from "../../gateway/flows/index.js";
import type { FindMerchant } from "./receive.js";

export interface PageDeps {
  readonly findMerchant: FindMerchant;
  readonly flows: Flows;
}
