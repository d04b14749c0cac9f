/**
 * capture.aspx, credit.aspx and reverse.aspx as flow steps (reference §5.6–§5.8), one function
 * each; what Amazon finishes later is settled in `settle.ts`.
 * Each: ReqId replay → begin (stored with the planned call and its key) → Amazon → outcome,
 * events and notifies in one transaction.
 */

import { AmazonPayApiError } from "../../amazon/errors.js";
import { priceFromMoney } from "../../amazon/map.js";
import type { CancelChargeRequest, CaptureChargeRequest, CreateRefundRequest } from "../../amazon/wire.js";
import {
  type AmazonOutcome,
  beginCapture,
  beginCredit,
  beginReverse,
  inFlightAction,
  type Payment,
  type PaymentAction,
  type PaymentEvent,
  type PaymentResult,
} from "../../core/payment.js";
import { actionNotifyBody } from "../../paygate/pages/notify-answer.js";
import type { PaygateMerchant } from "../../paygate/pages/receive.js";
import { ReqIdReplayError } from "../store/payment-changes.js";
import { outcomeOfCharge, outcomeOfRefund } from "./amazon-outcome.js";
import { notifyRow, simulation } from "./buyer-return.js";
import type { AmazonLink, FlowDeps, NotifyRow, PaymentRecord } from "./ports.js";
import { paymentNotifies, settlePendingActions } from "./settle.js";
import {
  type AmazonActionDone,
  answerContextOf,
  refused,
  replayOf,
  resultOf,
  resumeCut,
  runAmazonAction,
} from "./support.js";
import type { ActionCommand, ActionResult, FlowResult } from "./types.js";

type ActionFlowResult = FlowResult<{ result: ActionResult }>;

export type ActionFlow = (merchantId: string, command: ActionCommand) => Promise<ActionFlowResult>;

type ShopAction = "capture" | "credit" | "reverse";

/**
 * What is planned (operations.request) and sent for each action: the Amazon request, plus the
 * simulation code of the shop's request, so a resume after a restart sends exactly the same.
 */
type PlannedCapture = { readonly chargeId: string; readonly simulationCode?: string } & CaptureChargeRequest;
type PlannedRefund = { readonly simulationCode?: string } & CreateRefundRequest;
type PlannedCancel = { readonly chargeId: string } & CancelChargeRequest;

interface ActionRules {
  readonly begin: (payment: Payment, xid: string, command: ActionCommand) => PaymentResult;
  readonly amazonOperation: string;
  /** The request planned for a new action; `command` is absent only for a resume's fallback. */
  readonly request: (record: PaymentRecord, action: PaymentAction, command?: ActionCommand) => unknown;
  readonly send: (link: AmazonLink, planned: never, idempotencyKey: string) => Promise<AmazonOutcome>;
}

