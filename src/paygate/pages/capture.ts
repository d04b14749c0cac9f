/** `capture.aspx` (seed 004 "Zahlung buchen", reference §5.6): one capture per payment. */
import type { PaygatePage } from "../routes.js";
import { captureRequest, captureResponse } from "../tables.js";
import { actionPage } from "./action-page.js";
import type { PageDeps } from "./deps.js";

export function capturePage(deps: PageDeps): PaygatePage {
  return actionPage(deps, {
    name: "capture.aspx",
    request: captureRequest,
    step: "capture",
    response: captureResponse,
    run: (d, merchantId, request) => d.payments.capture(merchantId, request),
  });
}
