/** Checkout Session operations (reference §4, §4.2). */
import type { ApiOperation } from "./operation.js";
import {
  COMPLETE_CHECKOUT_SESSION,
  CREATE_CHECKOUT_SESSION,
  FINALIZE_CHECKOUT_SESSION,
  NO_BODY,
  UPDATE_CHECKOUT_SESSION,
} from "./request-schemas.js";

export const CHECKOUT_SESSION_OPERATIONS: readonly ApiOperation[] = [
  {
    name: "createCheckoutSession",
    method: "POST",
    path: "checkoutSessions",
    schema: CREATE_CHECKOUT_SESSION,
    idempotency: "required",
    run: (call) => call.engine.createCheckoutSession(call.tx, call.context, call.body),
  },
  {
    name: "getCheckoutSession",
    method: "GET",
    path: "checkoutSessions/:id",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.getCheckoutSession(call.tx, call.context, call.params.id as string),
  },
  {
    name: "updateCheckoutSession",
    method: "PATCH",
    path: "checkoutSessions/:id",
    schema: UPDATE_CHECKOUT_SESSION,
    idempotency: "ignored",
    run: (call) =>
      call.engine.updateCheckoutSession(call.tx, call.context, call.params.id as string, call.body),
  },
  {
    name: "completeCheckoutSession",
    method: "POST",
    path: "checkoutSessions/:id/complete",
    schema: COMPLETE_CHECKOUT_SESSION,
    idempotency: "optional",
    run: (call) =>
      call.engine.completeCheckoutSession(
        call.tx,
        call.context,
        call.params.id as string,
        call.body,
        call.simulation,
        call.notify,
      ),
  },
  {
    name: "finalizeCheckoutSession",
    method: "POST",
    path: "checkoutSessions/:id/finalize",
    schema: FINALIZE_CHECKOUT_SESSION,
    idempotency: "optional",
    run: (call) =>
      call.engine.finalizeCheckoutSession(
        call.tx,
        call.context,
        call.params.id as string,
        call.body,
        call.simulation,
        call.notify,
      ),
  },
];
