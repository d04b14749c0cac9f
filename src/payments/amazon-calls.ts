/**
 * The money-moving Amazon calls of the payment steps, as data: a discriminated union of calls
 * (operation name and its typed request, exactly what is stored in `operations.request` before
 * the call and sent again on a resume), and one table saying per operation which action's
 * idempotency key it carries, whether it moves money, and how it is sent and its answer read
 * (the reconciliation job resumes each of them when its outcome stays unknown).
 */

import type { AmazonPayClient } from "../amazon/client.js";
import { AmazonPayApiError } from "../amazon/errors.js";
import type {
  CancelChargeRequest,
  CaptureChargeRequest,
  CreateChargeRequest,
  CreateRefundRequest,
  Price,
} from "../amazon/wire.js";
import { type IdempotentAction, idempotencyKey } from "../core/idempotency.js";
import type { ActionKind, AmazonOutcome, Payment, PaymentAction } from "../core/payment.js";
import { outcomeOfCharge, outcomeOfRefund } from "./amazon-outcome.js";

/** What a call needs of the merchant's Amazon link (ports.ts `AmazonLink`). */
export interface AmazonConnection {
  readonly client: AmazonPayClient;
  /** Live accounts get no simulation codes (Amazon refuses them there). */
  readonly live: boolean;
}

type AmazonLink = AmazonConnection;

/** The shop's sandbox simulation code (seed: no effect live), planned with the call. */
interface Simulated {
  readonly simulationCode?: string;
}

export type PlannedCompletion = {
  readonly checkoutSessionId: string;
  readonly chargeAmount: Price;
} & Simulated;
export type PlannedCapture = { readonly chargeId: string } & CaptureChargeRequest & Simulated;
export type PlannedRefund = CreateRefundRequest & Simulated;
export type PlannedCancel = { readonly chargeId: string } & CancelChargeRequest;
export type PlannedCharge = CreateChargeRequest & Simulated;

export type AmazonCall =
  | { readonly operation: "completeCheckoutSession"; readonly request: PlannedCompletion }
  | { readonly operation: "captureCharge"; readonly request: PlannedCapture }
  | { readonly operation: "createRefund"; readonly request: PlannedRefund }
  | { readonly operation: "cancelCharge"; readonly request: PlannedCancel }
  | { readonly operation: "createCharge"; readonly request: PlannedCharge };

export type AmazonOperation = AmazonCall["operation"];

type RequestOf<O extends AmazonOperation> = Extract<AmazonCall, { operation: O }>["request"];

interface OperationRule<O extends AmazonOperation> {
  /** The action whose kind and sequence the idempotency key is derived from. */
  readonly keyOf: IdempotentAction;
  /** Whether the call moves money (then a lost answer is an unknown outcome, never a failure). */
  readonly moneyMoving: boolean;
  /** Sends the stored request with the key; an error is read by `outcomeOfError`. */
  readonly send: (link: AmazonLink, request: RequestOf<O>, idempotencyKey: string) => Promise<AmazonOutcome>;
}

/** Simulation codes reach the sandbox and the emulator only (seed: no effect live). */
export function simulation(link: AmazonLink, code: string | undefined): { simulationCode?: string } {
  return code === undefined || link.live ? {} : { simulationCode: code };
}

