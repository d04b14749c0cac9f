/**
 * In-memory fakes of the payment steps' ports, for their unit tests: a store that keeps rows in
 * maps and records every commit (with the store's own rules: versions, one ReqId claim, the
 * first planned call kept), an Amazon link whose client answers what the test scripts, a
 * notifier that records what it rendered. The scenario tests in test/ run the real ones.
 */
import type { AmazonPayClient } from "../amazon/client.js";
import type { Charge, ChargePermission, CheckoutSession, Refund } from "../amazon/wire.js";
import { ManualClock } from "../core/clock.js";
import type { ShopNotification } from "../core/outcome.js";
import {
  beginCompletion,
  initPayment,
  type Payment,
  type PaymentResult,
  recordBuyerReturn,
  recordOutcome,
} from "../core/payment.js";
import { silentLogger } from "../log.js";
import type { PlannedCall } from "./amazon-calls.js";
import {
  type AmazonLink,
  type CheckoutContext,
  type Committed,
  ConcurrentUpdateError,
  type CutCall,
  type PaymentChange,
  type PaymentDeps,
  type PaymentRecord,
  type PaymentStore,
  type Replay,
  ReqIdReplayError,
} from "./ports.js";

export const MERCHANT = "Shop1";

export class FakeStore implements PaymentStore {
  readonly payments = new Map<string, PaymentRecord & { version: number }>();
  readonly replays = new Map<string, Replay>();
  readonly calls = new Map<string, PlannedCall & { state: string; reasonCode?: string | undefined }>();
  readonly commits: PaymentChange[] = [];
  /** Makes the next commits fail as if another process had saved the payment first. */
  conflicts = 0;

  async load(merchantId: string, payId: string) {
    return this.payments.get(`${merchantId}/${payId}`);
  }

  async findReplay(merchantId: string, reqId: string) {
    const replay = this.replays.get(`${merchantId}/${reqId}`);
    return replay && { payId: replay.payId, xid: replay.xid };
  }

  async findPermissionOwner(merchantId: string, chargePermissionId: string) {
    return [...this.payments.values()].find(
      (record) =>
        record.payment.merchantId === merchantId &&
        record.payment.amazon.chargePermissionId === chargePermissionId &&
        record.payment.checkoutMode !== "MerchantInitiated",
    );
  }

  async commit(change: PaymentChange): Promise<Committed> {
    const { record, replay, call } = change;
    if (replay !== undefined && this.replays.has(`${replay.merchantId}/${replay.reqId}`)) {
      throw new ReqIdReplayError(replay);
    }
    let version = 0;
    if (record !== undefined) {
      const key = `${record.payment.merchantId}/${record.payment.payId}`;
      const current = this.payments.get(key);
      if (this.conflicts > 0 || (current !== undefined && current.version !== record.version)) {
        this.conflicts = Math.max(0, this.conflicts - 1);
        throw new ConcurrentUpdateError(record.payment.merchantId, record.payment.payId, record.version ?? 0);
      }
      version = (current?.version ?? 0) + 1;
      this.payments.set(key, { ...record, version });
    }
    if (replay !== undefined) this.replays.set(`${replay.merchantId}/${replay.reqId}`, replay);
    let stored: PlannedCall | undefined;
    if (call !== undefined) {
      const key = `${call.merchantId}/${call.idempotencyKey}`;
      if (!this.calls.has(key)) this.calls.set(key, { ...call, state: "planned" });
      stored = this.calls.get(key);
    }
    if (change.finished !== undefined) {
      const { merchantId, idempotencyKey, state, reasonCode } = change.finished;
      await this.finishCall(merchantId, idempotencyKey, state, reasonCode);
    }
    this.commits.push(change);
    return { version, ...(stored === undefined ? {} : { call: stored }) };
  }

  async change<T>(
    merchantId: string,
    payId: string,
    decide: (record: PaymentRecord | undefined) => { result: T; change?: PaymentChange | undefined },
  ): Promise<{ result: T; committed?: Committed | undefined }> {
    const { result, change } = decide(await this.load(merchantId, payId));
    return change === undefined ? { result } : { result, committed: await this.commit(change) };
  }

