/**
 * `credit.aspx` (seed 004 "Zahlung gutschreiben", reference §5.7): partial and repeated refunds
 * up to Amazon's ceiling. Amazon refunds asynchronously, so the answer is usually `PENDING` with
 * a `6…` code, and the `CreditNotification` follows when the refund settles.
 */
import type { PaygatePage } from "../routes.js";
import { creditRequest, creditResponse } from "../tables.js";
import { actionPage } from "./action-page.js";
import type { PageDeps } from "./deps.js";

export function creditPage(deps: PageDeps): PaygatePage {
  return actionPage(deps, {
    name: "credit.aspx",
    request: creditRequest,
    step: "credit",
    response: creditResponse,
    run: (d, merchantId, request) => d.payments.refund(merchantId, request),
  });
}
