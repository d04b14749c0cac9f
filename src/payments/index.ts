/**
 * The application: one function per payment step, each taking a domain command and answering a
 * domain outcome (src/core/outcome.ts). Doors (Paygate today, the JSON API next) hold a
 * `Payments` and translate their requests into these calls and the outcomes into answers.
 */
import type { ActionDone, Outcome } from "../core/outcome.js";
import type { BuyerOutcome } from "./buyer-return.js";
import { rememberAnswer } from "./buyer-return.js";
import { type Cancelled, cancelCheckout } from "./cancel-checkout.js";
import { type CaptureCommand, capture } from "./capture.js";
import { type CompleteCommand, type Completed, complete } from "./complete.js";
import { type InitCommand, type Initialised, init } from "./init.js";
import { type Inquired, inquire } from "./inquire.js";
import type { PaymentDeps } from "./ports.js";
import { type RecurringChargeCommand, type RecurringCharged, recurringCharge } from "./recurring-charge.js";
import { type RefundCommand, refund } from "./refund.js";
import { type ReverseCommand, reverse } from "./reverse.js";
import { type ReviewCommand, type Reviewed, review } from "./review.js";
import { type AmountUpdated, type UpdateAmountCommand, updateAmount } from "./update-amount.js";

export interface Payments {
  init(merchantId: string, command: InitCommand): Promise<Outcome<Initialised>>;
  updateAmount(merchantId: string, command: UpdateAmountCommand): Promise<Outcome<AmountUpdated>>;
  /** The buyer's browser back from Amazon on the review page. */
  review(merchantId: string, command: ReviewCommand): Promise<BuyerOutcome<Reviewed>>;
  /** …on the result page: the completion. */
  complete(merchantId: string, command: CompleteCommand): Promise<BuyerOutcome<Completed>>;
  /** …on the cancel page. */
  cancelCheckout(merchantId: string, payId: string): Promise<BuyerOutcome<Cancelled>>;
  /** Keeps the door's answer to a completion or cancel for a reload of the page. */
  rememberAnswer(merchantId: string, payId: string, answer: string): Promise<void>;
  capture(merchantId: string, command: CaptureCommand): Promise<Outcome<ActionDone>>;
  refund(merchantId: string, command: RefundCommand): Promise<Outcome<ActionDone>>;
  reverse(merchantId: string, command: ReverseCommand): Promise<Outcome<ActionDone>>;
  inquire(merchantId: string, payId: string): Promise<Outcome<Inquired>>;
  /** RTF=R: a merchant-initiated charge on a recurring charge permission (§5.9). */
  recurringCharge(merchantId: string, command: RecurringChargeCommand): Promise<Outcome<RecurringCharged>>;
}

export function createPayments(deps: PaymentDeps): Payments {
  return {
    init: (merchantId, command) => init(deps, merchantId, command),
    updateAmount: (merchantId, command) => updateAmount(deps, merchantId, command),
    review: (merchantId, command) => review(deps, merchantId, command),
    complete: (merchantId, command) => complete(deps, merchantId, command),
    cancelCheckout: (merchantId, payId) => cancelCheckout(deps, merchantId, payId),
    rememberAnswer: (merchantId, payId, answer) => rememberAnswer(deps, merchantId, payId, answer),
    capture: (merchantId, command) => capture(deps, merchantId, command),
    refund: (merchantId, command) => refund(deps, merchantId, command),
    reverse: (merchantId, command) => reverse(deps, merchantId, command),
    inquire: (merchantId, payId) => inquire(deps, merchantId, payId),
    recurringCharge: (merchantId, command) => recurringCharge(deps, merchantId, command),
  };
}

export type { BuyerOutcome } from "./buyer-return.js";
export type { CaptureCommand } from "./capture.js";
export type { CompleteCommand, Completed } from "./complete.js";
export type { InitCommand, Initialised } from "./init.js";
export type { Inquired } from "./inquire.js";
export type { RecurringChargeCommand, RecurringCharged } from "./recurring-charge.js";
export type { RefundCommand } from "./refund.js";
export type { ReverseCommand } from "./reverse.js";
export type { ReviewCommand, Reviewed } from "./review.js";
export type { AmountUpdated, UpdateAmountCommand } from "./update-amount.js";
