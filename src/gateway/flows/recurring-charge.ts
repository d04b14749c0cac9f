/**
 * RTF=R (seed 004 "Wiederkehrende Zahlung", reference §5.9, amazon-pay-v2.md §12): a
 * merchant-initiated charge on the Recurring charge permission of an earlier RTF=I checkout.
 * Each charge is a payment of its own (own PayID, `checkoutMode` `MerchantInitiated`) whose
 * completion is Amazon's Create Charge with `chargeInitiator` `MITR` (merchant-initiated,
 * recurring). The idempotency key derives from that payment's completion action, and a ReqId
 * names the payment, so neither a replay nor a retry charges twice. Capture, credit, reverse and
 * inquire then work on the new PayID as on any other payment.
 *
 * Before charging, the permission is read from Amazon: a Closed one (buyer or merchant closed
 * it) is refused without a Create Charge, with Amazon's `InvalidChargePermissionStatus`; its
 * expiry date is handed back so callers can warn within 30 days of it.
 */
import { priceFromMoney } from "../../amazon/map.js";
import type { ChargePermission, CreateChargeRequest } from "../../amazon/wire.js";
import { parseAmazonTimestamp } from "../../core/clock.js";
import {
  type AmazonOutcome,
  beginCompletion,
  initPayment,
  type PaymentAction,
  type PaymentEvent,
} from "../../core/payment.js";
import { isExpiringSoon } from "../../core/recurring.js";
import type { Logger } from "../../log.js";
import { type PaygateCode, paygateCode } from "../../paygate/codes.js";
import type { PaygateMerchant } from "../../paygate/pages/receive.js";
import { recurringNotifyBody } from "../../paygate/pages/recurring-charge.js";
import { paygateCodeOfRefusal } from "../refusal-codes.js";
import { ReqIdReplayError } from "../store/payment-changes.js";
import { outcomeOfCharge } from "./amazon-outcome.js";
import { notifyRow, simulation } from "./buyer-return.js";
import { MARKET_REGIONS } from "./init.js";
import type { AmazonLink, CheckoutContext, FlowDeps, NotifyRow, PaymentRecord } from "./ports.js";
import { createdRecurring, findPermissionOwner } from "./recurring-store.js";
import {
  type AmazonActionDone,
  answerContextOf,
  type ResumeSpec,
  refused,
  replayOf,
  resultOf,
  resumeCut,
  runAmazonAction,
} from "./support.js";
import type { ActionResult, FlowResult, PaymentIntent, ShopReturn } from "./types.js";

export interface RecurringChargeCommand {
  readonly chargePermissionId: string;
  readonly transId: string;
  readonly refnr: string | undefined;
  readonly reqId: string | undefined;
  readonly countryCode: string;
  readonly amount: number;
  readonly currency: string;
  readonly intent: PaymentIntent;
  readonly softDescriptor: string | undefined;
  readonly simulationCode: string | undefined;
  /** Where the notify goes; the initial payment's URLNotify when undefined. */
  readonly urlNotify: string | undefined;
  /** Echoes for the answer and the notify. */
  readonly echo: Pick<ShopReturn, "userData" | "custom" | "scheme">;
}

export interface RecurringChargeDone {
  readonly result: ActionResult;
  /** The permission's expiry as Amazon last showed it (epoch ms), when known. */
  readonly permissionExpiresAt?: number | undefined;
}

/** Optional logger for the expiry warning (a flow has no logger of its own). */
export type RecurringDeps = FlowDeps & { readonly logger?: Logger | undefined };

export async function chargeRecurring(
  deps: RecurringDeps,
  merchantId: string,
  command: RecurringChargeCommand,
): Promise<FlowResult<RecurringChargeDone>> {
  const replay = await replayedCharge(deps, merchantId, command.reqId);
  if (replay !== undefined) return replay;
  try {
    return await chargeOnce(deps, merchantId, command);
  } catch (error) {
    if (!(error instanceof ReqIdReplayError)) throw error;
    return (await replayedCharge(deps, merchantId, command.reqId)) ?? refused("INTERNAL_ERROR");
  }
}

/**
 * A ReqId seen before (reference §4.1) answers its charge as it stands — resumed first when its
 * Create Charge has an unknown outcome (a crash, a lost answer), like capture and credit.
 */