const ACTIONS: Readonly<Record<ShopAction, ActionRules>> = {
  capture: {
    begin: (payment, xid, command) =>
      beginCapture(payment, {
        xid,
        transId: command.transId ?? payment.transId,
        amount: command.amount ?? 0,
        currency: command.currency ?? "",
      }),
    amazonOperation: "captureCharge",
    request: (record, action, command): PlannedCapture => {
      // ChDesc of the capture, else the one the init carried for later (TxType=Authorize).
      const softDescriptor = command?.softDescriptor ?? record.context.softDescriptor;
      return {
        chargeId: record.payment.amazon.chargeId as string,
        captureAmount: priceFromMoney({ minor: action.amount, currency: record.payment.currency }),
        ...(softDescriptor === undefined ? {} : { softDescriptor }),
        ...(command?.simulationCode === undefined ? {} : { simulationCode: command.simulationCode }),
      };
    },
    send: async (link, planned: PlannedCapture, idempotencyKey) => {
      const { chargeId, simulationCode, ...body } = planned;
      const { body: charge } = await link.client.captureCharge(chargeId, body, {
        idempotencyKey,
        ...simulation(link, simulationCode),
      });
      return outcomeOfCharge(charge);
    },
  },
  credit: {
    begin: (payment, xid, command) =>
      beginCredit(payment, {
        xid,
        transId: command.transId ?? payment.transId,
        amount: command.amount ?? 0,
        currency: command.currency ?? "",
      }),
    amazonOperation: "createRefund",
    request: (record, action, command): PlannedRefund => ({
      chargeId: record.payment.amazon.chargeId as string,
      refundAmount: priceFromMoney({ minor: action.amount, currency: record.payment.currency }),
      ...(command?.simulationCode === undefined ? {} : { simulationCode: command.simulationCode }),
    }),
    send: async (link, planned: PlannedRefund, idempotencyKey) => {
      const { simulationCode, ...body } = planned;
      const { body: refund } = await link.client.createRefund(body, {
        idempotencyKey,
        ...simulation(link, simulationCode),
      });
      return outcomeOfRefund(refund);
    },
  },
  reverse: {
    begin: (payment, xid, command) =>
      beginReverse(payment, { xid, ...(command.transId === undefined ? {} : { transId: command.transId }) }),
    amazonOperation: "cancelCharge",
    request: (record, _action, command): PlannedCancel => ({
      chargeId: record.payment.amazon.chargeId as string,
      cancellationReason: (command?.reason ?? "Reversed by the merchant").slice(0, 255),
    }),
    // Cancel Charge takes no idempotency key: a repeat after a lost answer (the connector's retry,
    // a resume) finds the charge cancelled and is refused; the charge tells what happened.
    send: async (link, planned: PlannedCancel) => {
      const { chargeId, ...body } = planned;
      try {
        return outcomeOfCharge((await link.client.cancelCharge(chargeId, body)).body);
      } catch (error) {
        if (!(error instanceof AmazonPayApiError) || error.reasonCode !== "InvalidChargeStatus") throw error;
        const { body: charge } = await link.client.getCharge(chargeId);
        if (charge.statusDetails.state !== "Canceled") throw error;
        return outcomeOfCharge(charge);
      }
    },
  },
};

/** `capture.aspx`: one capture of the authorised charge (at most its amount). */
export function captureCharge(deps: FlowDeps, merchantId: string, command: ActionCommand) {
  return shopAction(deps, merchantId, "capture", command);
}

/** `credit.aspx`: a refund of the captured charge, within Amazon's ceiling. */
export function refundCharge(deps: FlowDeps, merchantId: string, command: ActionCommand) {
  return shopAction(deps, merchantId, "credit", command);
}

/** `reverse.aspx`: cancels the uncaptured authorisation (Amazon: cancel charge). */
export function reverseCharge(deps: FlowDeps, merchantId: string, command: ActionCommand) {
  return shopAction(deps, merchantId, "reverse", command);
}

/**
 * One shop action. A ReqId seen before (reference §4.1) answers its original action — resumed
 * first when its Amazon call has an unknown outcome (a crash, a lost answer); so does one claimed
 * by a concurrent request while this one ran (its claim rolled this one back). A new action that
 * finds another one's call cut off finishes that one first, then decides again.
 */
async function shopAction(
  deps: FlowDeps,
  merchantId: string,
  kind: ShopAction,
  command: ActionCommand,
): Promise<ActionFlowResult> {
  const merchant = await deps.findMerchant(merchantId);
  if (merchant === undefined) return refused("MERCHANT_UNKNOWN");
  const answer = (done: FlowResult<AmazonActionDone>): ActionFlowResult =>
    done.ok
      ? { ok: true, result: { ...resultOf(done.record, done.action, done.message), refnr: command.refnr } }
      : done;
  const replay = async (): Promise<ActionFlowResult | undefined> => {
    const seen = await replayOf(deps, merchantId, command.reqId);
    if (seen === undefined || !seen.ok) return seen;
    return answer(await resumeIfCut(deps, merchant, seen.record, seen.action));
  };
  const replayed = await replay();
  if (replayed !== undefined) return replayed;
  try {
    const first = await runAmazonAction(deps, actionSpec(merchant, kind, command));
    if (first.ok || first.payment === undefined) return answer(first);
    const cut = inFlightAction(first.payment);
    const record = cut && (await deps.store.load(deps.db, merchantId, command.payId));
    if (cut === undefined || record === undefined || !isShopAction(cut.kind)) return first;
    const resumed = await resumeIfCut(deps, merchant, record, cut);
    if (!resumed.ok || resumed.action.state === "inFlight") return first;
    return answer(await runAmazonAction(deps, actionSpec(merchant, kind, command)));
  } catch (error) {
    if (!(error instanceof ReqIdReplayError)) throw error;
    return (await replay()) ?? refused("INTERNAL_ERROR");
  }
}

