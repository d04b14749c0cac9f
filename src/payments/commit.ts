/**
 * The one storage path of a payment step: load, decide with the aggregate's pure functions,
 * commit the change — the payment, its planned Amazon call, its ReqId claim and the shop
 * notifications its events cause — in one transaction (`PaymentStore.commit`). When another
 * process saved the payment first, the step loads and decides again.
 */
import type { ShopNotification } from "../core/outcome.js";
import { NOTICE_KINDS, type PaymentEvent } from "../core/payment.js";
import type { PlannedCall } from "./amazon-calls.js";
import {
  type Committed,
  ConcurrentUpdateError,
  type FinishedCall,
  type OutgoingNotification,
  type PaymentChange,
  type PaymentDeps,
  type PaymentRecord,
  type RenderNotification,
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
 * The change as the store writes it, its notifications rendered by every door's renderer (so
 * each outbox holds exactly what the state change said); `undefined` when there is nothing to
 * write.
 */
function storedChange(
  change: StepChange,
  renderers: ReadonlyMap<string, RenderNotification | undefined>,
): PaymentChange | undefined {
  const owner = change.record;
  const door = owner?.context.shop ?? {};
  const rendered: OutgoingNotification[] = [];
  for (const notification of change.notifications ?? []) {
    const messages = renderers.get(notification.payment.merchantId)?.(door, notification) ?? [];
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
  return {
    ...(owner === undefined ? {} : { record: owner }),
    ...(change.replay === undefined ? {} : { replay: change.replay }),
    ...(change.call === undefined ? {} : { call: change.call }),
    ...(change.finished === undefined ? {} : { finished: change.finished }),
    notifications: rendered,
  };
}

/** The notifier's renderers for these merchants, asked before any transaction. */
async function renderersFor(
  deps: PaymentDeps,
  merchantIds: Iterable<string>,
): Promise<Map<string, RenderNotification | undefined>> {
  const renderers = new Map<string, RenderNotification | undefined>();
  for (const merchantId of merchantIds) {
    if (!renderers.has(merchantId)) renderers.set(merchantId, await deps.notifier.rendererFor(merchantId));
  }
  return renderers;
}

/** Writes a change (a new payment, a recurring charge): rendered, then committed at once. */
export async function commit(deps: PaymentDeps, change: StepChange): Promise<Committed | undefined> {
  const notifications = change.notifications ?? [];
  const renderers = await renderersFor(
    deps,
    notifications.map((notification) => notification.payment.merchantId),
  );
  const stored = storedChange(change, renderers);
  if (stored === undefined) return undefined;
  const committed = await deps.store.commit(stored);
  if ((stored.notifications?.length ?? 0) > 0) deps.notifier.wake();
  return committed;
}

/**
 * Loads the payment, decides and commits, in one transaction of the store; decides again on a
 * concurrent save. `decide` gets `undefined` for a payment the merchant does not have.
 */
export async function changePayment<T>(
  deps: PaymentDeps,
  merchantId: string,
  payId: string,
  decide: (record: PaymentRecord | undefined) => Decision<T>,
): Promise<{ readonly result: T; readonly committed?: Committed | undefined }> {
  const renderers = await renderersFor(deps, [merchantId]);
  for (let attempt = 1; ; attempt++) {
    let notified = false;
    try {
      const done = await deps.store.change(merchantId, payId, (current) => {
        const decision = decide(current);
        const change = decision.change === undefined ? undefined : storedChange(decision.change, renderers);
        notified = (change?.notifications?.length ?? 0) > 0;
        return { result: decision.result, change };
      });
      if (notified) deps.notifier.wake();
      return done;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= CONFLICT_ATTEMPTS) throw error;
    }
  }
}

/**
 * The shop notifications of a change's events: completions (a merchant-initiated payment's as its
 * recurring charge), captures, credits and Amazon's notices. An RTF=R payment reports its charge
 * and notices only.
 */
export function notificationsOf(record: PaymentRecord, events: readonly PaymentEvent[]): ShopNotification[] {
  const { payment } = record;
  const recurring = payment.checkoutMode === "MerchantInitiated";
  return events.flatMap((event): ShopNotification[] => {
    const action = payment.actions.find((candidate) => candidate.xid === event.xid);
    if (action === undefined) return [];
    const notice = NOTICE_KINDS.has(action.kind);
    if (recurring && !notice && event.type !== "completion") return [];
    const kind = recurring && !notice ? "recurringCharge" : event.type;
    const buyer = kind === "completion" ? record.context.buyer : undefined;
    return [{ kind, event, payment, action, ...(buyer === undefined ? {} : { buyer }) }];
  });
}
