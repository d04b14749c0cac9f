/** Refund operations (reference §4, §4.5). */
import type { ApiOperation } from "./operation.js";
import { CREATE_REFUND, NO_BODY } from "./request-schemas.js";

export const REFUND_OPERATIONS: readonly ApiOperation[] = [
  {
    name: "createRefund",
    method: "POST",
    path: "refunds",
    schema: CREATE_REFUND,
    idempotency: "required",
    run: (call) => call.engine.createRefund(call.tx, call.context, call.body, call.simulation, call.notify),
  },
  {
    name: "getRefund",
    method: "GET",
    path: "refunds/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.getRefund(call.tx, call.context, call.params.id as string, call.notify),
  },
];
