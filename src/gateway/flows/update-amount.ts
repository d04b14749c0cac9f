/**
 * `EventToken=UpdateAuthorizeAmount` (reference §5.4): a new amount on the review page. Once the
 * buyer is back with a checkout session, Amazon's session is updated first; the payment's amount
 * changes only when Amazon accepted it.
 */

import { AmazonPayError } from "../../amazon/errors.js";
import { priceFromMoney } from "../../amazon/map.js";
import { updateAmount } from "../../core/payment.js";
import { paygateCode } from "../../paygate/codes.js";
import { paygateCodeOfRefusal } from "../refusal-codes.js";
import type { FlowDeps } from "./ports.js";
import { refused, transact } from "./support.js";
import type { ActionResult, FlowResult } from "./types.js";

export interface UpdateAmountCommand {
  readonly payId: string;
  readonly amount: number;
  readonly currency: string;
  readonly countryCode: string;
}

export async function updateAuthorizeAmount(
  deps: FlowDeps,
  merchantId: string,
  command: UpdateAmountCommand,
): Promise<FlowResult<{ result: ActionResult }>> {
  const record = await deps.store.load(deps.db, merchantId, command.payId);
  if (record === undefined) return refused("PAYMENT_UNKNOWN");
  if (command.countryCode !== record.context.countryCode) {
    return { ok: false, code: paygateCode("PARAMETER_INVALID", "CountryCode"), payment: record.payment };
  }
  const check = updateAmount(record.payment, command.amount, command.currency, "check");
  if (!check.ok) return { ok: false, code: paygateCodeOfRefusal(check.refusal), payment: record.payment };
  const sessionId = record.payment.amazon.checkoutSessionId;
  if (sessionId !== undefined) {
    const link = await deps.amazonFor(merchantId);
    if (link === undefined) return refused("MARKET_NOT_CONFIGURED");
    try {
      await link.client.updateCheckoutSession(sessionId, {
        paymentDetails: {
          chargeAmount: priceFromMoney({ minor: command.amount, currency: command.currency }),
        },
      });
    } catch (error) {
      if (!(error instanceof AmazonPayError)) throw error;
      return {
        ok: true,
        result: {
          payment: record.payment,
          action: record.payment.actions.at(-1) as ActionResult["action"],
          refnr: undefined,
          status: "FAILED",
          code: paygateCode(error.outcome === "fail" ? "AMAZON_REQUEST_REFUSED" : "AMAZON_UNAVAILABLE"),
          codeExt: error.reasonCode.slice(0, 10),
          errorText: error.message,
        },
      };
    }
  }
  return transact(deps, async (tx) => {
    const current = await deps.store.load(tx, merchantId, command.payId, true);
    if (current === undefined) return refused("PAYMENT_UNKNOWN");
    const updated = updateAmount(current.payment, command.amount, command.currency, deps.newId());
    if (!updated.ok)
      return { ok: false, code: paygateCodeOfRefusal(updated.refusal), payment: current.payment };
    await deps.store.save(tx, { ...current, payment: updated.payment });
    return {
      ok: true,
      result: {
        payment: updated.payment,
        action: updated.action,
        refnr: undefined,
        status: "AUTHORIZE_REQUEST",
        code: paygateCode("OK"),
      },
    };
  });
}
