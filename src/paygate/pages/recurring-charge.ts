/**
 * RTF=R on `amazonAPA.aspx` (seed 004 "Wiederkehrende Zahlung", reference §5.9): the request,
 * read against the recurring charge table, becomes the recurring charge flow's command; its
 * result is answered S2S and, once Amazon decided, notified (`NotificationType`
 * `RecurringNotification`) with the same fields.
 */
import { isSupportedCurrency } from "../../core/money.js";
import type { DoorData } from "../../core/outcome.js";
import type { TxType } from "../../core/payment.js";
import type { RecurringChargeCommand } from "../../payments/index.js";
import type { AnswerValues } from "../answer.js";
import { type PaygateCode, paygateCode } from "../codes.js";
import { paygateCodeOf, recurringReadingOf } from "../outcome-codes.js";
import type { PageOutcome } from "../routes.js";
import {
  type ParameterTable,
  recurringChargeNotify,
  recurringChargeResponse,
  subscriptionDunningNotify,
} from "../tables.js";
import { urlRefusal } from "../urls.js";
import { type ActionResult, actionResultOf, actionValues } from "./action-answer.js";
import type { PageDeps } from "./deps.js";
import { type AnswerContext, answerBody, answered, type Received, refusal } from "./receive.js";
import { doorDataOf, type PaygateShop, shopOf } from "./shop.js";
import { simulationCodeOf } from "./test-mode.js";

/**
 * The door's data of an RTF=R payment: there is no buyer, so no return pages; the notify goes to
 * the request's URLNotify, else the initial checkout's.
 */
export function recurringShop(
  urlNotify: string | undefined,
  echo: Pick<PaygateShop, "userData" | "custom" | "scheme">,
): (initial: DoorData) => DoorData {
  return (initial) =>
    doorDataOf({
      urlSuccess: "",
      urlFailure: "",
      urlNotify: urlNotify ?? shopOf(initial).urlNotify,
      urlCancel: undefined,
      shopUrl: "",
      ...echo,
    });
}

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
    intent: (get("txtype") ?? "AuthorizeWithCapture") as TxType,
    softDescriptor: get("chdesc"),
    simulationCode: simulationCodeOf("charge", get("amazonpaysimulationcode"), get("orderdesc")),
    door: recurringShop(urlNotify, {
      userData: received.userData,
      custom: received.custom,
      scheme: received.scheme,
    }),
  };
  const done = await deps.payments.recurringCharge(merchant.merchantId, command);
  if (!done.ok)
    return refusal(merchant, paygateCodeOf(done.refusal), { ...echo, payId: done.payment?.payId });
  // A replayed ReqId answers the charge as it stands, without this request's refnr.
  const result = actionResultOf(done, done.replayed ? undefined : command.refnr, recurringReadingOf);
  return answered(
    answerBody(received, recurringChargeResponse, recurringValues(merchant.merchantId, result)),
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