function actionSpec(merchant: PaygateMerchant, kind: ShopAction, command: ActionCommand) {
  const rules = ACTIONS[kind];
  return {
    merchantId: merchant.merchantId,
    payId: command.payId,
    reqId: command.reqId,
    begin: (payment: Payment, xid: string) => rules.begin(payment, xid, command),
    plan: {
      call: kind,
      amazonOperation: rules.amazonOperation,
      request: (record: PaymentRecord, action: PaymentAction) => rules.request(record, action, command),
    },
    call: (_record: PaymentRecord, _action: PaymentAction, link: AmazonLink, key: string, planned: unknown) =>
      rules.send(link, planned as never, key),
    // A reverse during AuthorizationPending ends the pending completion: its FAILED notify.
    notifies: (record: PaymentRecord, events: readonly PaymentEvent[]) =>
      paymentNotifies(merchant, record, events),
  } as const;
}

function isShopAction(kind: string): kind is ShopAction {
  return kind === "capture" || kind === "credit" || kind === "reverse";
}

/**
 * Resumes a capture, credit or reverse whose Amazon call was cut (support.ts `resumeCut`); any
 * other action is handed back as it stands.
 */
export async function resumeIfCut(
  deps: FlowDeps,
  merchant: PaygateMerchant,
  record: PaymentRecord,
  action: PaymentAction,
): Promise<FlowResult<AmazonActionDone>> {
  if (!isShopAction(action.kind)) return { ok: true, record, action, message: undefined };
  const rules = ACTIONS[action.kind];
  return resumeCut(deps, record, action, {
    plan: {
      call: action.kind,
      amazonOperation: rules.amazonOperation,
      // Only if the planned row were missing; it is written with the action, so it never is.
      request: (current, inFlight) => rules.request(current, inFlight),
    },
    call: (_current, _inFlight, link, key, planned) => rules.send(link, planned as never, key),
    notifies: (current, events) => paymentNotifies(merchant, current, events),
  });
}

/** `inquire.aspx`: the payment as it stands, captures and refunds Amazon settled meanwhile included. */
export async function inquirePayment(
  deps: FlowDeps,
  merchantId: string,
  payId: string,
): Promise<FlowResult<{ record: PaymentRecord }>> {
  try {
    const merchant = await deps.findMerchant(merchantId);
    const record = await deps.store.load(deps.db, merchantId, payId);
    const cut = record && inFlightAction(record.payment);
    if (merchant !== undefined && record !== undefined && cut !== undefined) {
      await resumeIfCut(deps, merchant, record, cut);
    }
    await settlePendingActions(deps, merchantId, payId);
  } catch {
    // Amazon unreachable: answer with what is known; an IPN or the reconciliation settles it later.
  }
  const record = await deps.store.load(deps.db, merchantId, payId);
  if (record === undefined) return refused("PAYMENT_UNKNOWN");
  return { ok: true, record };
}

/** Capture and credit notifies. Pure: it runs inside the outcome's transaction. */
export function actionNotifies(
  merchant: PaygateMerchant,
  record: PaymentRecord,
  events: readonly PaymentEvent[],
): NotifyRow[] {
  const context = answerContextOf(merchant, record);
  return events
    .filter((event) => event.type === "capture" || event.type === "credit")
    .map((event) => {
      const action = record.payment.actions.find((candidate) => candidate.xid === event.xid) as PaymentAction;
      const result = resultOf(record, action, event.reasonCode);
      return notifyRow(record, event, actionNotifyBody(context, result));
    });
}
