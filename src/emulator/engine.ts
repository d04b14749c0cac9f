/**
 * The emulator's engine, one module per resource under `engine/`: Checkout Sessions, Charge
 * Permissions, Charges, Refunds and Buyers apply the pure state machines of `state/` to the
 * records `engine/records.ts` loads (timers applied) and saves with their IPN outbox rows, in
 * one unit of work per request (`engine/work.ts`: its transaction and its emulated now, read
 * once). Reports live in `reports/`, IPN delivery in `ipn/`. The HTTP layer (`api/`), the admin
 * API and the buyer side (`buyer/`, through {@link BuyerEngine} and {@link BuyerAccountEngine})
 * are its callers.
 */
import type { Database } from "../store/database.js";
import { CREATE_CHECKOUT_SESSION, SIGN_IN_PAYLOAD } from "./api/request-schemas.js";
import { parseBody } from "./api/schema.js";
import type { BuyerAccountEngine } from "./buyer/account-routes.js";
import type { BuyerEngine } from "./buyer/engine-port.js";
import { confirmPageUrl } from "./buyer/paths.js";
import type { EmulatedClock } from "./clock.js";
import { Buyers } from "./engine/buyers.js";
import { ChargePermissions } from "./engine/charge-permissions.js";
import { Charges } from "./engine/charges.js";
import { CheckoutSessions } from "./engine/checkout-sessions.js";
import { Records } from "./engine/records.js";
import { Refunds } from "./engine/refunds.js";
import { sweepTimers } from "./engine/timers.js";
import { type Work, WorkRunner } from "./engine/work.js";
import type { IdSource } from "./ids.js";
import { KeyDirectory } from "./store/key-directory.js";

export type { Answer, ApiContext, Work } from "./engine/work.js";

export interface EngineOptions {
  readonly db: Database;
  readonly clock: EmulatedClock;
  readonly ids: IdSource;
  /** The emulator's https origin, for amazonPayRedirectUrl. */
  readonly baseUrl: () => string;
  /** Called after a commit that enqueued IPNs (wakes the IPN worker). */
  readonly onNotices?: () => void;
}

/** A button payload arrives as JSON text or as an object; either is validated as a body. */
function payloadText(payload: unknown): string {
  return typeof payload === "string" ? payload : JSON.stringify(payload);
}

export class EmulatorEngine {
  readonly db: Database;
  readonly clock: EmulatedClock;
  readonly ids: IdSource;
  readonly checkoutSessions: CheckoutSessions;
  readonly chargePermissions: ChargePermissions;
  readonly charges: Charges;
  readonly refunds: Refunds;
  readonly buyers: Buyers;
  /** Registered public keys with their merchants, shared by API authentication and button checks. */
  readonly keys: KeyDirectory;
  /** What the buyer pages and shortcuts drive. */
  readonly buyerSide: BuyerEngine;
  /** What the buyer's Amazon account page drives. */
  readonly buyerAccount: BuyerAccountEngine;
  readonly #runner: WorkRunner;
  readonly #records: Records;

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.ids = options.ids;
    this.#runner = new WorkRunner(options.db, options.clock, options.onNotices);
    this.#records = new Records((sessionId) => confirmPageUrl(options.baseUrl(), sessionId));
    this.checkoutSessions = new CheckoutSessions(this.#records, options.ids, this.#runner);
    this.chargePermissions = new ChargePermissions(this.#records, this.#runner);
    this.charges = new Charges(this.#records, options.ids);
    this.refunds = new Refunds(this.#records, options.ids);
    this.keys = new KeyDirectory(options.db);
    this.buyers = new Buyers(options.db, options.ids, this.#runner, this.keys);
    const sessions = this.checkoutSessions;
    const buyers = this.buyers;
    this.buyerSide = {
      findButtonKey: (publicKeyId) => buyers.findButtonKey(publicKeyId),
      createSessionFromButton: (merchantId, environment, payload) =>
        sessions.createFromButton(
          merchantId,
          environment,
          parseBody(CREATE_CHECKOUT_SESSION, payloadText(payload)),
        ),
      loadSession: (id) => sessions.load(id),
      signIn: (id, choice) => sessions.signIn(id, choice),
      changeAddress: (id, address) => sessions.changeAddress(id, address),
      changeInstrument: (id, instrument) => sessions.changeInstrument(id, instrument),
      authenticate: (id) => sessions.authenticate(id),
      cancelByBuyer: (id) => sessions.cancelByBuyer(id),
      createSignInFromButton: (merchantId, environment, payload) =>
        buyers.createSignIn(merchantId, environment, parseBody(SIGN_IN_PAYLOAD, payloadText(payload))),
      loadSignIn: (id) => buyers.loadSignIn(id),
      completeSignIn: (id, choice) => buyers.completeSignIn(id, choice),
      cancelSignIn: (id) => buyers.cancelSignIn(id),
    };
    const permissions = this.chargePermissions;
    this.buyerAccount = {
      loadBuyerAccount: (id) => permissions.loadBuyerAccount(id),
      updatePaymentMethodByBuyer: (id, choose) => permissions.updatePaymentMethodByBuyer(id, choose),
      closeByBuyer: (id) => permissions.closeByBuyer(id),
    };
  }

  /** Runs `fn` as one unit of work: one transaction, one reading of the emulated clock. */
  transact<T>(fn: (work: Work) => Promise<T>): Promise<T> {
    return this.#runner.run(fn);
  }

  /** The emulated now, current across processes sharing the database. */
  currentTime(): Promise<number> {
    return this.#runner.currentTime();
  }

  /** Applies every timer due on the emulated clock; returns how many sessions and families it touched. */
  sweep(): Promise<number> {
    return sweepTimers(this.db, this.#runner, this.#records);
  }
}
