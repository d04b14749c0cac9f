/**
 * `inquire.aspx` (reference §1.1, §4, §5.5): the payment's running totals and the status of its
 * last action, by PayID. No MAC (status inquiries carry none, §2.1); only the merchant's own
 * payments are found. Shops call it from their notify handler, so the totals must agree with
 * the notifies.
 */
import { lastStatusOf } from "../../core/payment.js";
import { paygateCode } from "../codes.js";
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
      const result = await deps.flows.inquire(merchant.merchantId, values.PayID);
      if (!result.ok) return refusal(merchant, result.code, { ...received, payId: values.PayID });
      const { payment } = result.record;
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