async function replayedCharge(
  deps: RecurringDeps,
  merchantId: string,
  reqId: string | undefined,
): Promise<FlowResult<RecurringChargeDone> | undefined> {
  const seen = await replayOf(deps, merchantId, reqId);
  if (seen === undefined || !seen.ok) return seen;
  const merchant = await deps.findMerchant(merchantId);
  if (merchant === undefined) return refused("MERCHANT_UNKNOWN");
  const done = await resumeRecurringCharge(deps, merchant, seen.record, seen.action);
  if (!done.ok) return done;
  return { ok: true, result: recurringResult(resultOf(done.record, done.action, done.message)) };
}

/**
 * Resumes an RTF=R charge whose Create Charge was cut: the stored request again, same key and
 * simulation code (support.ts `resumeCut`). Amazon replays its first answer for them.
 */
export function resumeRecurringCharge(
  deps: FlowDeps,
  merchant: PaygateMerchant,
  record: PaymentRecord,
  action: PaymentAction,
): Promise<FlowResult<AmazonActionDone>> {
  return resumeCut(deps, record, action, {
    plan: CHARGE_PLAN,
    call: (current, _action, amazon, idempotencyKey, planned) =>
      sendCharge(amazon, planned as CreateChargeRequest, idempotencyKey, current.context.simulationCode),
    notifies: (current, events) => recurringNotifies(merchant, current, events),
  });
}

async function chargeOnce(
  deps: RecurringDeps,
  merchantId: string,
  command: RecurringChargeCommand,
): Promise<FlowResult<RecurringChargeDone>> {
  const merchant = await deps.findMerchant(merchantId);
  if (merchant === undefined) return refused("MERCHANT_UNKNOWN");
  const link = await deps.amazonFor(merchantId);
  if (link === undefined || MARKET_REGIONS[command.countryCode] !== link.region) {
    return refused("MARKET_NOT_CONFIGURED");
  }
  // Only a permission from this merchant's own checkout can be charged (another merchant's id
  // reads as unknown, like another merchant's PayID).
  const initial = await findPermissionOwner(deps.db, merchantId, command.chargePermissionId);
  if (initial === undefined) {
    return { ok: false, code: paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "ChargepermissionId") };
  }
  if (!createdRecurring(initial)) return refused("RECURRING_NOT_ALLOWED");
  if (initial.payment.currency !== command.currency) return refused("CURRENCY_MISMATCH");

  const payId = deps.newId();
  const created = initPayment({
    payId,
    xid: deps.newId(),
    merchantId,
    transId: command.transId,
    ...(command.refnr === undefined ? {} : { refNr: command.refnr }),
    amount: command.amount,
    currency: command.currency,
    txType: command.intent,
    checkoutMode: "MerchantInitiated",
  });
  if (!created.ok) return { ok: false, code: paygateCodeOfRefusal(created.refusal) };
  const payment = { ...created.payment, amazon: { chargePermissionId: command.chargePermissionId } };
  const context = chargeContext(command, initial.context);
  await deps.db.transaction((tx) => deps.store.insert(tx, { payment, context }));

  let permissionExpiresAt: number | undefined;
  const done = await runAmazonAction(deps, {
    merchantId,
    payId,
    reqId: command.reqId,
    begin: beginCompletion,
    plan: CHARGE_PLAN,
    call: async (_record, _action, amazon, idempotencyKey, planned) => {
      const { body: permission } = await amazon.client.getChargePermission(command.chargePermissionId);
      permissionExpiresAt = expiryOf(permission);
      const warning = expiryWarning(permission, deps.clock.now());
      if (warning !== undefined) {
        deps.logger?.warn(
          { merchantId, ...warning },
          "recurring charge permission expires within 30 days; the buyer must check out again to continue",
        );
      }
      const closed = closedRefusal(permission);
      if (closed !== undefined) return closed;
      // The stored request, as a resume sends it (Amazon replays only for the same body).
      return sendCharge(amazon, planned as CreateChargeRequest, idempotencyKey, command.simulationCode);
    },
    notifies: (record, events) => recurringNotifies(merchant, record, events),
  });
  if (!done.ok) return done;
  return {
    ok: true,
    result: recurringResult({ ...resultOf(done.record, done.action, done.message), refnr: command.refnr }),
    permissionExpiresAt,
  };
}

const CHARGE_PLAN: ResumeSpec["plan"] = {
  call: "charge",
  amazonOperation: "createCharge",
  request: (record) => chargeRequestOf(record),
};

