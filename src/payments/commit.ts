/**
 * The one storage path of a payment step: load, decide with the aggregate's pure functions,
 * commit the change — the payment, its planned Amazon call, its ReqId claim and the shop
 * notifications its events cause — in one transaction (`PaymentStore.commit`). When another
 * process saved the payment first, the step loads and decides again.
 */
import type { ShopNotification } from "../core/outcome.js";
import type { PaymentEvent } from "../core/payment.js";
import type { PlannedCall } from "./amazon-calls.js";
import {
  type Committed,
  ConcurrentUpdateError,
  type FinishedCall,
  type PaymentDeps,
  type PaymentRecord,
  type Replay,
} from "./ports.js";

const CONFLICT_ATTEMPTS = 5;

/** A step's change before the door rendered its notifications. */
export interface StepChange {
  /** The changed record; absent when only the call, claim or notifications are new (a resume). */
  readonly record?: PaymentRecord | undefined;
  readonly replay?: Replay | undefined;
  readonly call?: PlannedCall | undefined;
  readonly notifications?: readonly ShopNotification[] | undefined;
  readonly finished?: FinishedCall | undefined;
}

/** What a step decided: its answer, and the change to commit (none: nothing is written). */
export interface Decision<T> {
  readonly result: T;
  readonly change?: StepChange | undefined;
}

/**
 * Writes a change: the notifications are rendered by every door's notifier first (so each outbox
 * holds exactly what the state change said), then everything is committed at once.
 */
export async function commit(deps: PaymentDeps, change: StepChange): Promise<Committed | undefined> {
  const notifications = change.notifications ?? [];
  const owner = change.record;
  const rendered = [];
  for (const notification of notifications) {
    const door = owner?.context.shop ?? {};
    const messages = await deps.notifier.messagesOf(notification.payment.merchantId, door, notification);
    for (const message of messages) rendered.push({ event: notification.event, message });
  }
  if (
    owner === undefined &&
    change.call === undefined &&
    change.replay === undefined &&
    change.finished === undefined &&
    rendered.length === 0
  ) {
    return undefined;
  }
  const committed = await deps.store.commit({
    ...(owner === undefined ? {} : { record: owner }),
    ...(change.replay === undefined ? {} : { replay: change.replay }),
    ...(change.call === undefined ? {} : { call: change.call }),
    ...(change.finished === undefined ? {} : { finished: change.finished }),
    notifications: rendered,
  });
  if (rendered.length > 0) deps.notifier.wake();
  return committed;
}

/**
 * Loads the payment, decides and commits; decides again on a concurrent save. `decide` gets
 * `undefined` for a payment the merchant does not have.
 */
export async function changePayment<T>(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
  decide: (record: PaymentRecord | undefined) => Decision<T>,
): Promise<{ readonly result: T; readonly committed?: Committed | undefined }> {
  for (let attempt = 1; ; attempt++) {
    const decision = decide(await deps.store.load(merchantId, payId));
    try {
      const committed = decision.change === undefined ? undefined : await commit(deps, decision.change);
      return { result: decision.result, committed };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}

/**
 * The shop notifications of a change's events: completions (a merchant-initiated payment's as its
 * recurring charge), captures and credits. An RTF=R payment reports its charge only.
 */
export function notificationsOf(record: PaymentRecord, events: readonly PaymentEvent[]): ShopNotification[] {
  const { payment } = record;
  const recurring = payment.checkoutMode === "MerchantInitiated";
  return events.flatMap((event): ShopNotification[] => {
    const action = payment.actions.find((candidate) => candidate.xid === event.xid);
    if (action === undefined || (recurring && event.type !== "completion")) return [];
    const kind = recurring ? "recurringCharge" : event.type;
    const buyer = kind === "completion" ? record.context.buyer : undefined;
    return [{ kind, event, payment, action, ...(buyer === undefined ? {} : { buyer }) }];
  });
}