export const AMAZON_OPERATIONS: { readonly [O in AmazonOperation]: OperationRule<O> } = {
  completeCheckoutSession: {
    keyOf: "complete",
    moneyMoving: true,
    send: async (link, planned, key) => {
      const { checkoutSessionId, chargeAmount, simulationCode } = planned;
      try {
        const completed = await link.client.completeCheckoutSession(
          checkoutSessionId,
          { chargeAmount },
          { idempotencyKey: key, ...simulation(link, simulationCode) },
        );
        return await outcomeOfCompletion(link, completed.body.chargeId);
      } catch (error) {
        if (
          !(error instanceof AmazonPayApiError) ||
          (error.reasonCode !== "CheckoutSessionCanceled" &&
            error.reasonCode !== "InvalidCheckoutSessionStatus")
        ) {
          throw error;
        }
        // Canceled meanwhile, or completed by an earlier attempt whose answer was lost (Amazon's
        // idempotency window passed): the session tells which.
        const { body: after } = await link.client.getCheckoutSession(checkoutSessionId);
        if (after.statusDetails.state === "Completed") return outcomeOfCompletion(link, after.chargeId);
        return canceledOutcome(after.statusDetails) ?? { kind: "refused", reasonCode: error.reasonCode };
      }
    },
  },
  captureCharge: {
    keyOf: "capture",
    moneyMoving: true,
    send: async (link, planned, key) => {
      const { chargeId, simulationCode, ...body } = planned;
      const { body: charge } = await link.client.captureCharge(chargeId, body, {
        idempotencyKey: key,
        ...simulation(link, simulationCode),
      });
      return outcomeOfCharge(charge);
    },
  },
  createRefund: {
    keyOf: "credit",
    moneyMoving: true,
    send: async (link, planned, key) => {
      const { simulationCode, ...body } = planned;
      const { body: refund } = await link.client.createRefund(body, {
        idempotencyKey: key,
        ...simulation(link, simulationCode),
      });
      return outcomeOfRefund(refund);
    },
  },
  cancelCharge: {
    keyOf: "reverse",
    moneyMoving: true,
    // Cancel Charge takes no idempotency key: a repeat after a lost answer (the connector's retry,
    // a resume) finds the charge cancelled and is refused; the charge tells what happened.
    send: async (link, planned) => {
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
  createCharge: {
    keyOf: "charge",
    moneyMoving: true,
    send: async (link, planned, key) => {
      const { simulationCode, ...body } = planned;
      const { body: charge } = await link.client.createCharge(body, {
        idempotencyKey: key,
        ...simulation(link, simulationCode),
      });
      return outcomeOfCharge(charge);
    },
  },
};

/**
 * The operations the reconciliation job resumes when their outcome stays unknown: every one of
 * the table, the buyer's completion included (docs/async.md).
 */
export const RESUMABLE_OPERATIONS: readonly AmazonOperation[] = Object.keys(
  AMAZON_OPERATIONS,
) as AmazonOperation[];

export function isAmazonOperation(name: string): name is AmazonOperation {
  return Object.hasOwn(AMAZON_OPERATIONS, name);
}

/** Sends a planned call (dispatch over the union, so each request meets its own sender). */
export function sendCall(link: AmazonLink, call: AmazonCall, key: string): Promise<AmazonOutcome> {
  switch (call.operation) {
    case "completeCheckoutSession":
      return AMAZON_OPERATIONS.completeCheckoutSession.send(link, call.request, key);
    case "captureCharge":
      return AMAZON_OPERATIONS.captureCharge.send(link, call.request, key);
    case "createRefund":
      return AMAZON_OPERATIONS.createRefund.send(link, call.request, key);
    case "cancelCharge":
      return AMAZON_OPERATIONS.cancelCharge.send(link, call.request, key);
    case "createCharge":
      return AMAZON_OPERATIONS.createCharge.send(link, call.request, key);
  }
}

/** The idempotency key of the call an action makes (core/idempotency.ts), stored with the call. */
export function keyOf(payment: Payment, action: PaymentAction, operation: AmazonOperation): string {
  return idempotencyKey({
    merchantId: payment.merchantId,
    payId: payment.payId,
    action: AMAZON_OPERATIONS[operation].keyOf,
    sequence: action.sequence,
  });
}

/** A planned call: the action it belongs to, its key, and the call itself. */
export interface PlannedCall {
  readonly merchantId: string;
  readonly payId: string;
  readonly xid: string;
  readonly sequence: number;
  readonly action: ActionKind;
  readonly idempotencyKey: string;
  readonly call: AmazonCall;
}

export function planCall(payment: Payment, action: PaymentAction, call: AmazonCall): PlannedCall {
  return {
    merchantId: payment.merchantId,
    payId: payment.payId,
    xid: action.xid,
    sequence: action.sequence,
    action: action.kind,
    idempotencyKey: keyOf(payment, action, call.operation),
    call,
  };
}

/** The charge a completion created, read for its state; none yet: the outcome is unknown. */
async function outcomeOfCompletion(link: AmazonLink, chargeId: string | null): Promise<AmazonOutcome> {
  if (chargeId === null) return { kind: "unknown" };
  return outcomeOfCharge((await link.client.getCharge(chargeId)).body);
}

/** A session Amazon cancelled before completion: buyer abort, decline, expiry. */
export function canceledOutcome(status: {
  readonly state: string;
  readonly reasonCode: string | null;
}): AmazonOutcome | undefined {
  if (status.state !== "Canceled") return undefined;
  if (status.reasonCode === "Declined") return { kind: "declined", reasonCode: "Declined" };
  return { kind: "canceled", reasonCode: status.reasonCode ?? "BuyerCanceled" };
}
