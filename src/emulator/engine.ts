/**
 * The emulator's engine: loads records, runs their timers (lazily on every read and in
 * {@link EmulatorEngine.sweep}), applies the pure state machines of `state/`, and saves the
 * records with their IPN outbox rows in the caller's transaction. The HTTP layer (`api/`) and
 * the buyer side (`buyer/`, through {@link BuyerEngine}) are its only callers.
 */

import type {
  Address,
  ChargePermission,
  CheckoutSession,
  RecurringMetadata,
  SignInBuyer,
} from "../amazon/wire.js";
import type { Money } from "../core/money.js";
import { CREATE_CHECKOUT_SESSION, SIGN_IN_PAYLOAD } from "./api/request-schemas.js";
import { parseBody } from "./api/schema.js";
import type { ButtonKey, BuyerEngine, EngineSessionView, SignInView } from "./buyer/engine-port.js";
import { confirmPageUrl } from "./buyer/paths.js";
import type { BuyerChoice, WalletAddressEntry, WalletInstrument } from "./buyer/wallet.js";
import type { EmulatedClock } from "./clock.js";
import { AmazonError, notFound } from "./errors.js";
import type { IdSource } from "./ids.js";
import {
  authorizationOutcome,
  type ChargeRecord,
  cancelCharge,
  captureCharge,
  chargeDueAt,
  isCancelable,
  openCharge,
  renderCharge,
} from "./state/charge.js";
import {
  assertChargeable,
  closePermission,
  type PermissionRecord,
  type PermissionResult,
  permissionDueAt,
  renderPermission,
  replacePaymentMethod,
  updatePermission,
} from "./state/charge-permission.js";
import {
  associateBuyer,
  authenticateSession,
  completeSession,
  createSession,
  isRetained,
  renderSession,
  resultRedirectUrl,
  type SessionPatch,
  type SessionRecord,
  type SessionSpec,
  sessionDueAt,
  tickSession,
  updateSession,
  withCartDetails,
} from "./state/checkout-session.js";
import { DAY, type Environment, type Notice, type Region, renderPrice, status } from "./state/common.js";
import { type Family, settle, tickFamily } from "./state/family.js";
import { openRefund, type RefundRecord, refundDueAt, renderRefund } from "./state/refund.js";
import type { SimulationEffect } from "./state/simulation.js";
import { choiceDetails } from "./state/wallet-choice.js";
import {
  type Database,
  deleteObject,
  findDue,
  findMerchant,
  findPublicKey,
  insertNotices,
  loadFamilyRows,
  loadObject,
  type MerchantRow,
  type Queryable,
  saveObject,
} from "./store/repository.js";

export interface ApiContext {
  readonly merchant: MerchantRow;
  readonly environment: Environment;
}

/** An HTTP answer: status and JSON body. Error answers returned (not thrown) keep their changes. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export interface EngineOptions {
  readonly db: Database;
  readonly clock: EmulatedClock;
  readonly ids: IdSource;
  /** The emulator's https origin, for amazonPayRedirectUrl. */
  readonly baseUrl: () => string;
  /** Called after a commit that enqueued IPNs (wakes the IPN worker). */
  readonly onNotices?: () => void;
}

interface BuyerTokenRecord {
  readonly token: string;
  readonly buyer: SignInBuyer;
  readonly expiresAt: number;
}

/** A SignIn button click (§4.6) as stored until the buyer signs in or cancels. */
interface SignInRecord {
  readonly signInId: string;
  readonly merchantId: string;
  readonly environment: Environment;
  readonly region: Region;
  readonly signInReturnUrl: string;
  readonly signInCancelUrl: string | null;
  readonly scopes: readonly string[];
  readonly state: SignInView["state"];
  readonly createdAt: number;
}

/** Buyer tokens of the SignIn button are kept for a day (lifetime unconfirmed, §4.6). */
const BUYER_TOKEN_LIFETIME = DAY;

function releaseEnvironment(environment: Environment): "Sandbox" | "Live" {
  return environment === "live" ? "Live" : "Sandbox";
}

function errorAnswer(error: AmazonError): Answer {
  return { status: error.status, body: error.toBody() };
}

/** Converts a validated Create Checkout Session body (or button payload) into the state machine's spec. */
function sessionSpecOf(body: Record<string, unknown>): SessionSpec {
  const recurring = body.recurringMetadata as
    | { frequency?: RecurringMetadata["frequency"]; amount?: Money }
    | undefined;
  return {
    ...(body as unknown as SessionSpec),
    recurringMetadata: recurring === undefined ? undefined : recurringOf(recurring),
  } as SessionSpec;
}

function recurringOf(input: {
  frequency?: RecurringMetadata["frequency"];
  amount?: Money;
}): RecurringMetadata {
  return {
    frequency: input.frequency ?? null,
    amount: input.amount === undefined ? null : renderPrice(input.amount),
  };
}

