/**
 * Checkout Sessions (reference §4.2): the merchant's operations (create, get, update, complete,
 * finalize) and what the buyer does on Amazon's pages (sign in, change address or instrument,
 * confirm, cancel). Completing a session opens its Charge Permission family.
 */
import type { Address, CheckoutSession, RecurringMetadata } from "../../amazon/wire.js";
import type {
  CompleteCheckoutSessionBody,
  CreateCheckoutSessionBody,
  FinalizeCheckoutSessionBody,
  RecurringMetadataBody,
  UpdateCheckoutSessionBody,
} from "../api/request-schemas.js";
import type { EngineSessionView } from "../buyer/engine-port.js";
import type { BuyerChoice, WalletAddressEntry, WalletInstrument } from "../buyer/wallet.js";
import { AmazonError } from "../errors.js";
import type { IdSource } from "../ids.js";
import {
  associateBuyer,
  authenticateSession,
  completeSession,
  createSession,
  type SessionPatch,
  type SessionRecord,
  type SessionSpec,
  updateSession,
  withCartDetails,
} from "../state/checkout-session.js";
import { renderPrice, status } from "../state/common.js";
import type { SimulationEffect } from "../state/simulation.js";
import { choiceDetails } from "../state/wallet-choice.js";
import { findMerchant, loadObject, type MerchantRow } from "../store/repository.js";
import type { Records } from "./records.js";
import { type Answer, type ApiContext, errorAnswer, type Work, type WorkRunner } from "./work.js";

export function recurringOf(input: RecurringMetadataBody): RecurringMetadata {
  return {
    frequency: input.frequency ?? null,
    amount: input.amount === undefined ? null : renderPrice(input.amount),
  };
}

