/**
 * The Amazon call each kind of action plans, built from the payment and what its command asked
 * (amazon-calls.ts stores it and sends it again unchanged on a resume).
 */
import { priceFromMoney } from "../amazon/map.js";
import type { PaymentAction } from "../core/payment.js";
import type { AmazonCall } from "./amazon-calls.js";
import type { PaymentRecord } from "./ports.js";

/** What a capture's command adds to its call; absent for a resume's fallback. */
export interface CaptureOptions {
  readonly softDescriptor?: string | undefined;
  readonly simulationCode?: string | undefined;
}

export function captureCall(
  record: PaymentRecord,
  action: PaymentAction,
  options: CaptureOptions = {},
): AmazonCall {
  // ChDesc of the capture, else the one the init carried for later (TxType=Authorize).
  const softDescriptor = options.softDescriptor ?? record.context.softDescriptor;
  return {
    operation: "captureCharge",
    request: {
      chargeId: chargeIdOf(record),
      captureAmount: priceFromMoney({ minor: action.amount, currency: record.payment.currency }),
      ...(softDescriptor === undefined ? {} : { softDescriptor }),
      ...(options.simulationCode === undefined ? {} : { simulationCode: options.simulationCode }),
    },
  };
}

export function refundCall(
  record: PaymentRecord,
  action: PaymentAction,
  simulationCode?: string,
): AmazonCall {
  return {
    operation: "createRefund",
    request: {
      chargeId: chargeIdOf(record),
      refundAmount: priceFromMoney({ minor: action.amount, currency: record.payment.currency }),
      ...(simulationCode === undefined ? {} : { simulationCode }),
    },
  };
}

export function cancelCall(record: PaymentRecord, reason: string | undefined): AmazonCall {
  return {
    operation: "cancelCharge",
    request: {
      chargeId: chargeIdOf(record),
      cancellationReason: (reason ?? "Reversed by the merchant").slice(0, 255),
    },
  };
}

/** The Create Charge of an RTF=R payment, from what the payment keeps (also for a resume). */
export function chargeCall(record: PaymentRecord): AmazonCall {
  const { payment, context } = record;
  return {
    operation: "createCharge",
    request: {
      chargePermissionId: payment.amazon.chargePermissionId ?? "",
      chargeAmount: priceFromMoney({ minor: payment.amount, currency: payment.currency }),
      captureNow: context.intent === "AuthorizeWithCapture",
      canHandlePendingAuthorization: false,
      chargeInitiator: "MITR",
      merchantMetadata: { merchantReferenceId: context.merchantReferenceId },
      ...(context.softDescriptor !== undefined && context.intent === "AuthorizeWithCapture"
        ? { softDescriptor: context.softDescriptor }
        : {}),
      ...(context.simulationCode === undefined ? {} : { simulationCode: context.simulationCode }),
    },
  };
}

export function completionCall(
  record: PaymentRecord,
  action: PaymentAction,
  checkoutSessionId: string,
): AmazonCall {
  return {
    operation: "completeCheckoutSession",
    request: {
      checkoutSessionId,
      chargeAmount: priceFromMoney({ minor: action.amount, currency: record.payment.currency }),
      ...(record.context.simulationCode === undefined
        ? {}
        : { simulationCode: record.context.simulationCode }),
    },
  };
}

/** Captures, refunds and reverses begin only on an authorised charge (the aggregate checks it). */
function chargeIdOf(record: PaymentRecord): string {
  return record.payment.amazon.chargeId ?? "";
}