function addressOfDetails(details: NonNullable<SessionRecord["addressDetails"]>): Address {
  return {
    name: details.name,
    addressLine1: details.addressLine1,
    addressLine2: details.addressLine2 ?? null,
    addressLine3: details.addressLine3 ?? null,
    city: details.city ?? null,
    county: details.districtOrCounty ?? null,
    district: null,
    stateOrRegion: details.stateOrRegion ?? null,
    postalCode: details.postalCode?.trim().toUpperCase() ?? null,
    countryCode: details.countryCode.trim().toUpperCase(),
    phoneNumber: details.phoneNumber,
  };
}

export class EmulatorEngine implements BuyerEngine {
  constructor(private readonly options: EngineOptions) {}

  get db(): Database {
    return this.options.db;
  }

  get clock(): EmulatedClock {
    return this.options.clock;
  }

  get ids(): IdSource {
    return this.options.ids;
  }

  /**
   * Runs `fn` in one transaction and wakes the IPN worker when it enqueued notifications. On
   * PostgreSQL, where several emulator processes may share the schema, the clock offset is read
   * first, so a `POST /__admin/clock` answered by another process counts here at once.
   */
  async transact<T>(fn: (tx: Queryable, notify: (count: number) => void) => Promise<T>): Promise<T> {
    let enqueued = 0;
    const result = await this.options.db.transaction(async (tx) => {
      await this.#refreshSharedClock(tx);
      return fn(tx, (count) => (enqueued += count));
    });
    if (enqueued > 0) this.options.onNotices?.();
    return result;
  }

