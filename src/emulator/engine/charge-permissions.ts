/**
 * Charge Permissions (reference §4.3): the merchant's get, update and close, and what the buyer
 * does in their Amazon account (§5.2, §12: another payment method, closing an agreement).
 */
import type { ChargePermission } from "../../amazon/wire.js";
import type { CloseChargePermissionBody, UpdateChargePermissionBody } from "../api/request-schemas.js";
import type { BuyerChoice } from "../buyer/wallet.js";
import { AmazonError, notFound } from "../errors.js";
import { cancelCharge, isCancelable } from "../state/charge.js";
import {
  closePermission,
  type PermissionRecord,
  type PermissionResult,
  replacePaymentMethod,
  updatePermission,
} from "../state/charge-permission.js";
import type { Notice } from "../state/common.js";
import type { SimulationEffect } from "../state/simulation.js";
import { choiceDetails } from "../state/wallet-choice.js";
import { findMerchant } from "../store/repository.js";
import { recurringOf } from "./checkout-sessions.js";
import type { Records } from "./records.js";
import type { Answer, ApiContext, Work, WorkRunner } from "./work.js";

export class ChargePermissions {
  constructor(
    private readonly records: Records,
    private readonly runner: WorkRunner,
  ) {}

  // ─── the merchant's API ───────────────────────────────────────────────────────────────────

  async get(work: Work, context: ApiContext, id: string): Promise<Answer> {
    const family = await this.records.family(work, id, context);
    return { status: 200, body: this.records.renderPermission(family, work.now) };
  }

  async update(
    work: Work,
    context: ApiContext,
    id: string,
    body: UpdateChargePermissionBody,
  ): Promise<Answer> {
    const family = await this.records.family(work, id, context);
    const result = updatePermission(family.permission, {
      merchantMetadata: body.merchantMetadata,
      recurringMetadata:
        body.recurringMetadata === undefined ? undefined : recurringOf(body.recurringMetadata),
    });
    const next = { ...family, permission: result.permission };
    await this.records.saveFamily(work, next, new Set([id]), result.notices);
    return { status: 200, body: this.records.renderPermission(next, work.now) };
  }

  async close(
    work: Work,
    context: ApiContext,
    id: string,
    body: CloseChargePermissionBody,
    simulation: SimulationEffect | undefined,
  ): Promise<Answer> {
    const family = await this.records.family(work, id, context);
    const reasonCode = simulation?.kind === "closePermission" ? simulation.reasonCode : "MerchantClosed";
    const closed = closePermission(family.permission, reasonCode, body.closureReason ?? null, work.now);
    const notices: Notice[] = [...closed.notices];
    const changed = new Set(closed.notices.length > 0 ? [id] : []);
    const charges = family.charges.map((charge) => {
      if (body.cancelPendingCharges !== true || !isCancelable(charge) || closed.notices.length === 0)
        return charge;
      const canceled = cancelCharge(
        charge,
        "ChargePermissionCanceled",
        "The charge permission was closed.",
        work.now,
      );
      notices.push(...canceled.notices);
      changed.add(charge.id);
      return canceled.charge;
    });
    const next = { ...family, permission: closed.permission, charges };
    await this.records.saveFamily(work, next, changed, notices);
    return { status: 200, body: this.records.renderPermission(next, work.now) };
  }

  // ─── the buyer's Amazon account ───────────────────────────────────────────────────────────

  /** A permission as its buyer's account page shows it (timers applied), or undefined. */
  async loadBuyerAccount(
    chargePermissionId: string,
  ): Promise<{ merchantName: string; permission: ChargePermission } | undefined> {
    return this.runner.run(async (work) => {
      const family = await this.records.anyFamily(work, chargePermissionId);
      if (family === undefined) return undefined;
      const merchant = await findMerchant(work.tx, family.permission.merchantId);
      return {
        merchantName: merchant?.name ?? family.permission.merchantId,
        permission: this.records.renderPermission(family, work.now),
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
  ): Promise<ChargePermission> {
    return this.#changeAsBuyer(chargePermissionId, (permission, now) =>
      replacePaymentMethod(permission, choiceDetails(choose(permission.buyer.buyerId)).instrument, now),
    );
  }

  /** The buyer cancels a Recurring or PaymentMethodOnFile permission in their account: Closed/BuyerClosed. */
  async closeByBuyer(chargePermissionId: string): Promise<ChargePermission> {
    return this.#changeAsBuyer(chargePermissionId, (permission, now) => {
      if (permission.type === "OneTime") {
        throw new AmazonError(
          "InvalidRequest",
          "Buyers close Recurring and PaymentMethodOnFile charge permissions only (§5.2).",
        );
      }
      return closePermission(permission, "BuyerClosed", "The buyer closed the charge permission.", now);
    });
  }

  /**
   * A sandbox control, not an Amazon action (`POST /__admin/charge-permissions/{id}/expiration`):
   * moves the permission's expiry, so that a permission expiring soon can be had without moving
   * the clock a year. No IPN (Amazon announces no expiry date). The expiry must lie ahead of the
   * emulated now; a Closed permission cannot be changed.
   */
  async setExpiration(chargePermissionId: string, expiresAt: number): Promise<ChargePermission> {
    return this.#changeAsBuyer(chargePermissionId, (permission, now) => {
      if (permission.status.state === "Closed") {
        throw new AmazonError("InvalidChargePermissionStatus", "The charge permission is Closed.");
      }
      if (expiresAt <= now) {
        throw new AmazonError(
          "InvalidParameterValue",
          "expirationTimestamp must lie after the emulated now.",
        );
      }
      return { permission: { ...permission, expiresAt }, notices: [] };
    });
  }

  /** Changes a permission as its buyer does; answers the permission as Get shows it. */
  async #changeAsBuyer(
    chargePermissionId: string,
    change: (permission: PermissionRecord, now: number) => PermissionResult,
  ): Promise<ChargePermission> {
    return this.runner.run(async (work) => {
      const family = await this.records.anyFamily(work, chargePermissionId);
      if (family === undefined) throw notFound("Charge Permission", chargePermissionId);
      const result = change(family.permission, work.now);
      const next = { ...family, permission: result.permission };
      if (result.permission !== family.permission)
        await this.records.saveFamily(work, next, new Set([chargePermissionId]), result.notices);
      return this.records.renderPermission(next, work.now);
    });
  }
}
