/** Buyer operation (reference §4, §4.6). */
import { type ApiOperation, operation, param } from "./operation.js";
import { NO_BODY } from "./request-schemas.js";

export const BUYER_OPERATIONS: readonly ApiOperation[] = [
  operation({
    name: "getBuyer",
    method: "GET",
    path: "buyers/:token",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.buyers.getBuyer(call.work, call.context, param(call, "token")),
  }),
];
