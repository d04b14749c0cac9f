/**
 * What the payment steps need from outside, named once: the payment store (load, and one
 * `commit` per state change), the merchant's Amazon link, the shop notifier, the clock, ids and
 * a logger. The composition root (src/gateway) implements them over the database, the Amazon
 * connector and the Paygate door; the steps' unit tests over in-memory fakes.
 */
import type { Clock } from "../core/clock.js";
import type { BuyerDetails, DoorData, ShopNotification } from "../core/outcome.js";
import type { Payment, PaymentEvent, TxType } from "../core/payment.js";
import type { Logger } from "../log.js";
import type { OutboxMessage } from "../notify/messages.js";
import type { AmazonConnection, PlannedCall } from "./amazon-calls.js";

/** A merchant's Amazon Pay account as the steps use it. */
export interface AmazonLink extends AmazonConnection {
  readonly region: "eu" | "na" | "jp";
  readonly amazonMerchantId: string;
  readonly storeId: string;
  readonly publicKeyId: string;
  /** The merchant's setting: completion may end `AuthorizationInitiated`, settled later. */
  readonly canHandlePendingAuthorization: boolean;
  /**
   * The merchant's setting: a door that asks for it refuses capture, credit and reverse while the
   * payment's first notify is unanswered (Computop's rule; docs/paygate-flows.md).
   */
  readonly requireFirstNotifyAnswered?: boolean | undefined;
  /** Button signature, algorithm AMZN-PAY-RSASSA-PSS (the shop passes no algorithm). */
  signButtonPayload(payloadJson: string): string;
}

/** Kasse's own pages the buyer returns to from Amazon, for one payment (the door builds them). */
export interface ReturnUrls {
  readonly review: string;
  readonly result: string;
  readonly cancel: string;
}

/** What a payment keeps beside the aggregate: what was agreed, and the door's data. */
export interface CheckoutContext {
  /** The door's data (Paygate: the shop's URLs and echoes), stored and handed back unread. */
  readonly shop: DoorData;
  readonly countryCode: string;
  readonly intent: TxType;
  readonly processOrder: boolean;
  /** The checkout asked Amazon for a Recurring charge permission (RTF=I). */
  readonly recurring?: boolean | undefined;
  /**
   * The series' fixed amount per cycle (RTF=I `InstallmentAmount`, minor units); absent when it
   * is not fixed (0) or for checkouts stored before it was kept.
   */
  readonly installmentAmount?: number | undefined;
  readonly presentmentCurrency?: string | undefined;
  readonly softDescriptor?: string | undefined;
  readonly noteToBuyer?: string | undefined;
  readonly merchantReferenceId: string;
  readonly simulationCode?: string | undefined;
  readonly returns: ReturnUrls;
  readonly button: { readonly payload: string; readonly signature: string; readonly publicKeyId: string };
  /**
   * The door's answer to the buyer's completion or cancel, remembered so a reload of the page is
   * answered the same (Paygate: the redirect location).
   */
  readonly completionLocation?: string | undefined;
  /** The buyer's details, kept before the completion (Amazon's session no longer shows them after). */
  readonly buyer?: BuyerDetails | undefined;
}

export interface PaymentRecord {
  readonly payment: Payment;
  readonly context: CheckoutContext;
  /** The store's optimistic-concurrency version the record was read at; absent for a new one. */
  readonly version?: number | undefined;
}

/**
 * A door's message for a notification, opaque to the steps: the Paygate door's URLNotify POST or
 * the JSON API door's webhook to one endpoint — each a row of its outbox (src/notify).
 */
export type DoorMessage = OutboxMessage;

/** A rendered notification, keyed by its event (the outbox holds one per payment, XID and event). */
export interface OutgoingNotification {
  readonly event: PaymentEvent;
  readonly message: DoorMessage;
}

/** A ReqId's first use (reference §4.1), claimed in the transaction of the action it names. */
export interface Replay {
  readonly merchantId: string;
  readonly reqId: string;
  /** The action kind the ReqId first named (`init`, `capture`, …). */
  readonly page: string;
  readonly payId: string;
  readonly xid: string;
}

/** One state change of one payment, written at once (`PaymentStore.commit`). */
export interface PaymentChange {
  /**
   * The changed record: saved over `version`, or inserted when `version` is absent; omitted when
   * only the call or the ReqId claim is new (a resumed action).
   */
  readonly record?: PaymentRecord | undefined;
  readonly replay?: Replay | undefined;
  /** The money-moving Amazon call the change plans, with its idempotency key. */
  readonly call?: PlannedCall | undefined;
  readonly notifications?: readonly OutgoingNotification[] | undefined;
  /** How an earlier planned call ended, written with the outcome it produced. */
  readonly finished?: FinishedCall | undefined;
}

export interface FinishedCall {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  /** `unknown`: no answer; the call is resumed later with the same key. */
  readonly state: "succeeded" | "failed" | "unknown";
  readonly reasonCode?: string | undefined;
}

export interface Committed {
  readonly version: number;
  /** The planned call as stored: for a resumed action, the request planned the first time. */
  readonly call?: PlannedCall | undefined;
}

/** Another process saved the payment first: the step reloads and decides again. */
export class ConcurrentUpdateError extends Error {
  override name = "ConcurrentUpdateError";
  constructor(
    readonly merchantId: string,
    readonly payId: string,
    readonly expectedVersion: number,
  ) {
    super(`payment ${payId} of ${merchantId} changed since version ${expectedVersion}`);
  }
}

/** The ReqId was claimed by an earlier (or concurrent) request: the change rolled back. */
export class ReqIdReplayError extends Error {
  override name = "ReqIdReplayError";
  constructor(readonly record: { readonly reqId: string; readonly payId?: string; readonly xid?: string }) {
    super(`ReqId ${record.reqId} was used before`);
  }
}

