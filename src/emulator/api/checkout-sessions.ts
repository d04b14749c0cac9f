/** Checkout Session operations (reference §4, §4.2). */
import { type ApiOperation, operation, param } from "./operation.js";
import {
  COMPLETE_CHECKOUT_SESSION,
  CREATE_CHECKOUT_SESSION,
  FINALIZE_CHECKOUT_SESSION,
  NO_BODY,
  UPDATE_CHECKOUT_SESSION,
} from "./request-schemas.js";

export const CHECKOUT_SESSION_OPERATIONS: readonly ApiOperation[] = [
  operation({
    name: "createCheckoutSession",
    method: "POST",
    path: "checkoutSessions",
    schema: CREATE_CHECKOUT_SESSION,
    idempotency: "required",
    run: (call) => call.engine.checkoutSessions.create(call.work, call.context, call.body),
  }),
  operation({
    name: "getCheckoutSession",
    method: "GET",
    path: "checkoutSessions/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.checkoutSessions.get(call.work, call.context, param(call, "id")),
  }),
  operation({
    name: "updateCheckoutSession",
    method: "PATCH",
    path: "checkoutSessions/:id",
    schema: UPDATE_CHECKOUT_SESSION,
    idempotency: "ignored",
    run: (call) => call.engine.checkoutSessions.update(call.work, call.context, param(call, "id"), call.body),
  }),
  operation({
    name: "completeCheckoutSession",
    method: "POST",
    path: "checkoutSessions/:id/complete",
    schema: COMPLETE_CHECKOUT_SESSION,
    idempotency: "optional",
    run: (call) =>
      call.engine.checkoutSessions.complete(
        call.work,
        call.context,
        param(call, "id"),
        call.body,
        call.simulation,
      ),
  }),
  operation({
    name: "finalizeCheckoutSession",
    method: "POST",
    path: "checkoutSessions/:id/finalize",
    schema: FINALIZE_CHECKOUT_SESSION,
    idempotency: "optional",
    run: (call) =>
      call.engine.checkoutSessions.finalize(
        call.work,
        call.context,
        param(call, "id"),
        call.body,
        call.simulation,
      ),
  }),
];
