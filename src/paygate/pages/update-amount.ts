/**
 * `EventToken=UpdateAuthorizeAmount` on `amazonAPA.aspx` (reference §5.4): a new amount before
 * completion, answered `Status=AUTHORIZE_REQUEST` with the code of what Amazon said.
 */
import { paygateCode } from "../codes.js";
import { paygateCodeOf } from "../outcome-codes.js";
import type { PageOutcome } from "../routes.js";
import { type ParameterTable, updateAmountResponse } from "../tables.js";
import { totalValues } from "./action-answer.js";
import type { PageDeps } from "./deps.js";
import { answerBody, answered, type Received, refusal } from "./receive.js";

export async function updateAmountAnswer(
  deps: PageDeps,
  received: Received<ParameterTable>,
): Promise<PageOutcome> {
  const { merchant } = received;
  const get = (key: string) => received.pairs.pairs.get(key)?.value || undefined;
  const echo = { ...received, transId: get("transid"), payId: get("payid") };
  const result = await deps.payments.updateAmount(merchant.merchantId, {
    payId: get("payid") as string,
    amount: Number(get("amount")),
    currency: get("currency") as string,
    countryCode: get("countrycode") as string,
  });
  if (!result.ok) return refusal(merchant, paygateCodeOf(result.refusal), echo);
  const { payment, action, amazonRefusal } = result;
  const code = amazonRefusal === undefined ? paygateCode("OK") : paygateCodeOf(amazonRefusal);
  return answered(
    answerBody(received, updateAmountResponse, {
      mid: merchant.merchantId,
      PayID: payment.payId,
      XID: action.xid,
      Status: "AUTHORIZE_REQUEST",
      Code: code.code,
      ...totalValues(payment),
    }),
  );
}
