/** Charge operations (reference §4, §4.4). */
import type { ApiOperation } from "./operation.js";
import { CANCEL_CHARGE, CAPTURE_CHARGE, CREATE_CHARGE, NO_BODY } from "./request-schemas.js";

export const CHARGE_OPERATIONS: readonly ApiOperation[] = [
  {
    name: "createCharge",
    method: "POST",
    path: "charges",
    schema: CREATE_CHARGE,
    idempotency: "required",
    run: (call) => call.engine.createCharge(call.tx, call.context, call.body, call.simulation, call.notify),
  },
  {
    name: "getCharge",
    method: "GET",
    path: "charges/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.getCharge(call.tx, call.context, call.params.id as string, call.notify),
  },
  {
    name: "captureCharge",
    method: "POST",
    path: "charges/:id/capture",
    schema: CAPTURE_CHARGE,
    idempotency: "required",
    run: (call) =>
      call.engine.captureCharge(
        call.tx,
        call.context,
        call.params.id as string,
        call.body,
        call.simulation,
        call.notify,
      ),
  },
  {
    name: "cancelCharge",
    method: "DELETE",
    path: "charges/:id/cancel",
    schema: CANCEL_CHARGE,
    idempotency: "ignored",
    run: (call) =>
      call.engine.cancelCharge(call.tx, call.context, call.params.id as string, call.body, call.notify),
  },
];
