/**
 * What the flow services need from the rest of the gateway: the merchant's Amazon link, the
 * payment store (payments with their checkout context, ReqId replays, the URLNotify outbox) and
 * ids. Adapters over the store and the Amazon client implement these.
 */
import type { AmazonPayClient } from "../../amazon/client.js";
import type { Clock } from "../../core/clock.js";
import type { Payment, PaymentEvent } from "../../core/payment.js";
import type { CheckoutValues } from "../../paygate/pages/checkout-answer.js";
import type { PaygateMerchant } from "../../paygate/pages/receive.js";
import type { Database, Queryable } from "../../store/database.js";
import type { PaymentIntent, ShopReturn } from "./types.js";

/** A merchant's Amazon Pay account as the flows use it. */
export interface AmazonLink {
  readonly client: AmazonPayClient;
  readonly region: "eu" | "na" | "jp";
  readonly amazonMerchantId: string;
  readonly storeId: string;
  readonly publicKeyId: string;
  /** Live accounts get no simulation codes (Amazon refuses them there). */
  readonly live: boolean;
  /** The merchant's setting: completion may end `AuthorizationInitiated`, settled later. */
  readonly canHandlePendingAuthorization: boolean;
  /** Button signature, algorithm AMZN-PAY-RSASSA-PSS: Paygate shops pass no algorithm (§5.0). */
  signButtonPayload(payloadJson: string): string;
}

/** What a payment keeps beside the core aggregate: how to answer the shop, what was agreed. */
export interface CheckoutContext {
  readonly shop: ShopReturn;
  readonly countryCode: string;
  readonly intent: PaymentIntent;
  readonly processOrder: boolean;
  readonly presentmentCurrency?: string | undefined;
  readonly softDescriptor?: string | undefined;
  readonly noteToBuyer?: string | undefined;
  readonly merchantReferenceId: string;
  readonly simulationCode?: string | undefined;
  readonly returns: { readonly review: string; readonly result: string; readonly cancel: string };
  readonly button: { readonly payload: string; readonly signature: string; readonly publicKeyId: string };
  /** Where the buyer was sent after completion (a reload of the result page goes there again). */
  readonly completionLocation?: string | undefined;
  /** Buyer data of a completion Amazon decides later, for its notify (settle.ts). */
  readonly completionDetails?: CheckoutValues | undefined;
}

export interface PaymentRecord {
  readonly payment: Payment;
  readonly context: CheckoutContext;
  /** The store's optimistic-concurrency version the record was read at (opaque to the flows). */
  readonly version?: number;
}

export interface NotifyRow {
  readonly merchantId: string;
  readonly payId: string;
  readonly event: PaymentEvent;
  readonly url: string;
  /** The POST form `Len=…&Data=…[&custom]`, encoded at the state change. */
  readonly body: string;
}

export interface PaymentStore {
  insert(tx: Queryable, record: PaymentRecord, reqId?: string): Promise<void>;
  /** The merchant's payment; `lock` takes a row lock for the rest of the transaction. */
  load(q: Queryable, merchantId: string, payId: string, lock?: boolean): Promise<PaymentRecord | undefined>;
  save(tx: Queryable, record: PaymentRecord): Promise<void>;
  /** The action an earlier request with this ReqId performed (per merchant, reference §4.1). */
  findReplay(
    q: Queryable,
    merchantId: string,
    reqId: string,
  ): Promise<{ payId: string; xid: string } | undefined>;
  recordReplay(tx: Queryable, replay: Replay): Promise<void>;
  enqueueNotify(tx: Queryable, row: NotifyRow): Promise<void>;
  /**
   * Records a money-moving Amazon call with its idempotency key before it is made; returns the
   * request to send: the one planned first when the call was planned before (a resumed action).
   */
  planCall(tx: Queryable, call: PlannedCall): Promise<unknown>;
  /** How the call ended (`unknown`: no answer; resumed later with the same key). */
  finishCall(
    merchantId: string,
    idempotencyKey: string,
    state: "succeeded" | "failed" | "unknown",
    reasonCode?: string,
  ): Promise<void>;
}

export interface FlowDeps {
  readonly db: Database;
  readonly store: PaymentStore;
  readonly findMerchant: (merchantId: string) => Promise<PaygateMerchant | undefined>;
  readonly amazonFor: (merchantId: string) => Promise<AmazonLink | undefined>;
  /** 32 lower-case hex characters (PayID, XID). */
  readonly newId: () => string;
  readonly clock: Clock;
  /** Called after a transaction that queued notifies committed. */
  readonly notified: () => void;
}

export interface PlannedCall {
  readonly merchantId: string;
  readonly payId: string;
  readonly xid: string;
  readonly sequence: number;
  readonly action: string;
  /** The connector method, e.g. `captureCharge`. */
  readonly amazonOperation: string;
  readonly idempotencyKey: string;
  readonly request: unknown;
}

export interface Replay {
  readonly merchantId: string;
  readonly reqId: string;
  /** The action kind the ReqId first named (`init`, `capture`, …). */
  readonly page: string;
  readonly payId: string;
  readonly xid: string;
}
