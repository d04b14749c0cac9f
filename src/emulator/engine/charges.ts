/** Charges (reference §4.4): create (authorize, optionally capture), get, capture, cancel. */
import type { CancelChargeBody, CaptureChargeBody, CreateChargeBody } from "../api/request-schemas.js";
import { AmazonError, notFound } from "../errors.js";
import type { IdSource } from "../ids.js";
import {
  authorizationOutcome,
  type ChargeRecord,
  cancelCharge,
  captureCharge,
  openCharge,
  renderCharge,
} from "../state/charge.js";
import { assertChargeable } from "../state/charge-permission.js";
import type { Notice } from "../state/common.js";
import { settle } from "../state/family.js";
import type { SimulationEffect } from "../state/simulation.js";
import { loadObject } from "../store/repository.js";
import { chargeIn, type Records } from "./records.js";
import { type Answer, type ApiContext, errorAnswer, releaseEnvironment, type Work } from "./work.js";

export class Charges {
  constructor(
    private readonly records: Records,
    private readonly ids: IdSource,
  ) {}

  async create(
    work: Work,
    context: ApiContext,
    body: CreateChargeBody,
    simulation: SimulationEffect | undefined,
  ): Promise<Answer> {
    const family = await this.records.family(work, body.chargePermissionId, context);
    if (body.softDescriptor !== undefined && body.captureNow !== true) {
      throw new AmazonError(
        "InvalidParameterCombination",
        "softDescriptor can only be set with captureNow true.",
      );
    }
    const { permission } = family;
    assertChargeable(permission, family.charges, body.chargeAmount, work.now);
    const outcome = authorizationOutcome(
      permission.instrument.outcome,
      simulation,
      body.canHandlePendingAuthorization === true,
    );
    const created = openCharge(
      {
        id: this.ids.chargeId(permission.id, family.charges.length + 1),
        merchantId: permission.merchantId,
        environment: permission.environment,
        chargePermissionId: permission.id,
        amount: body.chargeAmount,
        captureNow: body.captureNow === true,
        softDescriptor: body.softDescriptor ?? null,
        providerMetadata: { providerReferenceId: body.providerMetadata?.providerReferenceId ?? null },
        merchantMetadata: {
          merchantReferenceId: null,
          merchantStoreName: null,
          noteToBuyer: null,
          customInformation: null,
          ...body.merchantMetadata,
        },
        platformId: body.platformId ?? null,
        channel: body.channel ?? null,
        chargeInitiator: body.chargeInitiator ?? null,
      },
      outcome,
      work.now,
    );
    const settled = settle(
      { ...family, charges: [...family.charges, created.charge] },
      work.now,
      new Set([created.charge.id]),
      [...created.notices],
    );
    await this.records.saveFamily(work, settled.family, settled.changed, settled.notices);
    if (created.error !== undefined) return errorAnswer(created.error);
    return { status: 201, body: renderCharge(created.charge, releaseEnvironment(permission.environment)) };
  }

  async get(work: Work, context: ApiContext, id: string): Promise<Answer> {
    const family = await this.records.familyOf(work, "Charge", id, context);
    return { status: 200, body: renderCharge(chargeIn(family, id), releaseEnvironment(context.environment)) };
  }

  async capture(
    work: Work,
    context: ApiContext,
    id: string,
    body: CaptureChargeBody,
    simulation: SimulationEffect | undefined,
  ): Promise<Answer> {
    return this.#transition(work, context, id, (charge) =>
      captureCharge(charge, body.captureAmount, body.softDescriptor ?? null, simulation, work.now),
    );
  }

  async cancel(work: Work, context: ApiContext, id: string, body: CancelChargeBody): Promise<Answer> {
    return this.#transition(work, context, id, (charge) =>
      cancelCharge(charge, "MerchantCanceled", body.cancellationReason ?? null, work.now),
    );
  }

  /**
   * The buyer's bank takes a captured charge back (`POST /__admin/charges/{id}/chargeback`): Amazon
   * tells the merchant by an IPN of type `CHARGEBACK` (amazon-pay-v2.md §10, §14) naming the
   * chargeback and the charge permission. The charge itself stays `Captured` — the v2 API shows
   * chargebacks on no object a merchant can read (amzn/amazon-pay-api-sdk-php issue #11) — so
   * nothing but the IPN is written.
   */
  async chargeback(
    work: Work,
    chargeId: string,
  ): Promise<{ chargebackId: string; chargeId: string; chargePermissionId: string }> {
    const stored = await loadObject<ChargeRecord>(work.tx, "Charge", chargeId);
    const family = stored?.parentId == null ? undefined : await this.records.anyFamily(work, stored.parentId);
    if (family === undefined) throw notFound("Charge", chargeId);
    const charge = chargeIn(family, chargeId);
    if (charge.status.state !== "Captured") {
      throw new AmazonError(
        "InvalidChargeStatus",
        `Only a Captured charge can be charged back; ${chargeId} is ${charge.status.state}.`,
      );
    }
    const chargebackId = this.ids.chargebackId(charge.chargePermissionId);
    await work.enqueue(charge.merchantId, charge.environment, [
      {
        objectType: "CHARGEBACK",
        objectId: chargebackId,
        chargePermissionId: charge.chargePermissionId,
        notificationType: "STATE_CHANGE",
      },
    ]);
    return { chargebackId, chargeId, chargePermissionId: charge.chargePermissionId };
  }

  /** Applies a merchant's transition to one charge, then lets its family settle around it. */
  async #transition(
    work: Work,
    context: ApiContext,
    id: string,
    transition: (charge: ChargeRecord) => { charge: ChargeRecord; notices: readonly Notice[] },
  ): Promise<Answer> {
    const family = await this.records.familyOf(work, "Charge", id, context);
    const result = transition(chargeIn(family, id));
    const charges = family.charges.map((charge) => (charge.id === id ? result.charge : charge));
    const settled = settle({ ...family, charges }, work.now, new Set([id]), [...result.notices]);
    await this.records.saveFamily(work, settled.family, settled.changed, settled.notices);
    return { status: 200, body: renderCharge(result.charge, releaseEnvironment(context.environment)) };
  }
}
