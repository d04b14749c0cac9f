/**
 * Cut Amazon calls in the admin API (docs/async.md, "Cut calls"), inside `/api/admin` behind the
 * bearer token:
 * - `GET /operations/given-up[?merchantId=…&limit=…]` → `{"operations": [...]}`, oldest first:
 *   money-moving calls whose outcome Amazon never told and that the reconciliation job gave up
 *   after its last try;
 * - `POST /merchants/{merchantId}/operations/{idempotencyKey}/resume` → 202 with the call, due now
 *   with a fresh schedule (the job sends the stored request again with the same key); 404 when
 *   the merchant has no such call open.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Clock } from "../core/clock.js";
import type { MerchantDirectory } from "../merchants/directory.js";
import type { Database } from "../store/database.js";
import { listGivenUpOperations, type OperationRecord, restartOperation } from "./store/operations.js";

export interface OperationAdminOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly merchants: MerchantDirectory;
}

/** Idempotency keys are ours (printable ASCII); anything else names no call. */
const KEY = /^[\x21-\x7e]{1,200}$/;
const MERCHANT = /^[\x21-\x7e]{1,64}$/;

function refuse(reply: FastifyReply, status: 400 | 404, field: string, message: string): FastifyReply {
  return reply.code(status).send({ error: status === 400 ? "invalid_request" : "not_found", message, field });
}

/** What an operator needs to judge the call; Amazon's raw answer stays in the timeline. */
function viewOf(operation: OperationRecord) {
  return {
    merchantId: operation.merchantId,
    payId: operation.payId,
    xid: operation.xid,
    idempotencyKey: operation.idempotencyKey,
    action: operation.action,
    amazonOperation: operation.amazonOperation,
    state: operation.state,
    attempts: operation.attempts,
    createdAt: new Date(operation.createdAt).toISOString(),
    updatedAt: new Date(operation.updatedAt).toISOString(),
    nextAttemptAt:
      operation.nextAttemptAt === undefined ? null : new Date(operation.nextAttemptAt).toISOString(),
    givenUpAt: operation.givenUpAt === undefined ? null : new Date(operation.givenUpAt).toISOString(),
  };
}

export async function operationAdminRoutes(
  app: FastifyInstance,
  options: OperationAdminOptions,
): Promise<void> {
  app.get<{ Querystring: { merchantId?: string; limit?: string } }>(
    "/operations/given-up",
    async (req, reply) => {
      const { merchantId, limit } = req.query;
      if (merchantId !== undefined && !MERCHANT.test(merchantId)) {
        return refuse(reply, 400, "merchantId", "merchantId must be 1–64 printable ASCII characters");
      }
      const count = limit === undefined ? 100 : Number(limit);
      if (!Number.isInteger(count) || count < 1 || count > 1000) {
        return refuse(reply, 400, "limit", "limit must be 1–1000");
      }
      const operations = await listGivenUpOperations(options.db, merchantId, count);
      return { operations: operations.map(viewOf) };
    },
  );

  app.post<{ Params: { merchantId: string; idempotencyKey: string } }>(
    "/merchants/:merchantId/operations/:idempotencyKey/resume",
    async (req, reply) => {
      const { merchantId, idempotencyKey } = req.params;
      if (!MERCHANT.test(merchantId) || !(await options.merchants.exists(merchantId))) {
        return refuse(reply, 404, "merchantId", `no merchant ${merchantId}`);
      }
      const restarted = KEY.test(idempotencyKey)
        ? await restartOperation(options.db, merchantId, idempotencyKey, options.clock.now())
        : undefined;
      if (restarted === undefined) {
        return refuse(reply, 404, "idempotencyKey", `no open Amazon call ${idempotencyKey} of ${merchantId}`);
      }
      return reply.code(202).send(viewOf(restarted));
    },
  );
}