  async finishCall(merchantId: string, idempotencyKey: string, state: string, reasonCode?: string) {
    const call = this.calls.get(`${merchantId}/${idempotencyKey}`);
    if (call !== undefined) this.calls.set(`${merchantId}/${idempotencyKey}`, { ...call, state, reasonCode });
  }

  async isCallOpen(merchantId: string, idempotencyKey: string) {
    const state = this.calls.get(`${merchantId}/${idempotencyKey}`)?.state;
    return state === "planned" || state === "unknown";
  }

  async claimCutCalls(): Promise<CutCall[]> {
    return [];
  }

  async giveUpCall() {}

  async claimDueSettlements() {
    return [];
  }

  async resetSettlementSchedule() {}

  /** Payments whose first notify the shop has not answered (`firstNotifyUnanswered`). */
  readonly unansweredFirstNotify = new Set<string>();

  async firstNotifyUnanswered(merchantId: string, payId: string) {
    return this.unansweredFirstNotify.has(`${merchantId}/${payId}`);
  }

  /** The notifications all commits carried, as the fake notifier rendered them. */
  notified(): ShopNotification[] {
    return this.commits.flatMap((change) =>
      (change.notifications ?? []).map((n) => JSON.parse(n.message.body) as ShopNotification),
    );
  }
}

type Handler = (...args: never[]) => unknown;

/**
 * An Amazon client that answers what the test set per method (`answer`) and records each call;
 * a method without an answer fails the test.
 */
export class FakeAmazon {
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly #answers = new Map<string, Handler>();

  answer(method: keyof AmazonPayClient, handler: (...args: never[]) => unknown): this {
    this.#answers.set(method, handler);
    return this;
  }

  called(method: string): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  /** Argument `index` of the `nth` call of `method` (the test fails when there was none). */
  argument<T>(method: string, nth: number, index: number): T {
    const args = this.called(method)[nth];
    if (args === undefined) throw new Error(`no call ${nth} of ${method}`);
    return args[index] as T;
  }

  get client(): AmazonPayClient {
    return new Proxy({} as AmazonPayClient, {
      get:
        (_target, method: string) =>
        async (...args: unknown[]) => {
          this.calls.push({ method, args });
          const handler = this.#answers.get(method);
          if (handler === undefined) throw new Error(`unexpected Amazon call ${method}`);
          return { body: await (handler as (...a: unknown[]) => unknown)(...args) };
        },
    });
  }
}

export function fakeLink(amazon: FakeAmazon, overrides: Partial<AmazonLink> = {}): AmazonLink {
  return {
    client: amazon.client,
    region: "eu",
    amazonMerchantId: "A2MERCHANT",
    storeId: "amzn1.application-oa2-client.store",
    publicKeyId: "SANDBOX-KEY",
    live: false,
    canHandlePendingAuthorization: false,
    signButtonPayload: (json) => `signed:${json.length}`,
    ...overrides,
  };
}

export interface Fakes {
  readonly deps: PaymentDeps;
  readonly store: FakeStore;
  readonly amazon: FakeAmazon;
  readonly clock: ManualClock;
  /** How often the notifier was woken. */
  readonly wakes: () => number;
}

export function fakes(options: { readonly link?: Partial<AmazonLink> } = {}): Fakes {
  const store = new FakeStore();
  const amazon = new FakeAmazon();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let sequence = 0;
  let wakes = 0;
  const link = fakeLink(amazon, options.link);
  return {
    store,
    amazon,
    clock,
    wakes: () => wakes,
    deps: {
      store,
      amazonFor: async (merchantId) => (merchantId === MERCHANT ? link : undefined),
      notifier: {
        // The door's message is the notification itself, so tests read back what was committed.
        rendererFor: async () => (door, notification) => [
          { channel: "urlnotify", url: String(door.urlNotify ?? ""), body: JSON.stringify(notification) },
        ],
        wake: () => {
          wakes += 1;
        },
      },
      newId: () => (++sequence).toString(16).padStart(32, "0"),
      clock,
      logger: silentLogger(),
    },
  };
}

