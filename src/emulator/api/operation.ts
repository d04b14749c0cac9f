/**
 * What an Amazon Pay v2 operation is to the HTTP layer: method, path pattern, body schema,
 * idempotency rule, whether it takes simulation codes, and what it runs. Every resource module
 * (`checkout-sessions.ts`, … and the reports module) exports a list of these; `index.ts`
 * gathers them.
 */
import type { Database, Queryable } from "../../store/database.js";
import type { EmulatedClock } from "../clock.js";
import type { Answer, ApiContext, EmulatorEngine } from "../engine.js";
import type { SimulationEffect } from "../state/simulation.js";
import type { ObjectSchema } from "./schema.js";

export interface OperationCall {
  readonly engine: EmulatorEngine;
  readonly db: Database;
  readonly clock: EmulatedClock;
  /** The transaction the operation and its idempotency record share. */
  readonly tx: Queryable;
  readonly context: ApiContext;
  /** Path parameters by the names in `path` (`:id` → `params.id`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The validated body (prices as `Money`). */
  readonly body: Record<string, unknown>;
  readonly simulation: SimulationEffect | undefined;
  /** Reports how many IPN outbox rows the operation inserted (wakes the IPN worker after commit). */
  readonly notify: (count: number) => void;
}

export interface ApiOperation {
  /** Amazon's operation name, e.g. `createCharge`; also the key for fault injection and simulations. */
  readonly name: string;
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** After `/{env}/v2/` or `/v2/`, e.g. `charges/:id/capture`. */
  readonly path: string;
  readonly schema: ObjectSchema;
  /** §8: `required` → 400 without a key; `optional` → honoured when sent; `ignored` (GET/PATCH/DELETE). */
  readonly idempotency: "required" | "optional" | "ignored";
  readonly run: (call: OperationCall) => Promise<Answer>;
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
