/**
 * What capture, refund and reverse share (reference §5.6–§5.8): a ReqId seen before answers its
 * original action — resumed first when its Amazon call has an unknown outcome; so does one
 * claimed by a concurrent request while this one ran (its claim rolled this one back). A new
 * action that finds another one's call cut off finishes that one first, then decides again.
 * What Amazon finishes later is settled in `settle.ts`.
 */
import { type ActionDone, type Outcome, refused } from "../core/outcome.js";
import { inFlightAction, type Payment, type PaymentAction, type PaymentResult } from "../core/payment.js";
import { type AmazonActionDone, replayOf, runAmazonAction } from "./amazon-action.js";
import type { AmazonCall } from "./amazon-calls.js";
import { type PaymentDeps, type PaymentRecord, ReqIdReplayError } from "./ports.js";
import { resumeIfCut } from "./resume.js";

export interface ShopActionSpec {
  readonly merchantId: string;
  readonly payId: string;
  readonly reqId: string | undefined;
  readonly begin: (payment: Payment, xid: string) => PaymentResult;
  readonly call: (record: PaymentRecord, action: PaymentAction) => AmazonCall;
  /** The door applies Computop's first-notify rule (when the merchant's setting asks for it). */
  readonly firstNotifyRule: boolean | undefined;
}

const SHOP_ACTIONS: ReadonlySet<PaymentAction["kind"]> = new Set(["capture", "credit", "reverse"]);

export async function shopAction(deps: PaymentDeps, spec: ShopActionSpec): Promise<Outcome<ActionDone>> {
  const link = await deps.amazonFor(spec.merchantId);
  if (link === undefined) return refused({ kind: "merchantUnknown" });
  const replay = async (): Promise<Outcome<ActionDone> | undefined> => {
    const seen = await replayOf(deps, spec.merchantId, spec.reqId);
    if (seen === undefined || !seen.ok) return seen;
    return doneOf(await resumeIfCut(deps, seen.record, seen.action));
  };
  const replayed = await replay();
  if (replayed !== undefined) return replayed;
  // A replay above answers what was done; a new action waits for the shop's answer to the first notify.
  if (
    spec.firstNotifyRule === true &&
    link.requireFirstNotifyAnswered === true &&
    (await deps.store.firstNotifyUnanswered(spec.merchantId, spec.payId))
  ) {
    return refused({ kind: "firstNotifyUnanswered" });
  }
  try {
    const first = await runAmazonAction(deps, spec);
    if (first.ok || first.payment === undefined) return doneOf(first);
    const cut = inFlightAction(first.payment);
    const record = cut && (await deps.store.load(spec.merchantId, spec.payId));
    if (cut === undefined || record === undefined || !SHOP_ACTIONS.has(cut.kind)) return first;
    const resumed = await resumeIfCut(deps, record, cut);
    if (!resumed.ok || resumed.action.state === "inFlight") return first;
    return doneOf(await runAmazonAction(deps, spec));
  } catch (error) {
    if (!(error instanceof ReqIdReplayError)) throw error;
    return (await replay()) ?? refused({ kind: "inconsistent" });
  }
}

export function doneOf(done: Outcome<AmazonActionDone>): Outcome<ActionDone> {
  if (!done.ok) return done;
  return { ok: true, payment: done.record.payment, action: done.action, amazonMessage: done.message };
}