/** A validated Create Checkout Session body (or button payload) as the state machine's spec. */
function sessionSpecOf(body: CreateCheckoutSessionBody): SessionSpec {
  const { recurringMetadata, ...rest } = body;
  return {
    ...rest,
    ...(recurringMetadata === undefined ? {} : { recurringMetadata: recurringOf(recurringMetadata) }),
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

function signedInBuyer(session: SessionRecord): NonNullable<SessionRecord["buyer"]> {
  if (session.buyer === null) {
    throw new AmazonError("InvalidCheckoutSessionStatus", "No buyer is signed in on this checkout session.");
  }
  return session.buyer;
}

export class CheckoutSessions {
  constructor(
    private readonly records: Records,
    private readonly ids: IdSource,
    private readonly runner: WorkRunner,
  ) {}

  // ─── the merchant's API ───────────────────────────────────────────────────────────────────

  async create(work: Work, context: ApiContext, body: CreateCheckoutSessionBody): Promise<Answer> {
    const session = this.#newSession(work, context.merchant, context.environment, sessionSpecOf(body));
    await this.records.saveSession(work, session);
    return { status: 201, body: this.records.renderSession(session) };
  }

  async get(work: Work, context: ApiContext, id: string): Promise<Answer> {
    const session = await this.records.session(work, id, context);
    return { status: 200, body: this.records.renderSession(session) };
  }

  async update(
    work: Work,
    context: ApiContext,
    id: string,
    body: UpdateCheckoutSessionBody,
  ): Promise<Answer> {
    const session = await this.records.session(work, id, context);
    const { recurringMetadata, ...rest } = body;
    const patch: SessionPatch = {
      ...rest,
      ...(recurringMetadata === undefined ? {} : { recurringMetadata: recurringOf(recurringMetadata) }),
    };
    const updated = updateSession(session, patch, context.merchant.ledgerCurrency);
    await this.records.saveSession(work, updated);
    return { status: 200, body: this.records.renderSession(updated) };
  }

  async complete(
    work: Work,
    context: ApiContext,
    id: string,
    body: CompleteCheckoutSessionBody,
    simulation: SimulationEffect | undefined,
  ): Promise<Answer> {
    const session = await this.records.session(work, id, context);
    return this.#complete(work, session, body, simulation, (wire) => wire);
  }

  /** Finalize (§4.2, Buy Now): sets the intent, processes the payment if not done yet, completes. */
  async finalize(
    work: Work,
    context: ApiContext,
    id: string,
    body: FinalizeCheckoutSessionBody,
    simulation: SimulationEffect | undefined,
  ): Promise<Answer> {
    let session = await this.records.session(work, id, context);
    if (session.status.state === "Open") {
      const paymentDetails = {
        ...(body.paymentIntent === undefined ? {} : { paymentIntent: body.paymentIntent }),
        ...(body.canHandlePendingAuthorization === undefined
          ? {}
          : { canHandlePendingAuthorization: body.canHandlePendingAuthorization }),
      };
      const patched = updateSession(
        session,
        Object.keys(paymentDetails).length === 0 ? {} : { paymentDetails },
        context.merchant.ledgerCurrency,
      );
      session = patched.authenticated ? patched : authenticateSession(patched, work.now);
      if (session.status.state === "Canceled") {
        await this.records.saveSession(work, session);
        return errorAnswer(
          new AmazonError(
            "CheckoutSessionCanceled",
            `The checkout session was canceled (${session.status.reasonCode}).`,
          ),
        );
      }
    }
    return this.#complete(work, session, body, simulation, withCartDetails);
  }

  async #complete(
    work: Work,
    session: SessionRecord,
    amounts: CompleteCheckoutSessionBody,
    simulation: SimulationEffect | undefined,
    render: (wire: CheckoutSession) => CheckoutSession,
  ): Promise<Answer> {
    const chargePermissionId = this.ids.chargePermissionId(session.environment);
    const result = completeSession(
      session,
      { chargeAmount: amounts.chargeAmount ?? null, totalOrderAmount: amounts.totalOrderAmount ?? null },
      simulation,
      { chargePermissionId, chargeId: this.ids.chargeId(chargePermissionId, 1) },
      work.now,
    );
    await this.records.saveSession(work, result.session);
    if (result.permission !== null) {
      const family = {
        permission: result.permission,
        charges: result.charge ? [result.charge] : [],
        refunds: [],
      };
      await this.records.saveFamily(work, family, "all", result.notices);
    }
    if (result.error !== undefined) return errorAnswer(result.error);
    return { status: result.httpStatus, body: render(this.records.renderSession(result.session)) };
  }

  #newSession(work: Work, merchant: MerchantRow, environment: ApiContext["environment"], spec: SessionSpec) {
    return createSession(
      spec,
      {
        id: this.ids.checkoutSessionId(),
        merchantId: merchant.merchantId,
        environment,
        region: merchant.region,
        storeId: merchant.storeId,
        ledgerCurrency: merchant.ledgerCurrency,
      },
      work.now,
    );
  }

  // ─── the buyer on Amazon's pages ──────────────────────────────────────────────────────────

  /** A session from a verified button payload, validated as Create Checkout Session's body. */
  async createFromButton(
    merchantId: string,
    environment: ApiContext["environment"],
    body: CreateCheckoutSessionBody,
  ): Promise<string> {
    return this.runner.run(async (work) => {
      const merchant = await findMerchant(work.tx, merchantId);
      if (merchant === undefined)
        throw new AmazonError("UnauthorizedAccess", `Unknown merchant ${merchantId}.`);
      const session = this.#newSession(work, merchant, environment, sessionSpecOf(body));
      await this.records.saveSession(work, session);
      return session.id;
    });
  }

  async load(checkoutSessionId: string): Promise<EngineSessionView | undefined> {
    return this.runner.run(async (work) => {
      const stored = await loadObject<SessionRecord>(work.tx, "CheckoutSession", checkoutSessionId);
      if (stored === undefined) return undefined;
      const session = await this.records.session(work, checkoutSessionId, undefined);
      const merchant = await findMerchant(work.tx, session.merchantId);
      return {
        merchantId: session.merchantId,
        region: session.region,
        merchantName: merchant?.name ?? session.merchantId,
        session: this.records.renderSession(session),
      };
    });
  }

  async #change(
    checkoutSessionId: string,
    change: (session: SessionRecord, now: number) => SessionRecord,
  ): Promise<SessionRecord> {
    return this.runner.run(async (work) => {
      const session = await this.records.session(work, checkoutSessionId, undefined);
      const next = change(session, work.now);
      await this.records.saveSession(work, next);
      return next;
    });
  }

  async signIn(checkoutSessionId: string, choice: BuyerChoice): Promise<void> {
    await this.#change(checkoutSessionId, (session) => {
      const details = choiceDetails(choice);
      const shippingAddress =
        session.addressDetails === null ? details.shippingAddress : addressOfDetails(session.addressDetails);
      return associateBuyer(session, { ...details, shippingAddress });
    });
  }

  async changeAddress(checkoutSessionId: string, address: WalletAddressEntry): Promise<void> {
    await this.#change(checkoutSessionId, (session) => {
      const buyer = signedInBuyer(session);
      if (session.instrument === null) {
        throw new AmazonError(
          "InvalidCheckoutSessionStatus",
          "No buyer is signed in on this checkout session.",
        );
      }
      return associateBuyer(session, {
        buyer,
        shippingAddress: { ...address.address },
        instrument: session.instrument,
      });
    });
  }

  async changeInstrument(checkoutSessionId: string, instrument: WalletInstrument): Promise<void> {
    await this.#change(checkoutSessionId, (session) =>
      associateBuyer(session, {
        buyer: signedInBuyer(session),
        shippingAddress: session.shippingAddress,
        instrument: {
          paymentDescriptor: instrument.paymentDescriptor,
          last4: instrument.last4,
          billingAddress: { ...instrument.billingAddress },
          outcome: instrument.outcome,
        },
      }),
    );
  }

  /** The buyer confirms on the `amazonPayRedirectUrl` page: the payment intent is processed. */
  async authenticate(checkoutSessionId: string): Promise<void> {
    await this.#change(checkoutSessionId, authenticateSession);
  }

  async cancelByBuyer(checkoutSessionId: string): Promise<void> {
    await this.#change(checkoutSessionId, (session, now) => {
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
}
