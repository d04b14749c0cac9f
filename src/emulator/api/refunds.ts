/** Refund operations (reference §4, §4.5). */
import { type ApiOperation, operation, param } from "./operation.js";
import { CREATE_REFUND, NO_BODY } from "./request-schemas.js";

export const REFUND_OPERATIONS: readonly ApiOperation[] = [
  operation({
    name: "createRefund",
    method: "POST",
    path: "refunds",
    schema: CREATE_REFUND,
    idempotency: "required",
    run: (call) => call.engine.refunds.create(call.work, call.context, call.body, call.simulation),
  }),
  operation({
    name: "getRefund",
    method: "GET",
    path: "refunds/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.refunds.get(call.work, call.context, param(call, "id")),
  }),
];
