/** Charge Permission operations (reference §4, §4.3). */
import { type ApiOperation, operation, param } from "./operation.js";
import { CLOSE_CHARGE_PERMISSION, NO_BODY, UPDATE_CHARGE_PERMISSION } from "./request-schemas.js";

export const CHARGE_PERMISSION_OPERATIONS: readonly ApiOperation[] = [
  operation({
    name: "getChargePermission",
    method: "GET",
    path: "chargePermissions/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.chargePermissions.get(call.work, call.context, param(call, "id")),
  }),
  operation({
    name: "updateChargePermission",
    method: "PATCH",
    path: "chargePermissions/:id",
    schema: UPDATE_CHARGE_PERMISSION,
    idempotency: "ignored",
    run: (call) =>
      call.engine.chargePermissions.update(call.work, call.context, param(call, "id"), call.body),
  }),
  operation({
    name: "closeChargePermission",
    method: "DELETE",
    path: "chargePermissions/:id/close",
    schema: CLOSE_CHARGE_PERMISSION,
    idempotency: "ignored",
    run: (call) =>
      call.engine.chargePermissions.close(
        call.work,
        call.context,
        param(call, "id"),
        call.body,
        call.simulation,
      ),
  }),
];
