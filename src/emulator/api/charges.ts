/** Charge operations (reference §4, §4.4). */
import { type ApiOperation, operation, param } from "./operation.js";
import { CANCEL_CHARGE, CAPTURE_CHARGE, CREATE_CHARGE, NO_BODY } from "./request-schemas.js";

export const CHARGE_OPERATIONS: readonly ApiOperation[] = [
  operation({
    name: "createCharge",
    method: "POST",
    path: "charges",
    schema: CREATE_CHARGE,
    idempotency: "required",
    run: (call) => call.engine.charges.create(call.work, call.context, call.body, call.simulation),
  }),
  operation({
    name: "getCharge",
    method: "GET",
    path: "charges/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.charges.get(call.work, call.context, param(call, "id")),
  }),
  operation({
    name: "captureCharge",
    method: "POST",
    path: "charges/:id/capture",
    schema: CAPTURE_CHARGE,
    idempotency: "required",
    run: (call) =>
      call.engine.charges.capture(call.work, call.context, param(call, "id"), call.body, call.simulation),
  }),
  operation({
    name: "cancelCharge",
    method: "DELETE",
    path: "charges/:id/cancel",
    schema: CANCEL_CHARGE,
    idempotency: "ignored",
    run: (call) => call.engine.charges.cancel(call.work, call.context, param(call, "id"), call.body),
  }),
];
