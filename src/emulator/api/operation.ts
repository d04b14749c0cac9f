/**
 * What an Amazon Pay v2 operation is to the HTTP layer: method, path pattern, body schema,
 * idempotency rule, and what it runs. Every resource module (`checkout-sessions.ts`, … and the
 * reports module) exports a list of these, declared with {@link operation}; `index.ts` gathers
 * them.
 */
import type { Answer, ApiContext, EmulatorEngine, Work } from "../engine.js";
import type { SimulationEffect } from "../state/simulation.js";
import { type ObjectSchema, parseBody, type Validated } from "./schema.js";

/** What an operation runs with, besides its body. */
export interface OperationContext {
  readonly engine: EmulatorEngine;
  /** The request's unit of work: its transaction (shared with the idempotency record) and now. */
  readonly work: Work;
  readonly context: ApiContext;
  /** Path parameters by the names in `path` (`:id` → `params.id`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly simulation: SimulationEffect | undefined;
}

export interface OperationCall<Body> extends OperationContext {
  /** The body as its schema validated it (prices as `Money`). */
  readonly body: Body;
}

export interface ApiOperation {
  /** Amazon's operation name, e.g. `createCharge`; also the key for fault injection and simulations. */
  readonly name: string;
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** After `/{env}/v2/` or `/v2/`, e.g. `charges/:id/capture`. */
  readonly path: string;
  /** §8: `required` → 400 without a key; `optional` → honoured when sent; `ignored` (GET/PATCH/DELETE). */
  readonly idempotency: "required" | "optional" | "ignored";
  /**
   * Validates a raw body against the operation's schema (Amazon's 400s, before anything else
   * happens) and answers the run, bound to the validated body.
   */
  readonly prepare: (rawBody: string) => (call: OperationContext) => Promise<Answer>;
}

/** Declares an operation whose `run` gets the body typed as its schema validates it. */
export function operation<const S extends ObjectSchema>(declaration: {
  readonly name: string;
  readonly method: ApiOperation["method"];
  readonly path: string;
  readonly schema: S;
  readonly idempotency: ApiOperation["idempotency"];
  readonly run: (call: OperationCall<Validated<S>>) => Promise<Answer>;
}): ApiOperation {
  const { schema, run, ...rest } = declaration;
  return {
    ...rest,
    prepare: (rawBody) => {
      const body = parseBody(schema, rawBody);
      return (call) => run({ ...call, body });
    },
  };
}

/** A path parameter the operation's pattern declares (`matchPath` filled it in). */
export function param(call: OperationContext, name: string): string {
  const value = call.params[name];
  if (value === undefined) throw new Error(`the path pattern has no :${name}`);
  return value;
}

/** Matches a request path (without prefix and trailing slash) against an operation's pattern. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const expected = want[i] as string;
    const actual = got[i] as string;
    if (expected.startsWith(":")) {
      if (actual === "") return undefined;
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