  /** PGlite belongs to one process, whose clock is always current; PostgreSQL may be shared. */
  async #refreshSharedClock(db: Queryable): Promise<void> {
    if (this.options.db.engine === "postgres") await this.options.clock.load(db);
  }

  /** The emulated now, current across processes sharing the database. */
  async currentTime(): Promise<number> {
    await this.#refreshSharedClock(this.options.db);
    return this.#now();
  }

  // ─── persistence of records ────────────────────────────────────────────────────────────────

  #now(): number {
    return this.options.clock.now();
  }

  #redirectUrl(sessionId: string): string {
    return confirmPageUrl(this.options.baseUrl(), sessionId);
  }

  async #saveSession(tx: Queryable, session: SessionRecord, now: number): Promise<void> {
    await saveObject(tx, {
      kind: "CheckoutSession",
      id: session.id,
      merchantId: session.merchantId,
      environment: session.environment,
      parentId: null,
      state: session.status.state,
      record: session,
      body: renderSession(session, this.#redirectUrl(session.id), releaseEnvironment(session.environment)),
      dueAt: sessionDueAt(session),
      createdAt: session.createdAt,
      updatedAt: now,
    });
  }

  async #saveFamily(
    tx: Queryable,
    family: Family,
    changed: ReadonlySet<string> | "all",
    notices: readonly Notice[],
    now: number,
    notify: (count: number) => void,
  ): Promise<void> {
    const { permission } = family;
    const release = releaseEnvironment(permission.environment);
    const common = { merchantId: permission.merchantId, environment: permission.environment, updatedAt: now };
    const touched = (id: string) => changed === "all" || changed.has(id);
    // One row per record of the family: the record for the engine, the rendered body (only for
    // the records that changed) for GETs.
    const rows = [
      {
        kind: "ChargePermission" as const,
        record: permission,
        parentId: null,
        render: () => renderPermission(permission, family.charges, now, release),
        dueAt: permissionDueAt(permission),
      },
      ...family.charges.map((charge) => ({
        kind: "Charge" as const,
        record: charge,
        parentId: permission.id,
        render: () => renderCharge(charge, release),
        dueAt: chargeDueAt(charge),
      })),
      ...family.refunds.map((refund) => ({
        kind: "Refund" as const,
        record: refund,
        parentId: permission.id,
        render: () => renderRefund(refund, release),
        dueAt: refundDueAt(refund),
      })),
    ];
    for (const { kind, record, parentId, render, dueAt } of rows) {
      if (!touched(record.id)) continue;
      await saveObject(tx, {
        ...common,
        kind,
        id: record.id,
        parentId,
        state: record.status.state,
        record,
        body: render(),
        dueAt,
        createdAt: record.createdAt,
      });
    }
    await insertNotices(tx, permission.merchantId, permission.environment, notices);
    notify(notices.length);
  }

  /** Loads a session visible to the caller (`context` undefined: the buyer side), timers applied. */
  async #session(
    tx: Queryable,
    id: string,
    context: ApiContext | undefined,
    now: number,
  ): Promise<SessionRecord> {
    const stored = await loadObject<SessionRecord>(tx, "CheckoutSession", id, true);
    if (
      stored === undefined ||
      !isRetained(stored.record, now) ||
      (context !== undefined &&
        (stored.merchantId !== context.merchant.merchantId || stored.environment !== context.environment))
    ) {
      // A session past retention is gone even before the sweep deleted its row.
      throw notFound("Checkout Session", id);
    }
    const ticked = tickSession(stored.record, now);
    if (ticked !== stored.record) await this.#saveSession(tx, ticked, now);
    return ticked;
  }

  /** Loads a permission's family visible to the caller, with every due timer applied and saved. */
  async #family(
    tx: Queryable,
    chargePermissionId: string,
    context: ApiContext,
    now: number,
    notify: (count: number) => void,
  ): Promise<Family> {
    const rows = await loadFamilyRows(tx, chargePermissionId);
    const permissionRow = rows.find((row) => row.kind === "ChargePermission");
    if (
      permissionRow === undefined ||
      permissionRow.merchantId !== context.merchant.merchantId ||
      permissionRow.environment !== context.environment
    ) {
      throw notFound("Charge Permission", chargePermissionId);
    }
    return this.#tickAndSave(tx, rowsToFamily(rows), now, notify);
  }

  async #tickAndSave(
    tx: Queryable,
    family: Family,
    now: number,
    notify: (count: number) => void,
  ): Promise<Family> {
    const ticked = tickFamily(family, now);
    if (ticked.changed.size > 0)
      await this.#saveFamily(tx, ticked.family, ticked.changed, ticked.notices, now, notify);
    return ticked.family;
  }

  /** The family that holds a Charge or Refund, found through the child's parent id. */
  async #familyOf(
    tx: Queryable,
    kind: "Charge" | "Refund",
    id: string,
    context: ApiContext,
    now: number,
    notify: (count: number) => void,
  ): Promise<Family> {
    const stored = await loadObject(tx, kind, id);
    if (
      stored === undefined ||
      stored.parentId === null ||
      stored.merchantId !== context.merchant.merchantId ||
      stored.environment !== context.environment
    ) {
      throw notFound(kind, id);
    }
    return this.#family(tx, stored.parentId, context, now, notify);
  }

  /** A session's timers in the sweep: expiry, or deletion once past retention (§4.2). */
  async #sweepSession(tx: Queryable, id: string, now: number): Promise<void> {
    const stored = await loadObject<SessionRecord>(tx, "CheckoutSession", id, true);
    if (stored === undefined) return;
    if (isRetained(stored.record, now)) await this.#session(tx, id, undefined, now);
    else await deleteObject(tx, "CheckoutSession", id);
  }

  #renderSession(session: SessionRecord): CheckoutSession {
    return renderSession(session, this.#redirectUrl(session.id), releaseEnvironment(session.environment));
  }

  #renderPermission(family: Family, now: number): ChargePermission {
    return renderPermission(
      family.permission,
      family.charges,
      now,
      releaseEnvironment(family.permission.environment),
    );
  }

  // ─── Checkout Session (§4.2) ────────────────────────────────────────────────────────────────

  async createCheckoutSession(
    tx: Queryable,
    context: ApiContext,
    body: Record<string, unknown>,
  ): Promise<Answer> {
    const now = this.#now();
    const session = this.#newSession(context, sessionSpecOf(body), now);
    await this.#saveSession(tx, session, now);
    return { status: 201, body: this.#renderSession(session) };
  }

  #newSession(context: ApiContext, spec: SessionSpec, now: number): SessionRecord {
    return createSession(
      spec,
      {
        id: this.options.ids.checkoutSessionId(),
        merchantId: context.merchant.merchantId,
        environment: context.environment,
        region: context.merchant.region,
        storeId: context.merchant.storeId,
        ledgerCurrency: context.merchant.ledgerCurrency,
      },
      now,
    );
  }

  async getCheckoutSession(tx: Queryable, context: ApiContext, id: string): Promise<Answer> {
    const session = await this.#session(tx, id, context, this.#now());
    return { status: 200, body: this.#renderSession(session) };
  }

  async updateCheckoutSession(
    tx: Queryable,
    context: ApiContext,
    id: string,
    body: Record<string, unknown>,
  ): Promise<Answer> {
    const now = this.#now();
    const session = await this.#session(tx, id, context, now);
    const patch: SessionPatch = {
      ...(body as SessionPatch),
      recurringMetadata:
        body.recurringMetadata === undefined ? undefined : recurringOf(body.recurringMetadata as never),
    };
    const updated = updateSession(session, patch, context.merchant.ledgerCurrency);
    await this.#saveSession(tx, updated, now);
    return { status: 200, body: this.#renderSession(updated) };
  }

  async completeCheckoutSession(
    tx: Queryable,
    context: ApiContext,
    id: string,
    body: Record<string, unknown>,
    simulation: SimulationEffect | undefined,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const now = this.#now();
    const session = await this.#session(tx, id, context, now);
    return this.#complete(tx, session, body, simulation, now, notify);
  }

  async #complete(
    tx: Queryable,
    session: SessionRecord,
    body: Record<string, unknown>,
    simulation: SimulationEffect | undefined,
    now: number,
    notify: (count: number) => void,
    render: (wire: CheckoutSession) => CheckoutSession = (wire) => wire,
  ): Promise<Answer> {
    const chargePermissionId = this.options.ids.chargePermissionId(session.environment);
    const result = completeSession(
      session,
      {
        chargeAmount: (body.chargeAmount as Money) ?? null,
        totalOrderAmount: (body.totalOrderAmount as Money) ?? null,
      },
      simulation,
      { chargePermissionId, chargeId: this.options.ids.chargeId(chargePermissionId, 1) },
      now,
    );
    await this.#saveSession(tx, result.session, now);
    if (result.permission !== null) {
      const family: Family = {
        permission: result.permission,
        charges: result.charge ? [result.charge] : [],
        refunds: [],
      };
      await this.#saveFamily(tx, family, "all", result.notices, now, notify);
    }
    if (result.error !== undefined) return errorAnswer(result.error);
    return { status: result.httpStatus, body: render(this.#renderSession(result.session)) };
  }

  /** Finalize (§4.2, Buy Now): sets the intent, processes the payment if not done yet, completes. */
  async finalizeCheckoutSession(
    tx: Queryable,
    context: ApiContext,
    id: string,
    body: Record<string, unknown>,
    simulation: SimulationEffect | undefined,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const now = this.#now();
    let session = await this.#session(tx, id, context, now);
    if (session.status.state === "Open") {
      const paymentDetails: SessionPatch["paymentDetails"] = {};
      if (body.paymentIntent !== undefined)
        Object.assign(paymentDetails, { paymentIntent: body.paymentIntent });
      if (body.canHandlePendingAuthorization !== undefined) {
        Object.assign(paymentDetails, { canHandlePendingAuthorization: body.canHandlePendingAuthorization });
      }
      const patched = updateSession(
        session,
        Object.keys(paymentDetails).length === 0 ? {} : { paymentDetails },
        context.merchant.ledgerCurrency,
      );
      session = patched.authenticated ? patched : authenticateSession(patched, now);
      if (session.status.state === "Canceled") {
        await this.#saveSession(tx, session, now);
        return errorAnswer(
          new AmazonError(
            "CheckoutSessionCanceled",
            `The checkout session was canceled (${session.status.reasonCode}).`,
          ),
        );
      }
    }
    return this.#complete(tx, session, body, simulation, now, notify, withCartDetails);
  }

  // ─── Charge Permission (§4.3) ───────────────────────────────────────────────────────────────

  async getChargePermission(
    tx: Queryable,
    context: ApiContext,
    id: string,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const now = this.#now();
    const family = await this.#family(tx, id, context, now, notify);
    return { status: 200, body: this.#renderPermission(family, now) };
  }

  async updateChargePermission(
    tx: Queryable,
    context: ApiContext,
    id: string,
    body: Record<string, unknown>,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const now = this.#now();
    const family = await this.#family(tx, id, context, now, notify);
    const result = updatePermission(family.permission, {
      merchantMetadata: body.merchantMetadata as never,
      recurringMetadata:
        body.recurringMetadata === undefined ? undefined : recurringOf(body.recurringMetadata as never),
    });
    const next = { ...family, permission: result.permission };
    await this.#saveFamily(tx, next, new Set([id]), result.notices, now, notify);
    return { status: 200, body: this.#renderPermission(next, now) };
  }

  async closeChargePermission(
    tx: Queryable,
    context: ApiContext,
    id: string,
    body: Record<string, unknown>,
    simulation: SimulationEffect | undefined,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const now = this.#now();
    const family = await this.#family(tx, id, context, now, notify);
    const reasonCode = simulation?.kind === "closePermission" ? simulation.reasonCode : "MerchantClosed";
    const closed = closePermission(
      family.permission,
      reasonCode,
      (body.closureReason as string) ?? null,
      now,
    );
    const notices = [...closed.notices];
    const changed = new Set(closed.notices.length > 0 ? [id] : []);
    const charges = family.charges.map((charge) => {
      if (body.cancelPendingCharges !== true || !isCancelable(charge) || closed.notices.length === 0)
        return charge;
      const canceled = cancelCharge(
        charge,
        "ChargePermissionCanceled",
        "The charge permission was closed.",
        now,
      );
      notices.push(...canceled.notices);
      changed.add(charge.id);
      return canceled.charge;
    });
    const next = { ...family, permission: closed.permission, charges };
    await this.#saveFamily(tx, next, changed, notices, now, notify);
    return { status: 200, body: this.#renderPermission(next, now) };
  }

  // ─── the buyer's Amazon account (§5.2, §12) ──────────────────────────────────────────────────

  /** Changes a permission as its buyer does in their account; answers the permission as Get shows it. */
  async #changePermissionAsBuyer(
    chargePermissionId: string,
    change: (permission: PermissionRecord, now: number) => PermissionResult,
  ): Promise<unknown> {
    return this.transact(async (tx, notify) => {
      const now = this.#now();
      const rows = await loadFamilyRows(tx, chargePermissionId);
      if (!rows.some((row) => row.kind === "ChargePermission"))
        throw notFound("Charge Permission", chargePermissionId);
      const family = await this.#tickAndSave(tx, rowsToFamily(rows), now, notify);
      const result = change(family.permission, now);
      const next = { ...family, permission: result.permission };
      if (result.permission !== family.permission)
        await this.#saveFamily(tx, next, new Set([chargePermissionId]), result.notices, now, notify);
      return this.#renderPermission(next, now);
    });
  }

  /** A permission as its buyer's account page shows it (timers applied), or undefined. */
  async loadBuyerAccount(
    chargePermissionId: string,
  ): Promise<{ merchantName: string; permission: ChargePermission } | undefined> {
    return this.transact(async (tx, notify) => {
      const rows = await loadFamilyRows(tx, chargePermissionId);
      if (!rows.some((row) => row.kind === "ChargePermission")) return undefined;
      const now = this.#now();
      const family = await this.#tickAndSave(tx, rowsToFamily(rows), now, notify);
      const merchant = await findMerchant(tx, family.permission.merchantId);
      return {
        merchantName: merchant?.name ?? family.permission.merchantId,
        permission: this.#renderPermission(family, now),
      };
    });
  }

  /**
   * The buyer picks another payment method at `payments.amazon.com/jr/your-account/ba/{id}`:
   * `choose` gets the permission's buyer id and answers the buyer's choice.
   */
  async updatePaymentMethodByBuyer(
    chargePermissionId: string,
    choose: (buyerId: string) => BuyerChoice,
  ): Promise<unknown> {
    return this.#changePermissionAsBuyer(chargePermissionId, (permission, now) =>
      replacePaymentMethod(permission, choiceDetails(choose(permission.buyer.buyerId)).instrument, now),
    );
  }

  /** The buyer cancels a Recurring or PaymentMethodOnFile permission in their account: Closed/BuyerClosed. */
  async closeByBuyer(chargePermissionId: string): Promise<unknown> {
    return this.#changePermissionAsBuyer(chargePermissionId, (permission, now) => {
      if (permission.type === "OneTime") {
        throw new AmazonError(
          "InvalidRequest",
          "Buyers close Recurring and PaymentMethodOnFile charge permissions only (§5.2).",
        );
      }
      return closePermission(permission, "BuyerClosed", "The buyer closed the charge permission.", now);
    });
  }

  // ─── Charge (§4.4) ──────────────────────────────────────────────────────────────────────────

  async createCharge(
    tx: Queryable,
    context: ApiContext,
    body: Record<string, unknown>,
    simulation: SimulationEffect | undefined,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const now = this.#now();
    const family = await this.#family(tx, body.chargePermissionId as string, context, now, notify);
    const amount = body.chargeAmount as Money;
    if (body.softDescriptor !== undefined && body.captureNow !== true) {
      throw new AmazonError(
        "InvalidParameterCombination",
        "softDescriptor can only be set with captureNow true.",
      );
    }
    assertChargeable(family.permission, family.charges, amount, now);
    const outcome = authorizationOutcome(
      family.permission.instrument.outcome,
      simulation,
      body.canHandlePendingAuthorization === true,
    );
    const permission = family.permission;
    const created = openCharge(
      {
        id: this.options.ids.chargeId(permission.id, family.charges.length + 1),
        merchantId: permission.merchantId,
        environment: permission.environment,
        chargePermissionId: permission.id,
        amount,
        captureNow: body.captureNow === true,
        softDescriptor: (body.softDescriptor as string) ?? null,
        providerMetadata: {
          providerReferenceId:
            (body.providerMetadata as { providerReferenceId?: string })?.providerReferenceId ?? null,
        },
        merchantMetadata: {
          merchantReferenceId: null,
          merchantStoreName: null,
          noteToBuyer: null,
          customInformation: null,
          ...(body.merchantMetadata as object),
        },
        platformId: (body.platformId as string) ?? null,
        channel: (body.channel as ChargeRecord["channel"]) ?? null,
        chargeInitiator: (body.chargeInitiator as ChargeRecord["chargeInitiator"]) ?? null,
      },
      outcome,
      now,
    );
    const settled = settle(
      { ...family, charges: [...family.charges, created.charge] },
      now,
      new Set([created.charge.id]),
      [...created.notices],
    );
    await this.#saveFamily(tx, settled.family, settled.changed, settled.notices, now, notify);
    if (created.error !== undefined) return errorAnswer(created.error);
    return { status: 201, body: renderCharge(created.charge, releaseEnvironment(permission.environment)) };
  }

  async getCharge(
    tx: Queryable,
    context: ApiContext,
    id: string,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const family = await this.#familyOf(tx, "Charge", id, context, this.#now(), notify);
    return { status: 200, body: renderCharge(chargeIn(family, id), releaseEnvironment(context.environment)) };
  }

  async captureCharge(
    tx: Queryable,
    context: ApiContext,
    id: string,
    body: Record<string, unknown>,
    simulation: SimulationEffect | undefined,
    notify: (count: number) => void,
  ): Promise<Answer> {
    return this.#transitionCharge(tx, context, id, notify, (charge, now) =>
      captureCharge(
        charge,
        body.captureAmount as Money,
        (body.softDescriptor as string) ?? null,
        simulation,
        now,
      ),
    );
  }

  async cancelCharge(
    tx: Queryable,
    context: ApiContext,
    id: string,
    body: Record<string, unknown>,
    notify: (count: number) => void,
  ): Promise<Answer> {
    return this.#transitionCharge(tx, context, id, notify, (charge, now) =>
      cancelCharge(charge, "MerchantCanceled", (body.cancellationReason as string) ?? null, now),
    );
  }

  /** Applies a merchant's transition to one charge, then lets its family settle around it. */
  async #transitionCharge(
    tx: Queryable,
    context: ApiContext,
    id: string,
    notify: (count: number) => void,
    transition: (charge: ChargeRecord, now: number) => { charge: ChargeRecord; notices: readonly Notice[] },
  ): Promise<Answer> {
    const now = this.#now();
    const family = await this.#familyOf(tx, "Charge", id, context, now, notify);
    const result = transition(chargeIn(family, id), now);
    const charges = family.charges.map((charge) => (charge.id === id ? result.charge : charge));
    const settled = settle({ ...family, charges }, now, new Set([id]), [...result.notices]);
    await this.#saveFamily(tx, settled.family, settled.changed, settled.notices, now, notify);
    return { status: 200, body: renderCharge(result.charge, releaseEnvironment(context.environment)) };
  }

  // ─── Refund (§4.5) ──────────────────────────────────────────────────────────────────────────

  async createRefund(
    tx: Queryable,
    context: ApiContext,
    body: Record<string, unknown>,
    simulation: SimulationEffect | undefined,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const now = this.#now();
    const chargeId = body.chargeId as string;
    const family = await this.#familyOf(tx, "Charge", chargeId, context, now, notify);
    const charge = chargeIn(family, chargeId);
    const result = openRefund(
      {
        id: this.options.ids.refundId(family.permission.id, family.refunds.length + 1),
        charge,
        existing: family.refunds.filter((refund) => refund.chargeId === chargeId),
        amount: body.refundAmount as Money,
        softDescriptor: (body.softDescriptor as string) ?? null,
      },
      simulation,
      now,
    );
    const next = { ...family, refunds: [...family.refunds, result.refund] };
    await this.#saveFamily(tx, next, new Set([result.refund.id]), result.notices, now, notify);
    return { status: 201, body: renderRefund(result.refund, releaseEnvironment(context.environment)) };
  }

  async getRefund(
    tx: Queryable,
    context: ApiContext,
    id: string,
    notify: (count: number) => void,
  ): Promise<Answer> {
    const family = await this.#familyOf(tx, "Refund", id, context, this.#now(), notify);
    const refund = family.refunds.find((item) => item.id === id) as RefundRecord;
    return { status: 200, body: renderRefund(refund, releaseEnvironment(context.environment)) };
  }

  // ─── Buyer (§4.6) ───────────────────────────────────────────────────────────────────────────

  async getBuyer(tx: Queryable, context: ApiContext, token: string): Promise<Answer> {
    const stored = await loadObject<BuyerTokenRecord>(tx, "BuyerToken", token);
    if (
      stored === undefined ||
      stored.merchantId !== context.merchant.merchantId ||
      stored.environment !== context.environment ||
      stored.record.expiresAt <= this.#now()
    ) {
      throw notFound("Buyer token", token);
    }
    return { status: 200, body: stored.record.buyer };
  }

  /** The SignIn button's result (§4.6): a token the merchant exchanges with Get Buyer. */
  async issueBuyerToken(
    merchantId: string,
    environment: Environment,
    choice: BuyerChoice,
    scopes: readonly string[],
  ): Promise<string> {
    return this.#issueBuyerToken(this.options.db, merchantId, environment, choice, scopes);
  }

  async #issueBuyerToken(
    tx: Queryable,
    merchantId: string,
    environment: Environment,
    choice: BuyerChoice,
    scopes: readonly string[],
  ): Promise<string> {
    const now = this.#now();
    const token = this.options.ids.buyerToken();
    const details = choiceDetails(choice);
    const wants = (scope: string) => scopes.includes(scope);
    const buyer: SignInBuyer = {
      buyerId: details.buyer.buyerId,
      name: wants("name") || scopes.length === 0 ? details.buyer.name : null,
      email: wants("email") || scopes.length === 0 ? details.buyer.email : null,
      postalCode: wants("postalCode") ? details.shippingAddress.postalCode : null,
      countryCode:
        wants("postalCode") || wants("shippingAddress") ? details.shippingAddress.countryCode : null,
      phoneNumber: wants("phoneNumber") ? details.buyer.phoneNumber : null,
      shippingAddress: wants("shippingAddress") ? details.shippingAddress : null,
      billingAddress: wants("billingAddress") ? details.instrument.billingAddress : null,
      primeMembershipTypes: null,
    };
    await saveObject(tx, {
      kind: "BuyerToken",
      id: token,
      merchantId,
      environment,
      parentId: null,
      state: "Issued",
      record: { token, buyer, expiresAt: now + BUYER_TOKEN_LIFETIME } satisfies BuyerTokenRecord,
      body: buyer,
      dueAt: null,
      createdAt: now,
      updatedAt: now,
    });
    return token;
  }

  // ─── buyer side (BuyerEngine port) ──────────────────────────────────────────────────────────

  async findButtonKey(publicKeyId: string): Promise<ButtonKey | undefined> {
    const key = await findPublicKey(this.options.db, publicKeyId);
    if (key === undefined) return undefined;
    const merchant = await findMerchant(this.options.db, key.merchantId);
    if (merchant === undefined) return undefined;
    return {
      merchantId: key.merchantId,
      environment: key.environment,
      publicKeyPem: key.publicKeyPem,
      region: merchant.region,
    };
  }

  // ─── SignIn button (§2.5, §4.6) ─────────────────────────────────────────────────────────────

  async createSignInFromButton(
    merchantId: string,
    environment: Environment,
    payload: unknown,
  ): Promise<string> {
    const body = parseBody(SIGN_IN_PAYLOAD, typeof payload === "string" ? payload : JSON.stringify(payload));
    return this.transact(async (tx) => {
      const merchant = await findMerchant(tx, merchantId);
      if (merchant === undefined)
        throw new AmazonError("UnauthorizedAccess", `Unknown merchant ${merchantId}.`);
      if (body.storeId !== merchant.storeId) {
        throw new AmazonError("InvalidParameterValue", "The value provided for storeId is invalid.");
      }
      const now = this.#now();
      const record: SignInRecord = {
        signInId: this.options.ids.signInId(),
        merchantId,
        environment,
        region: merchant.region,
        signInReturnUrl: body.signInReturnUrl as string,
        signInCancelUrl: (body.signInCancelUrl as string | undefined) ?? null,
        scopes: (body.signInScopes as string[] | undefined) ?? [],
        state: "Open",
        createdAt: now,
      };
      await this.#saveSignIn(tx, record, now);
      return record.signInId;
    });
  }

  async #saveSignIn(tx: Queryable, record: SignInRecord, now: number): Promise<void> {
    await saveObject(tx, {
      kind: "SignInRequest",
      id: record.signInId,
      merchantId: record.merchantId,
      environment: record.environment,
      parentId: null,
      state: record.state,
      record,
      body: record,
      dueAt: null,
      createdAt: record.createdAt,
      updatedAt: now,
    });
  }

  async loadSignIn(signInId: string): Promise<SignInView | undefined> {
    const stored = await loadObject<SignInRecord>(this.options.db, "SignInRequest", signInId);
    if (stored === undefined) return undefined;
    const merchant = await findMerchant(this.options.db, stored.merchantId);
    const { environment: _environment, createdAt: _createdAt, ...view } = stored.record;
    return { ...view, merchantName: merchant?.name ?? stored.merchantId };
  }

  /** Moves an Open sign-in to its end state in one transaction; `then` runs inside it. */
  async #endSignIn<T>(
    signInId: string,
    state: "SignedIn" | "Canceled",
    then: (tx: Queryable, record: SignInRecord) => Promise<T>,
  ): Promise<T> {
    return this.transact(async (tx) => {
      const stored = await loadObject<SignInRecord>(tx, "SignInRequest", signInId, true);
      if (stored === undefined) throw notFound("Sign-in", signInId);
      if (stored.record.state !== "Open") {
        throw new AmazonError("InvalidRequest", `This sign-in has ended (${stored.record.state}).`);
      }
      const result = await then(tx, stored.record);
      await this.#saveSignIn(tx, { ...stored.record, state }, this.#now());
      return result;
    });
  }

  async completeSignIn(signInId: string, choice: BuyerChoice): Promise<string> {
    return this.#endSignIn(signInId, "SignedIn", (tx, record) =>
      this.#issueBuyerToken(tx, record.merchantId, record.environment, choice, record.scopes),
    );
  }

  async cancelSignIn(signInId: string): Promise<void> {
    await this.#endSignIn(signInId, "Canceled", async () => undefined);
  }

  async createSessionFromButton(
    merchantId: string,
    environment: Environment,
    payload: unknown,
  ): Promise<string> {
    const body = parseBody(
      CREATE_CHECKOUT_SESSION,
      typeof payload === "string" ? payload : JSON.stringify(payload),
    );
    return this.transact(async (tx) => {
      const merchant = await findMerchant(tx, merchantId);
      if (merchant === undefined)
        throw new AmazonError("UnauthorizedAccess", `Unknown merchant ${merchantId}.`);
      const now = this.#now();
      const session = this.#newSession({ merchant, environment }, sessionSpecOf(body), now);
      await this.#saveSession(tx, session, now);
      return session.id;
    });
  }

  async loadSession(checkoutSessionId: string): Promise<EngineSessionView | undefined> {
    return this.transact(async (tx) => {
      const stored = await loadObject<SessionRecord>(tx, "CheckoutSession", checkoutSessionId);
      if (stored === undefined) return undefined;
      const session = await this.#session(tx, checkoutSessionId, undefined, this.#now());
      const merchant = await findMerchant(tx, session.merchantId);
      return {
        merchantId: session.merchantId,
        region: session.region,
        merchantName: merchant?.name ?? session.merchantId,
        session: this.#renderSession(session) as EngineSessionView["session"],
      };
    });
  }

  async #changeSession(
    checkoutSessionId: string,
    change: (session: SessionRecord, now: number) => SessionRecord,
  ): Promise<SessionRecord> {
    return this.transact(async (tx) => {
      const now = this.#now();
      const session = await this.#session(tx, checkoutSessionId, undefined, now);
      const next = change(session, now);
      await this.#saveSession(tx, next, now);
      return next;
    });
  }

  async signIn(checkoutSessionId: string, choice: BuyerChoice): Promise<void> {
    await this.#changeSession(checkoutSessionId, (session) => {
      const details = choiceDetails(choice);
      const shippingAddress =
        session.addressDetails === null ? details.shippingAddress : addressOfDetails(session.addressDetails);
      return associateBuyer(session, { ...details, shippingAddress });
    });
  }

  async changeAddress(checkoutSessionId: string, address: WalletAddressEntry): Promise<void> {
    await this.#changeSession(checkoutSessionId, (session) => {
      if (session.buyer === null || session.instrument === null) {
        throw new AmazonError(
          "InvalidCheckoutSessionStatus",
          "No buyer is signed in on this checkout session.",
        );
      }
      return associateBuyer(session, {
        buyer: session.buyer,
        shippingAddress: { ...address.address },
        instrument: session.instrument,
      });
    });
  }

  async changeInstrument(checkoutSessionId: string, instrument: WalletInstrument): Promise<void> {
    await this.#changeSession(checkoutSessionId, (session) => {
      if (session.buyer === null) {
        throw new AmazonError(
          "InvalidCheckoutSessionStatus",
          "No buyer is signed in on this checkout session.",
        );
      }
      return associateBuyer(session, {
        buyer: session.buyer,
        shippingAddress: session.shippingAddress,
        instrument: {
          paymentDescriptor: instrument.paymentDescriptor,
          last4: instrument.last4,
          billingAddress: { ...instrument.billingAddress },
          outcome: instrument.outcome,
        },
      });
    });
  }

  async authenticate(checkoutSessionId: string): Promise<void> {
    await this.#changeSession(checkoutSessionId, (session, now) => authenticateSession(session, now));
  }

  /** As {@link authenticate}, answering where the buyer's browser goes next (the result URL). */
  async authenticateAndRedirect(checkoutSessionId: string): Promise<string> {
    const session = await this.#changeSession(checkoutSessionId, (current, now) =>
      authenticateSession(current, now),
    );
    return resultRedirectUrl(session);
  }

  async cancelByBuyer(checkoutSessionId: string): Promise<void> {
    await this.#changeSession(checkoutSessionId, (session, now) => {
      if (session.status.state !== "Open") {
        throw new AmazonError(
          "InvalidCheckoutSessionStatus",
          `The checkout session is ${session.status.state}.`,
        );
      }
      return {
        ...session,
        status: status("Canceled", now, "BuyerCanceled", "The buyer canceled the checkout."),
      };
    });
  }

  // ─── timers ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Applies every timer due on the emulated clock, so timed transitions (and their IPNs) happen
   * without anyone reading the objects. Returns how many sessions and families it touched.
   */
  async sweep(): Promise<number> {
    await this.#refreshSharedClock(this.options.db);
    let touched = 0;
    // Bounded: a record whose timer does not move it would otherwise be found again and again.
    for (let round = 0; round < 20; round++) {
      const now = this.#now();
      const due = await findDue(this.options.db, now, 50);
      if (due.length === 0) return touched;
      for (const entry of due) {
        await this.transact(async (tx, notify) => {
          if (entry.kind === "CheckoutSession") {
            await this.#sweepSession(tx, entry.id, now);
          } else {
            const rows = await loadFamilyRows(tx, entry.id);
            if (rows.some((row) => row.kind === "ChargePermission"))
              await this.#tickAndSave(tx, rowsToFamily(rows), now, notify);
          }
        });
        touched += 1;
      }
      if (due.length < 50) return touched;
    }
    return touched;
  }
}

function rowsToFamily(rows: readonly { kind: string; record: unknown }[]): Family {
  const permission = rows.find((row) => row.kind === "ChargePermission")?.record as PermissionRecord;
  return {
    permission,
    charges: rows.filter((row) => row.kind === "Charge").map((row) => row.record as ChargeRecord),
    refunds: rows.filter((row) => row.kind === "Refund").map((row) => row.record as RefundRecord),
  };
}

function chargeIn(family: Family, id: string): ChargeRecord {
  const charge = family.charges.find((item) => item.id === id);
  if (charge === undefined) throw notFound("Charge", id);
  return charge;
}
