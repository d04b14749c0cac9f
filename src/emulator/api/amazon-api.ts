/**
 * The Amazon Pay v2 REST API over fastify: `/sandbox/v2/…`, `/live/v2/…` and `/v2/…`, optional
 * trailing slash (reference §1, §17). Each request: request id, injected latency and faults,
 * operation lookup, signature check, simulation code, body validation, then the operation in
 * one transaction with its idempotency record (§8).
 */
import { createHash, randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../../core/clock.js";
import type { Database } from "../../store/database.js";
import type { Answer, EmulatorEngine } from "../engine.js";
import { AmazonError } from "../errors.js";
import { FAULT_REASONS, type FaultKind, type Faults } from "../faults.js";
import type { Environment } from "../state/common.js";
import { simulationFor } from "../state/simulation.js";
import type { KeyDirectory } from "../store/key-directory.js";
import { findIdempotency, lockIdempotencyKey, saveIdempotency } from "../store/repository.js";
import { authenticateRequest } from "./authenticate.js";
import { type ApiOperation, matchPath } from "./operation.js";

export interface AmazonApiOptions {
  readonly engine: EmulatorEngine;
  readonly db: Database;
  readonly realClock: Clock;
  readonly faults: Faults;
  readonly operations: readonly ApiOperation[];
}

const PREFIXES: ReadonlyArray<readonly [string, Environment | null]> = [
  ["/sandbox/v2/", "sandbox"],
  ["/live/v2/", "live"],
  ["/v2/", null],
];

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,32}$/;

/** The answer to send, or the connection to close without one (an injected `dropConnection`). */
type Outcome = Answer | { readonly dropConnection: true };

function injectedOutcome(kind: FaultKind): Outcome {
  return kind === "dropConnection" ? { dropConnection: true } : { status: kind, body: FAULT_REASONS[kind] };
}

function send(reply: FastifyReply, answer: Answer): FastifyReply {
  return reply.code(answer.status).type("application/json").send(JSON.stringify(answer.body));
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "23505";
}

/** Registers the API on an (encapsulated) fastify instance that keeps request bodies as raw text. */
export async function amazonApi(app: FastifyInstance, options: AmazonApiOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: 1024 * 1024 }, (_request, body, done) =>
    done(null, body),
  );
  const keys = options.engine.keys;
  const handler = (request: FastifyRequest, reply: FastifyReply) => handle(options, keys, request, reply);
  for (const [prefix] of PREFIXES) {
    app.route({ method: ["GET", "POST", "PATCH", "DELETE", "PUT"], url: `${prefix}*`, handler });
  }
}

async function handle(
  options: AmazonApiOptions,
  keys: KeyDirectory,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const requestId = randomUUID();
  reply.header("x-amz-pay-request-id", requestId);
  const latency = options.faults.settings.latencyMs;
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  let result: Outcome;
  try {
    result = await answer(options, keys, request);
  } catch (error) {
    if (error instanceof AmazonError) {
      result = { status: error.status, body: error.toBody() };
    } else {
      request.log.error({ err: error, requestId }, "emulator operation failed");
      result = { status: 500, body: { reasonCode: "InternalServerError", message: "Internal error." } };
    }
  }
  const path = request.url.split("?")[0];
  if ("dropConnection" in result) {
    request.log.debug({ requestId, method: request.method, path }, "amazon api connection dropped (fault)");
    reply.hijack();
    reply.raw.destroy();
    return reply;
  }
  const reasonCode = (result.body as { reasonCode?: string } | null)?.reasonCode;
  request.log.debug(
    { requestId, method: request.method, path, status: result.status, reasonCode },
    "amazon api answer",
  );
  return send(reply, result);
}

async function answer(
  options: AmazonApiOptions,
  keys: KeyDirectory,
  request: FastifyRequest,
): Promise<Outcome> {
  const { committed, result } = await processRequest(options, keys, request);
  // Only an answer that came out of a committed transaction can be lost after the commit.
  const lost = committed === undefined ? undefined : options.faults.takeFailure(committed, "afterCommit");
  return lost === undefined ? result : injectedOutcome(lost);
}

