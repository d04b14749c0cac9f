/**
 * `reverse.aspx` (seed 004 "Bestellung stornieren", reference §5.8): cancels the whole order —
 * in Amazon v2 terms the open authorisation is cancelled and the charge permission closed.
 */
import type { PaygatePage } from "../routes.js";
import { reverseRequest, reverseResponse } from "../tables.js";
import { actionPage } from "./action-page.js";
import type { PageDeps } from "./deps.js";

export function reversePage(deps: PageDeps): PaygatePage {
  return actionPage(deps, {
    name: "reverse.aspx",
    request: reverseRequest,
    response: reverseResponse,
    run: (d, merchantId, request) => d.payments.reverse(merchantId, request),
  });
}
