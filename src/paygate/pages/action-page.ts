/**
 * capture.aspx, credit.aspx and reverse.aspx differ only in their tables and the flow they call;
 * this is the page they share: receive (MAC over the request table), one flow call, the answer.
 */
import type { ActionCommand, ActionResult, FlowResult } from "../../gateway/flows/types.js";
import type { AnswerValues } from "../answer.js";
import type { PaygatePage } from "../routes.js";
import type { ParameterTable } from "../tables.js";
import { actionValues } from "./action-answer.js";
import type { PageDeps } from "./deps.js";
import { answerBody, answered, receive, refusal } from "./receive.js";
import { type SimulatedStep, simulationCodeOf } from "./test-mode.js";

export interface ActionPageSpec {
  readonly name: string;
  readonly request: ParameterTable;
  readonly response: ParameterTable;
  /** Which step's sandbox simulation `AmazonpaySimulationCode`/`Test:nnnn` select (none for reverse). */
  readonly step?: SimulatedStep;
  readonly run: (
    deps: PageDeps,
    merchantId: string,
    command: ActionCommand,
  ) => Promise<FlowResult<{ readonly result: ActionResult }>>;
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
      const command: ActionCommand = {
        payId,
        transId: get("transid"),
        refnr: get("refnr"),
        reqId: received.reqId,
        amount: amount === undefined ? undefined : Number(amount),
        currency: get("currency"),
        simulationCode:
          spec.step === undefined
            ? undefined
            : simulationCodeOf(spec.step, get("amazonpaysimulationcode"), get("orderdesc")),
        softDescriptor: get("chdesc"),
        reason: get("reason"),
      };
      const outcome = await spec.run(deps, merchant.merchantId, command);
      if (!outcome.ok)
        return refusal(merchant, outcome.code, { ...received, payId, transId: command.transId });
      const values = actionValues(merchant.merchantId, outcome.result);
      return answered(answerBody(received, spec.response, values as AnswerValues<ParameterTable>));
    },
  };
}
