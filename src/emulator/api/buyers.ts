/** Buyer operation (reference §4, §4.6). */
import type { ApiOperation } from "./operation.js";
import { NO_BODY } from "./request-schemas.js";

export const BUYER_OPERATIONS: readonly ApiOperation[] = [
  {
    name: "getBuyer",
    method: "GET",
    path: "buyers/:token",
    schema: NO_BODY,
    idempotency: "ignored",
    run: (call) => call.engine.getBuyer(call.tx, call.context, call.params.token as string),
  },
];
