/**
 * capture.aspx, credit.aspx and reverse.aspx as flow steps (reference §5.6–§5.8), one function
 * each; what Amazon finishes later is settled in `settle.ts`.
 * Each: ReqId replay → begin (stored with the planned call and its key) → Amazon → outcome,
 * events and notifies in one transaction.
 */
import { priceFromMoney } from "../../amazon/map.js";
import {
  beginCapture,
  beginCredit,
  beginReverse,
  type PaymentAction,
  type PaymentEvent,
} from "../../core/payment.js";
import { actionNotifyBody } from "../../paygate/pages/notify-answer.js";
import type { PaygateMerchant } from "../../paygate/pages/receive.js";
import { ReqIdReplayError } from "../store/payment-changes.js";
import { outcomeOfCharge, outcomeOfRefund } from "./amazon-outcome.js";
import { notifyRow, simulation } from "./buyer-return.js";
import type { FlowDeps, NotifyRow, PaymentRecord } from "./ports.js";
import { settlePendingActions } from "./settle.js";
import { answerContextOf, refused, replayed, resultOf, runAmazonAction } from "./support.js";
import type { ActionCommand, ActionResult, FlowResult } from "./types.js";

type ActionFlowResult = FlowResult<{ result: ActionResult }>;

export type ActionFlow = (merchantId: string, command: ActionCommand) => Promise<ActionFlowResult>;

/** `capture.aspx`: one capture of the authorised charge (at most its amount). */
export function captureCharge(
  deps: FlowDeps,
  merchantId: string,
  command: ActionCommand,
): Promise<ActionFlowResult> {
  return onceForReqId(deps, merchantId, command.reqId, () => captureChargeOnce(deps, merchantId, command));
}

async function captureChargeOnce(
  deps: FlowDeps,
  merchantId: string,
  command: ActionCommand,
): Promise<ActionFlowResult> {
  const merchant = await deps.findMerchant(merchantId);
  if (merchant === undefined) return refused("MERCHANT_UNKNOWN");
  const done = await runAmazonAction(deps, {
    merchantId,
    payId: command.payId,
    reqId: command.reqId,
    begin: (payment, xid) =>
      beginCapture(payment, {
        xid,
        transId: command.transId ?? payment.transId,
        amount: command.amount ?? 0,
        currency: command.currency ?? "",
      }),
    plan: {
      call: "capture",
      amazonOperation: "captureCharge",
      request: (record, action) => ({
        chargeId: record.payment.amazon.chargeId,
        ...captureBody(record, action, command),
      }),
    },
    call: async (record, action, link, idempotencyKey) => {
      const { body } = await link.client.captureCharge(
        record.payment.amazon.chargeId as string,
        captureBody(record, action, command),
        { idempotencyKey, ...simulation(link, command.simulationCode) },
      );
      return outcomeOfCharge(body);
    },
    notifies: (record, events) => actionNotifies(merchant, record, events),
  });
  if (!done.ok) return done;
  return { ok: true, result: { ...resultOf(done.record, done.action, done.message), refnr: command.refnr } };
}

function captureBody(record: PaymentRecord, action: PaymentAction, command: ActionCommand) {
  // ChDesc of the capture, else the one the init carried for later (TxType=Authorize).
  const softDescriptor = command.softDescriptor ?? record.context.softDescriptor;
  return {
    captureAmount: priceFromMoney({ minor: action.amount, currency: record.payment.currency }),
    ...(softDescriptor === undefined ? {} : { softDescriptor }),
  };
}

/** `credit.aspx`: a refund of the captured charge, within Amazon's ceiling. */
export function refundCharge(
  deps: FlowDeps,
  merchantId: string,
  command: ActionCommand,
): Promise<ActionFlowResult> {
  return onceForReqId(deps, merchantId, command.reqId, () => refundChargeOnce(deps, merchantId, command));
}