/** Runs the request; `committed` names the operation when its transaction committed. */
async function processRequest(
  options: AmazonApiOptions,
  keys: KeyDirectory,
  request: FastifyRequest,
): Promise<{ committed?: string; result: Outcome }> {
  const rawUrl = request.raw.url ?? "/";
  const queryAt = rawUrl.indexOf("?");
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt === -1 ? "" : rawUrl.slice(queryAt + 1);
  const [prefix, pathEnvironment] = PREFIXES.find(([candidate]) => path.startsWith(candidate)) ?? ["", null];
  const fragment = path.slice(prefix.length).replace(/\/$/, "");
  const method = request.method.toUpperCase();
  const candidates = options.operations.flatMap((operation) => {
    const params = matchPath(operation.path, fragment);
    return params === undefined ? [] : [{ operation, params }];
  });
  const match = candidates.find((candidate) => candidate.operation.method === method);
  if (match === undefined) {
    if (candidates.length > 0)
      throw new AmazonError("UnsupportedOperation", `${method} is not supported on this resource.`);
    throw new AmazonError("ResourceNotFound", `No resource matches ${path}.`);
  }
  const { operation } = match;
  const body = typeof request.body === "string" ? request.body : "";
  const header = (name: string) => {
    const value = request.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(",") : value;
  };
  const caller = await authenticateRequest(
    keys,
    { method, path, query, header, body },
    pathEnvironment,
    options.realClock,
  );
  const injected = options.faults.takeFailure(operation.name, "beforeProcessing");
  if (injected !== undefined) return { result: injectedOutcome(injected) };

  const simulation = simulationFor(caller.environment, operation.name, header("x-amz-pay-simulation-code"));
  const run = operation.prepare(method === "GET" ? "" : body);
  const key = operation.idempotency === "ignored" ? undefined : header("x-amz-pay-idempotency-key");
  if (key === undefined && operation.idempotency === "required") {
    throw new AmazonError(
      "MissingHeaderValue",
      "The x-amz-pay-idempotency-key header is required for this operation.",
    );
  }
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new AmazonError(
      "InvalidHeaderValue",
      "The value provided for x-amz-pay-idempotency-key is invalid.",
    );
  }
  const fingerprint = {
    method,
    path: `${caller.environment}:${fragment}`,
    bodyHash: createHash("sha256").update(body).digest("hex"),
  };
  const context = { merchant: caller.merchant, environment: caller.environment };
  // Amazon scopes a key per operation: one key may serve a create, a capture and a refund.
  const scope = { merchantId: caller.merchant.merchantId, operation: operation.name };
  const url = new URLSearchParams(query);
  // Two requests with one new key can race to insert it; the loser replays the winner's answer.
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await options.engine.transact(async (work): Promise<Answer> => {
        const { tx } = work;
        if (key !== undefined) {
          // Requests with one key are serialised: a second one that arrives while the first is
          // still being processed waits for it and then replays its answer, as a retry would.
          await lockIdempotencyKey(tx, { ...scope, key });
          const earlier = await findIdempotency(tx, { ...scope, key });
          if (earlier !== undefined) {
            if (
              earlier.method !== fingerprint.method ||
              earlier.path !== fingerprint.path ||
              earlier.bodyHash !== fingerprint.bodyHash
            ) {
              throw new AmazonError(
                "DuplicateIdempotencyKey",
                "The idempotency key was already used with a different request.",
              );
            }
            return { status: earlier.status, body: JSON.parse(earlier.response) };
          }
        }
        const result = await run({
          engine: options.engine,
          work,
          context,
          params: match.params,
          query: url,
          simulation,
        });
        if (key !== undefined) {
          await saveIdempotency(
            tx,
            { ...scope, key },
            {
              ...fingerprint,
              status: result.status,
              response: JSON.stringify(result.body),
            },
          );
        }
        return result;
      });
      return { committed: operation.name, result };
    } catch (error) {
      if (attempt === 0 && key !== undefined && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}
