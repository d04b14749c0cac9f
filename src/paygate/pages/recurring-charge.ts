/**
 * RTF=R on `amazonAPA.aspx` (seed 004 "Wiederkehrende Zahlung", reference §5.9): the request,
 * read against the recurring charge table, becomes the recurring charge flow's command; its
 * result is answered S2S and, once Amazon decided, notified (`NotificationType`
 * `RecurringNotification`) with the same fields.
 */
import { isSupportedCurrency } from "../../core/money.js";
import type { RecurringChargeCommand } from "../../gateway/flows/recurring-charge.js";
import type { ActionResult, PaymentIntent } from "../../gateway/flows/types.js";
import type { AnswerValues } from "../answer.js";
import { type PaygateCode, paygateCode } from "../codes.js";
import type { PageOutcome } from "../routes.js";
import {
  type ParameterTable,
  recurringChargeNotify,
  recurringChargeResponse,
  subscriptionDunningNotify,
} from "../tables.js";
import { urlRefusal } from "../urls.js";
import { actionValues } from "./action-answer.js";
import type { PageDeps } from "./deps.js";
import { type AnswerContext, answerBody, answered, type Received, refusal } from "./receive.js";
import { simulationCodeOf } from "./test-mode.js";

export async function recurringChargeAnswer(
  deps: PageDeps,
  received: Received<ParameterTable>,
): Promise<PageOutcome> {
  const { merchant } = received;
  const get = (key: string) => received.pairs.pairs.get(key)?.value || undefined;
  const echo = { ...received, transId: get("transid") };
  const currency = get("currency") as string;
  if (!isSupportedCurrency(currency)) {
    return refusal(merchant, paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "Currency"), echo);
  }
  const urlNotify = get("urlnotify");
  const badNotify = urlRefusal("URLNotify", urlNotify, merchant.environment);
  if (badNotify !== undefined) return refusal(merchant, badNotify, echo);
  const command: RecurringChargeCommand = {
    chargePermissionId: get("chargepermissionid") as string,
    transId: get("transid") as string,
    refnr: get("refnr"),
    reqId: received.reqId,
    countryCode: get("countrycode") as string,
    amount: Number(get("amount")),
    currency,
    intent: (get("txtype") ?? "AuthorizeWithCapture") as PaymentIntent,
    softDescriptor: get("chdesc"),
    simulationCode: simulationCodeOf("charge", get("amazonpaysimulationcode"), get("orderdesc")),
    urlNotify,
    echo: { userData: received.userData, custom: received.custom, scheme: received.scheme },
  };
  const done = await deps.flows.recurringCharge(merchant.merchantId, command);
  if (!done.ok) return refusal(merchant, done.code, { ...echo, payId: done.payment?.payId });
  return answered(
    answerBody(received, recurringChargeResponse, recurringValues(merchant.merchantId, done.result)),
  );
}

/** The capture answer's values; no `chargeid` when Amazon refused before creating a charge. */
function recurringValues(merchantId: string, result: ActionResult): AnswerValues<ParameterTable> {
  const values = actionValues(merchantId, result);
  return { ...values, chargeid: values.chargeid || undefined } as AnswerValues<ParameterTable>;
}

/** The URLNotify of a recurring charge: the answer's fields, `RTF=R`, `NotificationType`, MAC. */
export function recurringNotifyBody(context: AnswerContext, result: ActionResult): string {
  const values = {
    ...recurringValues(context.merchant.merchantId, result),
    RTF: "R",
    NotificationType: "RecurringNotification",
  };
  return answerBody(context, recurringChargeNotify, values as AnswerValues<ParameterTable>, { mac: true });
}

/** What a dunning notification reports: the charge that failed for good, and where the subscription stopped. */
export interface Dunning {
  readonly subscriptionId: string;
  readonly payId: string | undefined;
  readonly transId: string;
  readonly code: PaygateCode;
  readonly codeExt: string | undefined;
  readonly errorText: string | undefined;
  readonly chargePermissionId: string;
  readonly amount: number;
  readonly currency: string;
  readonly cycle: number;
  readonly attempts: number;
}

/** The `DunningNotification` of a subscription Kasse runs (docs/recurring.md), with the response MAC. */
export function dunningNotifyBody(context: AnswerContext, dunning: Dunning): string {
  return answerBody(
    context,
    subscriptionDunningNotify,
    {
      mid: context.merchant.merchantId,
      PayID: dunning.payId,
      TransID: dunning.transId,
      SubscriptionId: dunning.subscriptionId,
      Status: "FAILED",
      Description: dunning.code.description,
      Code: dunning.code.code,
      CodeExt: dunning.codeExt,
      ErrorText: dunning.errorText,
      chargepermissionid: dunning.chargePermissionId,
      Amount: dunning.amount,
      Currency: dunning.currency,
      Cycle: dunning.cycle,
      Attempts: dunning.attempts,
      NotificationType: "DunningNotification",
    } as AnswerValues<ParameterTable>,
    { mac: true },
  );
}
