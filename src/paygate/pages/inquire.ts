/**
 * `inquire.aspx` (reference §1.1, §4, §5.5): the payment's running totals and the status of its
 * last action, by PayID; `inquire24.aspx`: the same by TransID (FATCHIP's Magento 2 clean-up cron
 * cancels pending orders whose inquiry says `LastStatus=FAILED` or `PAYMENT NOT FOUND`).
 *
 * No MAC and no inner MerchantID needed (Paygate's inquiries carry none, §2.1; FATCHIP Magento 2
 * puts only `PayId` and `TransID` inside Data): Data that decrypts with the merchant's key proves
 * the key, and the answer — encrypted with that key — holds only the inquiry table's status fields
 * (totals, currency, last status, ids), never buyer data or Amazon's ids. A MAC that is sent is
 * ignored (WooCommerce sends one over `PayID*TransID*MerchantID*0*`). Only the merchant's own
 * payments are found. Shops call it from their notify handler, so the totals must agree with the
 * notifies.
 */
import { lastStatusOf } from "../../core/payment.js";
import { paygateCode } from "../codes.js";
import { paygateCodeOf } from "../outcome-codes.js";
import type { PaygatePage } from "../routes.js";
import { inquire24Request, inquireRequest, inquireResponse, type ParameterTable } from "../tables.js";
import { totalValues } from "./action-answer.js";
import type { PageDeps } from "./deps.js";
import { answerBody, answered, type Received, receive, refusal } from "./receive.js";

/** PayIDs of a merchant's payments with this TransID, newest first. */
export type PayIdsByTransId = (merchantId: string, transId: string) => Promise<readonly string[]>;

export function inquirePages(deps: PageDeps, payIdsByTransId: PayIdsByTransId): PaygatePage[] {
  return [
    {
      name: "inquire.aspx",
      async handle(fields) {
        const received = await receive(fields, deps.findMerchant, { tables: [inquireRequest] });
        if (!received.ok) return received.outcome;
        return inquiryAnswer(deps, received, received.values.PayID);
      },
    },
    {
      name: "inquire24.aspx",
      async handle(fields) {
        const received = await receive(fields, deps.findMerchant, { tables: [inquire24Request] });
        if (!received.ok) return received.outcome;
        const { merchant, values } = received;
        const candidates = await payIdsByTransId(merchant.merchantId, values.TransID);
        const payId =
          values.PayID === undefined ? candidates[0] : candidates.find((id) => id === values.PayID);
        if (payId === undefined) {
          return refusal(merchant, paygateCode("PAYMENT_UNKNOWN"), { ...received, transId: values.TransID });
        }
        return inquiryAnswer(deps, received, payId);
      },
    },
  ];
}

async function inquiryAnswer(deps: PageDeps, received: Received<ParameterTable>, payId: string) {
  const { merchant } = received;
  // Amazon unreachable: answered from the store (the step logs why; docs/async.md).
  const result = await deps.payments.inquire(merchant.merchantId, payId);
  if (!result.ok) return refusal(merchant, paygateCodeOf(result.refusal), { ...received, payId });
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
}
