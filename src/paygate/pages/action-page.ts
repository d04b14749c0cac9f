/**
 * capture.aspx, credit.aspx and reverse.aspx differ only in their tables and the flow they call;
 * this is the page they share: receive (MAC over the request table), one flow call, the answer.
 */
import type { ActionDone, Outcome } from "../../core/outcome.js";
import type { AnswerValues } from "../answer.js";
import { paygateCodeOf } from "../outcome-codes.js";
import type { PaygatePage } from "../routes.js";
import type { ParameterTable } from "../tables.js";
import { actionResultOf, actionValues } from "./action-answer.js";
import type { PageDeps } from "./deps.js";
import { answerBody, answered, receive, refusal } from "./receive.js";
import { type SimulatedStep, simulationCodeOf } from "./test-mode.js";

export interface ActionPageSpec {
  readonly name: string;
  readonly request: ParameterTable;
  readonly response: ParameterTable;
  /** Which step's sandbox simulation `AmazonpaySimulationCode`/`Test:nnnn` select (none for reverse). */
  readonly step?: SimulatedStep;
  /** The payment step, with the request read into its command. */
  readonly run: (deps: PageDeps, merchantId: string, request: ActionRequest) => Promise<Outcome<ActionDone>>;
}

/** What the three requests carry (each page's step takes what it needs). */
export interface ActionRequest {
  readonly payId: string;
  readonly transId: string | undefined;
  readonly reqId: string | undefined;
  readonly amount: number;
  readonly currency: string;
  readonly simulationCode: string | undefined;
  readonly softDescriptor: string | undefined;
  readonly reason: string | undefined;
  readonly firstNotifyRule: true;
}

export function actionPage(deps: PageDeps, spec: ActionPageSpec): PaygatePage {
  return {
    name: spec.name,
    async handle(fields) {
      const received = await receive(fields, deps.findMerchant, {
        tables: [spec.request],
        mac: { table: spec.request, required: true },
      });
      if (!received.ok) return received.outcome;
      const { merchant, pairs } = received;
      const get = (key: string) => pairs.pairs.get(key)?.value || undefined;
      const amount = get("amount");
      const payId = get("payid") as string;
      const refnr = get("refnr");
      const command: ActionRequest = {
        payId,
        transId: get("transid"),
        reqId: received.reqId,
        amount: amount === undefined ? 0 : Number(amount),
        currency: get("currency") ?? "",
        simulationCode:
          spec.step === undefined
            ? undefined
            : simulationCodeOf(spec.step, get("amazonpaysimulationcode"), get("orderdesc")),
        softDescriptor: get("chdesc"),
        reason: get("reason"),
        // Computop: follow-up actions need the shop's answer to the first notify (seed 004).
        firstNotifyRule: true,
      };
      const outcome = await spec.run(deps, merchant.merchantId, command);
      if (!outcome.ok) {
        return refusal(merchant, paygateCodeOf(outcome.refusal), {
          ...received,
          payId,
          transId: command.transId,
        });
      }
      const values = actionValues(merchant.merchantId, actionResultOf(outcome, refnr));
      return answered(answerBody(received, spec.response, values as AnswerValues<ParameterTable>));
    },
  };
}
