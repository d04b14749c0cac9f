/**
 * The flow services, one function per payment step (Hyperswitch-style): the Paygate pages (and
 * later the JSON API) translate requests into these calls and their results into answers.
 */
import { type ActionFlow, captureCharge, inquirePayment, refundCharge, reverseCharge } from "./actions.js";
import { buyerReturn, type ReturnStep } from "./buyer-return.js";
import { initCheckout, type ReturnUrls } from "./init.js";
import type { PaymentRecord } from "./ports.js";
import {
  chargeRecurring,
  type RecurringChargeCommand,
  type RecurringChargeDone,
  type RecurringDeps,
} from "./recurring-charge.js";
import type { ActionCommand, ActionResult, FlowResult, InitCommand, InitResult } from "./types.js";
import { type UpdateAmountCommand, updateAuthorizeAmount } from "./update-amount.js";

export interface Flows {
  init(merchantId: string, command: InitCommand, returnsFor: ReturnUrls): Promise<FlowResult<InitResult>>;
  updateAmount(
    merchantId: string,
    command: UpdateAmountCommand,
  ): Promise<FlowResult<{ result: ActionResult }>>;
  /** The buyer's browser back from Amazon: where it goes next, `undefined` for an unknown PayID. */
  buyerReturn(
    step: ReturnStep,
    merchantId: string,
    payId: string,
    checkoutSessionId: string | undefined,
  ): Promise<string | undefined>;
  capture: ActionFlow;
  credit: ActionFlow;
  reverse: ActionFlow;
  inquire(merchantId: string, payId: string): Promise<FlowResult<{ record: PaymentRecord }>>;
  /** RTF=R: a merchant-initiated charge on a recurring charge permission (§5.9). */
  recurringCharge(
    merchantId: string,
    command: RecurringChargeCommand,
  ): Promise<FlowResult<RecurringChargeDone>>;
}

export function createFlows(deps: RecurringDeps): Flows {
  return {
    init: (merchantId, command, returnsFor) => initCheckout(deps, merchantId, command, returnsFor),
    updateAmount: (merchantId, command) => updateAuthorizeAmount(deps, merchantId, command),
    buyerReturn: (step, merchantId, payId, sessionId) =>
      buyerReturn(deps, step, merchantId, payId, sessionId),
    capture: (merchantId: string, command: ActionCommand) => captureCharge(deps, merchantId, command),
    credit: (merchantId, command) => refundCharge(deps, merchantId, command),
    reverse: (merchantId, command) => reverseCharge(deps, merchantId, command),
    inquire: (merchantId, payId) => inquirePayment(deps, merchantId, payId),
    recurringCharge: (merchantId, command) => chargeRecurring(deps, merchantId, command),
  };
}
