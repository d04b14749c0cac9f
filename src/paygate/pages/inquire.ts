/**
 * `inquire.aspx` (reference §1.1, §4, §5.5): the payment's running totals and the status of its
 * last action, by PayID. No MAC (status inquiries carry none, §2.1); only the merchant's own
 * payments are found. Shops call it from their notify handler, so the totals must agree with
 * the notifies.
 */
import { lastStatusOf } from "../../core/payment.js";
import { paygateCode } from "../codes.js";
import { paygateCodeOf } from "../outcome-codes.js";
import type { PaygatePage } from "../routes.js";
import { inquireRequest, inquireResponse } from "../tables.js";
import { totalValues } from "./action-answer.js";
import type { PageDeps } from "./deps.js";
import { answerBody, answered, receive, refusal } from "./receive.js";

export function inquirePage(deps: PageDeps): PaygatePage {
  return {
    name: "inquire.aspx",
    async handle(fields) {
      const received = await receive(fields, deps.findMerchant, { tables: [inquireRequest] });
      if (!received.ok) return received.outcome;
      const { merchant, values } = received;
      // Amazon unreachable: answered from the store (the step logs why; docs/async.md).
      const result = await deps.payments.inquire(merchant.merchantId, values.PayID);
      if (!result.ok)
        return refusal(merchant, paygateCodeOf(result.refusal), { ...received, payId: values.PayID });
      const { payment } = result;
      const ok = paygateCode("OK");
      return answered(
        answerBody(received, inquireResponse, {
          mid: merchant.merchantId,
          PayID: payment.payId,
          XID: payment.actions.at(-1)?.xid,
          TransID: payment.transId,
          Status: "OK",
          Description: ok.description,
          Code: ok.code,
          ...totalValues(payment),
          LastStatus: lastStatusOf(payment),
          Currency: payment.currency,
        }),
      );
    },
  };
}
