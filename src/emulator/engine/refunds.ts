/** Refunds (reference §4.5): create and get; a refund lives in its charge's permission family. */
import type { CreateRefundBody } from "../api/request-schemas.js";
import { notFound } from "../errors.js";
import type { IdSource } from "../ids.js";
import { openRefund, renderRefund } from "../state/refund.js";
import type { SimulationEffect } from "../state/simulation.js";
import { chargeIn, type Records } from "./records.js";
import { type Answer, type ApiContext, releaseEnvironment, type Work } from "./work.js";

export class Refunds {
  constructor(
    private readonly records: Records,
    private readonly ids: IdSource,
  ) {}

  async create(
    work: Work,
    context: ApiContext,
    body: CreateRefundBody,
    simulation: SimulationEffect | undefined,
  ): Promise<Answer> {
    const family = await this.records.familyOf(work, "Charge", body.chargeId, context);
    const charge = chargeIn(family, body.chargeId);
    const result = openRefund(
      {
        id: this.ids.refundId(family.permission.id, family.refunds.length + 1),
        charge,
        existing: family.refunds.filter((refund) => refund.chargeId === body.chargeId),
        amount: body.refundAmount,
        softDescriptor: body.softDescriptor ?? null,
      },
      simulation,
      work.now,
    );
    const next = { ...family, refunds: [...family.refunds, result.refund] };
    await this.records.saveFamily(work, next, new Set([result.refund.id]), result.notices);
    return { status: 201, body: renderRefund(result.refund, releaseEnvironment(context.environment)) };
  }

  async get(work: Work, context: ApiContext, id: string): Promise<Answer> {
    const family = await this.records.familyOf(work, "Refund", id, context);
    const refund = family.refunds.find((item) => item.id === id);
    if (refund === undefined) throw notFound("Refund", id);
    return { status: 200, body: renderRefund(refund, releaseEnvironment(context.environment)) };
  }
}