async function refundChargeOnce(
  deps: FlowDeps,
  merchantId: string,
  command: ActionCommand,
): Promise<ActionFlowResult> {
  const merchant = await deps.findMerchant(merchantId);
  if (merchant === undefined) return refused("MERCHANT_UNKNOWN");
  const done = await runAmazonAction(deps, {
    merchantId,
    payId: command.payId,
    reqId: command.reqId,
    begin: (payment, xid) =>
      beginCredit(payment, {
        xid,
        transId: command.transId ?? payment.transId,
        amount: command.amount ?? 0,
        currency: command.currency ?? "",
      }),
    plan: {
      call: "credit",
      amazonOperation: "createRefund",
      request: (record, action) => refundBody(record, action),
    },
    call: async (record, action, link, idempotencyKey) => {
      const { body } = await link.client.createRefund(refundBody(record, action), {
        idempotencyKey,
        ...simulation(link, command.simulationCode),
      });
      return outcomeOfRefund(body);
    },
    notifies: (record, events) => actionNotifies(merchant, record, events),
  });
  if (!done.ok) return done;
  return { ok: true, result: { ...resultOf(done.record, done.action, done.message), refnr: command.refnr } };
}

function refundBody(record: PaymentRecord, action: PaymentAction) {
  return {
    chargeId: record.payment.amazon.chargeId as string,
    refundAmount: priceFromMoney({ minor: action.amount, currency: record.payment.currency }),
  };
}

/** `reverse.aspx`: cancels the uncaptured authorisation (Amazon: cancel charge). */
export function reverseCharge(
  deps: FlowDeps,
  merchantId: string,
  command: ActionCommand,
): Promise<ActionFlowResult> {
  return onceForReqId(deps, merchantId, command.reqId, () => reverseChargeOnce(deps, merchantId, command));
}

async function reverseChargeOnce(
  deps: FlowDeps,
  merchantId: string,
  command: ActionCommand,
): Promise<ActionFlowResult> {
  const cancellationReason = (command.reason ?? "Reversed by the merchant").slice(0, 255);
  const done = await runAmazonAction(deps, {
    merchantId,
    payId: command.payId,
    reqId: command.reqId,
    begin: (payment, xid) =>
      beginReverse(payment, { xid, ...(command.transId === undefined ? {} : { transId: command.transId }) }),
    plan: {
      call: "reverse",
      amazonOperation: "cancelCharge",
      request: (record) => ({ chargeId: record.payment.amazon.chargeId, cancellationReason }),
    },
    call: async (record) => {
      const { body } = await (await linkOf(deps, merchantId)).client.cancelCharge(
        record.payment.amazon.chargeId as string,
        { cancellationReason },
      );
      return outcomeOfCharge(body);
    },
    notifies: () => [],
  });
  if (!done.ok) return done;
  return { ok: true, result: { ...resultOf(done.record, done.action, done.message), refnr: command.refnr } };
}

async function linkOf(deps: FlowDeps, merchantId: string) {
  const link = await deps.amazonFor(merchantId);
  if (link === undefined) throw new Error(`merchant ${merchantId} lost its Amazon link`);
  return link;
}

/** `inquire.aspx`: the payment as it stands, captures and refunds Amazon settled meanwhile included. */
export async function inquirePayment(
  deps: FlowDeps,
  merchantId: string,
  payId: string,
): Promise<FlowResult<{ record: PaymentRecord }>> {
  try {
    await settlePendingActions(deps, merchantId, payId);
  } catch {
    // Amazon unreachable: answer with what is known; an IPN or the reconciliation settles it later.
  }
  const record = await deps.store.load(deps.db, merchantId, payId);
  if (record === undefined) return refused("PAYMENT_UNKNOWN");
  return { ok: true, record };
}

/**
 * ReqId replays (reference §4.1): a ReqId seen before answers its original action; one claimed
 * by a concurrent request while this one ran (its claim rolled this one back) does too.
 */
async function onceForReqId(
  deps: FlowDeps,
  merchantId: string,
  reqId: string | undefined,
  run: () => Promise<ActionFlowResult>,
): Promise<ActionFlowResult> {
  const replay = await replayed(deps, merchantId, reqId);
  if (replay !== undefined) return replay;
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ReqIdReplayError)) throw error;
    return (await replayed(deps, merchantId, reqId)) ?? refused("INTERNAL_ERROR");
  }
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
