/** Charge Permission operations (reference §4, §4.3). */
import type { ApiOperation } from "./operation.js";
import { CLOSE_CHARGE_PERMISSION, NO_BODY, UPDATE_CHARGE_PERMISSION } from "./request-schemas.js";

export const CHARGE_PERMISSION_OPERATIONS: readonly ApiOperation[] = [
  {
    name: "getChargePermission",
    method: "GET",
    path: "chargePermissions/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) =>
      call.engine.getChargePermission(call.tx, call.context, call.params.id as string, call.notify),
  },
  {
    name: "updateChargePermission",
    method: "PATCH",
    path: "chargePermissions/:id",
    schema: UPDATE_CHARGE_PERMISSION,
    idempotency: "ignored",
    run: (call) =>
      call.engine.updateChargePermission(
        call.tx,
        call.context,
        call.params.id as string,
        call.body,
        call.notify,
      ),
  },
  {
    name: "closeChargePermission",
    method: "DELETE",
    path: "chargePermissions/:id/close",
    schema: CLOSE_CHARGE_PERMISSION,
    idempotency: "ignored",
    run: (call) =>
      call.engine.closeChargePermission(
        call.tx,
        call.context,
        call.params.id as string,
        call.body,
        call.simulation,
        call.notify,
      ),
  },
];