export const CONTEXT: CheckoutContext = {
  shop: { urlNotify: "https://shop.example/notify" },
  countryCode: "EU",
  intent: "Authorize",
  processOrder: false,
  merchantReferenceId: "T1",
  returns: { review: "https://kasse/review", result: "https://kasse/result", cancel: "https://kasse/cancel" },
  button: { payload: "{}", signature: "s", publicKeyId: "k" },
};

function ok(result: PaymentResult): Extract<PaymentResult, { ok: true }> {
  if (!result.ok) throw new Error(JSON.stringify(result.refusal));
  return result;
}

/** A payment of 100.00 EUR through the steps' own core functions, up to `until`. */
export function paymentUntil(
  until: "initialised" | "buyerReturned" | "authorized",
  payId = "a".repeat(32),
): Payment {
  let payment = ok(
    initPayment({
      payId,
      xid: "1".repeat(32),
      merchantId: MERCHANT,
      transId: "T1",
      amount: 100_00,
      currency: "EUR",
      txType: "Authorize",
      checkoutMode: "Standard",
    }),
  ).payment;
  if (until === "initialised") return payment;
  payment = ok(recordBuyerReturn(payment, "session-1", "2".repeat(32))).payment;
  if (until === "buyerReturned") return payment;
  const begun = ok(beginCompletion(payment, "3".repeat(32)));
  return ok(
    recordOutcome(begun.payment, begun.action.xid, {
      kind: "authorized",
      chargePermissionId: "P1",
      chargeId: "C1",
    }),
  ).payment;
}

/** Puts a payment into the fake store as if an earlier step had committed it. */
export function stored(
  store: FakeStore,
  payment: Payment,
  context: CheckoutContext = CONTEXT,
): PaymentRecord {
  const record = { payment, context, version: 1 };
  store.payments.set(`${payment.merchantId}/${payment.payId}`, record);
  return record;
}

export function charge(state: Charge["statusDetails"]["state"], reasonCode: string | null = null): Charge {
  return {
    chargeId: "C1",
    chargePermissionId: "P1",
    statusDetails: { state, reasonCode, reasonDescription: null, lastUpdatedTimestamp: "20260101T000000Z" },
  } as Charge;
}

export function refundOf(state: Refund["statusDetails"]["state"], reasonCode: string | null = null): Refund {
  return {
    refundId: "R1",
    chargeId: "C1",
    statusDetails: { state, reasonCode, reasonDescription: null, lastUpdatedTimestamp: "20260101T000000Z" },
  } as Refund;
}

export function session(state: CheckoutSession["statusDetails"]["state"], reasonCode: string | null = null) {
  return {
    checkoutSessionId: "session-1",
    chargePermissionType: "OneTime",
    chargeId: state === "Completed" ? "C1" : null,
    buyer: { buyerId: "B1", name: "Jane Doe", email: "jane@example.com", phoneNumber: null },
    billingAddress: null,
    shippingAddress: {
      name: "Jane Doe",
      addressLine1: "Hauptstr. 1",
      addressLine2: null,
      addressLine3: null,
      city: "Berlin",
      county: null,
      district: null,
      stateOrRegion: null,
      postalCode: "10115",
      countryCode: "DE",
      phoneNumber: "",
    },
    paymentPreferences: [{ paymentDescriptor: "Visa ****1111" }],
    webCheckoutDetails: { amazonPayRedirectUrl: null },
    statusDetails: { state, reasonCode, reasonDescription: null, lastUpdatedTimestamp: "20260101T000000Z" },
  } as unknown as CheckoutSession;
}

export function permission(state: ChargePermission["statusDetails"]["state"]): ChargePermission {
  return {
    chargePermissionId: "P1",
    chargePermissionType: "Recurring",
    expirationTimestamp: null,
    statusDetails: { state, reasons: state === "Closed" ? [{ reasonCode: "BuyerCanceled" }] : null },
  } as unknown as ChargePermission;
}
