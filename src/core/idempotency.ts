/**
 * Idempotency keys by construction (DESIGN principle 4, reference/amazon-pay-v2.md §8): the key of
 * every money-moving Amazon call is a function of the operation — merchant, payment, action and
 * the action's sequence within the payment — so a retry, a second process or a restart that
 * replays the same action sends the same key, and Amazon answers with the original result
 * instead of moving money again.
 */
import { createHash } from "node:crypto";

/** The Amazon call an action makes; part of the key so two calls of one action never collide. */
export type IdempotentAction = "complete" | "capture" | "credit" | "reverse" | "charge" | "close";

export interface IdempotencyScope {
  readonly merchantId: string;
  readonly payId: string;
  readonly action: IdempotentAction;
  /** The action's sequence within the payment (`PaymentAction.sequence`). */
  readonly sequence: number;
}

/** Amazon accepts at most 32 characters of `[A-Za-z0-9_-]` (§8). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * A 32-character key: the first letters of the action and the sequence for a reader of logs,
 * then a SHA-256 of the whole scope (base64url), so merchant and payment ids of any length fit.
 *
 * @example idempotencyKey({ merchantId: "Shop1", payId: "5dd8…", action: "capture", sequence: 3 }) // "ca3-…" (32 chars)
 */
export function idempotencyKey(scope: IdempotencyScope): string {
  if (!Number.isSafeInteger(scope.sequence) || scope.sequence < 1) {
    throw new RangeError(`sequence ${scope.sequence} is not a positive integer`);
  }
  const prefix = `${scope.action.slice(0, 2)}${scope.sequence}-`;
  // JSON keeps the fields apart: ("a", "bc") and ("ab", "c") hash differently.
  const digest = createHash("sha256")
    .update(
      JSON.stringify(["kasse-idempotency-v1", scope.merchantId, scope.payId, scope.action, scope.sequence]),
    )
    .digest("base64url");
  return prefix + digest.slice(0, 32 - prefix.length);
}