/** The Create Charge of an RTF=R payment, from what the payment keeps (also for a resume). */
function chargeRequestOf(record: PaymentRecord): CreateChargeRequest {
  const { payment, context } = record;
  return {
    chargePermissionId: payment.amazon.chargePermissionId as string,
    chargeAmount: priceFromMoney({ minor: payment.amount, currency: payment.currency }),
    captureNow: context.intent === "AuthorizeWithCapture",
    canHandlePendingAuthorization: false,
    chargeInitiator: "MITR",
    merchantMetadata: { merchantReferenceId: context.merchantReferenceId },
    ...(context.softDescriptor !== undefined && context.intent === "AuthorizeWithCapture"
      ? { softDescriptor: context.softDescriptor }
      : {}),
  };
}

async function sendCharge(
  amazon: AmazonLink,
  body: CreateChargeRequest,
  idempotencyKey: string,
  simulationCode: string | undefined,
): Promise<AmazonOutcome> {
  const { body: charge } = await amazon.client.createCharge(body, {
    idempotencyKey,
    ...simulation(amazon, simulationCode),
  });
  return outcomeOfCharge(charge);
}

/** What the payment keeps: how to notify; there is no buyer, so no return pages or button. */
function chargeContext(command: RecurringChargeCommand, initial: CheckoutContext): CheckoutContext {
  return {
    shop: {
      urlSuccess: "",
      urlFailure: "",
      urlNotify: command.urlNotify ?? initial.shop.urlNotify,
      urlCancel: undefined,
      shopUrl: "",
      ...command.echo,
    },
    countryCode: command.countryCode,
    intent: command.intent,
    processOrder: false,
    softDescriptor: command.softDescriptor,
    merchantReferenceId: command.refnr ?? command.transId,
    simulationCode: command.simulationCode,
    returns: { review: "", result: "", cancel: "" },
    button: { payload: "", signature: "", publicKeyId: "" },
  };
}

/** A Closed permission cannot be charged (amazon-pay-v2.md §6): Amazon's own refusal, no call. */
function closedRefusal(permission: ChargePermission): AmazonOutcome | undefined {
  const { state, reasons } = permission.statusDetails;
  if (state !== "Closed") return undefined;
  const why = reasons?.map((reason) => reason.reasonCode).join(", ") || "Closed";
  const message = `InvalidChargePermissionStatus: the charge permission is Closed (${why})`;
  return { kind: "refused", reasonCode: "InvalidChargePermissionStatus", message } as AmazonOutcome;
}

function expiryOf(permission: ChargePermission): number | undefined {
  return permission.expirationTimestamp === null
    ? undefined
    : parseAmazonTimestamp(permission.expirationTimestamp);
}

/** The warning's fields when the permission expires within 30 days (and has not yet). */
export function expiryWarning(
  permission: ChargePermission,
  now: number,
): { readonly chargePermissionId: string; readonly expiresAt: string } | undefined {
  const expiresAt = expiryOf(permission);
  if (!isExpiringSoon(expiresAt, now)) return undefined;
  return {
    chargePermissionId: permission.chargePermissionId,
    expiresAt: new Date(expiresAt as number).toISOString(),
  };
}

/**
 * A recurring charge's result as the shop reads it: a permission that cannot be charged has its
 * own code; Amazon's reason always leads ErrorText (CodeExt holds only 10 characters of it).
 */
export function recurringResult(result: ActionResult): ActionResult {
  if (result.status !== "FAILED") return result;
  const reason = result.action.reasonCode;
  const code: PaygateCode =
    reason === "InvalidChargePermissionStatus" ? paygateCode("RECURRING_NOT_ALLOWED") : result.code;
  const text = result.errorText;
  const errorText =
    reason === undefined || text === undefined || text.startsWith(reason)
      ? (text ?? reason)
      : `${reason}: ${text}`;
  return { ...result, code, errorText };
}

/**
 * Notifies for what Amazon decided (charged or declined); a refused request changed nothing.
 * Also used when a pending charge settles later (settle.ts).
 */
export function recurringNotifies(
  merchant: PaygateMerchant,
  record: PaymentRecord,
  events: readonly PaymentEvent[],
): NotifyRow[] {
  const context = answerContextOf(merchant, record);
  return events
    .filter((event) => event.type === "completion")
    .flatMap((event) => {
      const action = record.payment.actions.find((candidate) => candidate.xid === event.xid);
      if (action === undefined) return [];
      const result = recurringResult(resultOf(record, action, event.reasonCode));
      return [notifyRow(record, event, recurringNotifyBody(context, result))];
    });
}