/** A call whose outcome stayed unknown, claimed for the reconciliation job to resume. */
export interface CutCall {
  readonly merchantId: string;
  readonly idempotencyKey: string;
  readonly payId: string;
  readonly xid: string;
  /** The job's tries of this call so far, this one included. */
  readonly attempts: number;
}

export interface DueSettlement {
  readonly merchantId: string;
  readonly payId: string;
  readonly attempts: number;
}

export interface PaymentStore {
  load(merchantId: string, payId: string): Promise<PaymentRecord | undefined>;
  /** The action an earlier request with this ReqId performed (per merchant). */
  findReplay(merchantId: string, reqId: string): Promise<{ payId: string; xid: string } | undefined>;
  /** The merchant's checkout that holds the charge permission (the initial one first). */
  findPermissionOwner(merchantId: string, chargePermissionId: string): Promise<PaymentRecord | undefined>;
  /**
   * Writes the change in one transaction: the ReqId claim first, the payment (over its version),
   * the planned call, the notifications, how a call ended. Throws {@link ConcurrentUpdateError} or
   * {@link ReqIdReplayError}; then nothing was written.
   */
  commit(change: PaymentChange): Promise<Committed>;
  /**
   * Loads the payment and writes what `decide` makes of it, in one transaction (`undefined`: a
   * payment the merchant does not have; no change: nothing is written). `decide` runs inside the
   * transaction and must not wait on I/O. Throws as {@link commit} does.
   */
  change<T>(
    merchantId: string,
    payId: string,
    decide: (record: PaymentRecord | undefined) => {
      readonly result: T;
      readonly change?: PaymentChange | undefined;
    },
  ): Promise<{ readonly result: T; readonly committed?: Committed | undefined }>;
  /**
   * How a planned call ended, on its own (the reconciliation job closing a call settled by
   * another path); a step writes it with its outcome (`PaymentChange.finished`).
   */
  finishCall(
    merchantId: string,
    idempotencyKey: string,
    state: "succeeded" | "failed" | "unknown",
    reasonCode?: string,
  ): Promise<void>;
  /** Whether the call is still open (planned, sent or unknown). */
  isCallOpen(merchantId: string, idempotencyKey: string): Promise<boolean>;
  /**
   * Leases resumable calls that are due — `graceMs` after their last touch, then on their stored
   * schedule — counting the try and setting the next one `delayOf(attempts)` later
   * (`FOR UPDATE SKIP LOCKED`). Calls given up are not claimed.
   */
  claimCutCalls(
    now: number,
    graceMs: number,
    delayOf: (attempts: number) => number,
    limit: number,
  ): Promise<CutCall[]>;
  /** Stops the job's tries of a call still open after its last one. */
  giveUpCall(merchantId: string, idempotencyKey: string, now: number): Promise<void>;
  /** Leases unsettled payments whose next check is due, pushing each one's next check out. */
  claimDueSettlements(
    now: number,
    firstDelayMs: number,
    delayOf: (attempts: number) => number,
    limit: number,
  ): Promise<DueSettlement[]>;
  /** Something was settled: the payment's backoff starts again. */
  resetSettlementSchedule(merchantId: string, payId: string): Promise<void>;
  /**
   * The payment's first notification exists and the shop has not answered it with a 2xx yet
   * (pending or given up); `false` when there is none (no URLNotify) or it was delivered.
   */
  firstNotifyUnanswered(merchantId: string, payId: string): Promise<boolean>;
}

/**
 * Turns a shop notification (a domain event) into one door's messages — Paygate: the encrypted
 * URLNotify body for the shop's URLNotify; the JSON API: one signed-at-send webhook per active
 * endpoint. None when the door has nobody to tell. Rendered while the change that writes it is
 * decided, inside its transaction, so it does no I/O and each message is exactly what the state
 * change said.
 */
export type RenderNotification = (door: DoorData, notification: ShopNotification) => readonly DoorMessage[];

/** One door's side of the notifier port. */
export interface DoorNotifier {
  /**
   * The merchant's renderer (`undefined`: a merchant the door does not know, nobody to tell).
   * Asked before the step's transaction: what it needs (the merchant's keys, its active webhook
   * endpoints) is read here, so rendering inside the transaction does no I/O (PGlite has one
   * connection: a read outside an open transaction would wait for it forever).
   */
  rendererFor(merchantId: string): Promise<RenderNotification | undefined>;
}

/**
 * The steps' notifier port: every door with a subscriber gets each event ({@link notifyDoors});
 * the messages are committed with the state change, then the one delivery worker is woken.
 */
export interface Notifier extends DoorNotifier {
  /** Notifications were committed: deliver them now. */
  wake(): void;
}

/** The notifier port over the doors: each event goes to every door, in order. */
export function notifyDoors(doors: readonly DoorNotifier[], wake: () => void): Notifier {
  return {
    async rendererFor(merchantId) {
      const renderers: RenderNotification[] = [];
      for (const each of doors) {
        const renderer = await each.rendererFor(merchantId);
        if (renderer !== undefined) renderers.push(renderer);
      }
      if (renderers.length === 0) return undefined;
      return (door, notification) => renderers.flatMap((render) => render(door, notification));
    },
    wake,
  };
}

export interface PaymentDeps {
  readonly store: PaymentStore;
  /** The merchant's Amazon link; `undefined` for an unknown merchant. */
  readonly amazonFor: (merchantId: string) => Promise<AmazonLink | undefined>;
  readonly notifier: Notifier;
  /** 32 lower-case hex characters (PayID, XID). */
  readonly newId: () => string;
  readonly clock: Clock;
  readonly logger: Logger;
}
