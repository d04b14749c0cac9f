/**
 * RTF=R (seed 004 "Wiederkehrende Zahlung", reference §5.9, amazon-pay-v2.md §12): a
 * merchant-initiated charge on the Recurring charge permission of an earlier RTF=I checkout.
 * Each charge is a payment of its own (own PayID, `checkoutMode` `MerchantInitiated`) whose
 * completion is Amazon's Create Charge with `chargeInitiator` `MITR` (merchant-initiated,
 * recurring). The idempotency key derives from that payment's completion action, and a ReqId
 * names the payment, so neither a replay nor a retry charges twice. Capture, refund, reverse and
 * inquire then work on the new PayID as on any other payment.
 *
 * Before charging, the permission is read from Amazon: a Closed one (buyer or merchant closed
 * it) is refused without a Create Charge, with Amazon's `InvalidChargePermissionStatus`; its
 * expiry date is handed back, and when it lies within 30 days the notice `permissionExpiring`
 * is recorded on the series' RTF=I payment (once per expiry date), so the shop is told by notify
 * that the buyer must check out again (notices.ts, docs/recurring.md).
 */
import type { ChargePermission } from "../amazon/wire.js";
import { parseAmazonTimestamp } from "../core/clock.js";
import { type ActionDone, type DoorData, type Outcome, refused } from "../core/outcome.js";
import { type AmazonOutcome, beginCompletion, initPayment, type TxType } from "../core/payment.js";
import { fitsInstallment, isExpiringSoon } from "../core/recurring.js";
import { replayOf, runAmazonAction } from "./amazon-action.js";
import { sendCall } from "./amazon-calls.js";
import { commit } from "./commit.js";
import { MARKET_REGIONS } from "./init.js";
import { recordPermissionNotice } from "./notices.js";
import { chargeCall } from "./planned-calls.js";
import { type CheckoutContext, type PaymentDeps, ReqIdReplayError } from "./ports.js";
import { resumeIfCut } from "./resume.js";
import { doneOf } from "./shop-action.js";

export interface RecurringChargeCommand {
  readonly chargePermissionId: string;
  readonly transId: string;
  readonly refnr: string | undefined;
  readonly reqId: string | undefined;
  readonly countryCode: string;
  readonly amount: number;
  readonly currency: string;
  readonly intent: TxType;
  readonly softDescriptor: string | undefined;
  readonly simulationCode: string | undefined;
  /** The door's data of the new payment, from that of the checkout that created the permission. */
  readonly door: (initial: DoorData) => DoorData;
}

export interface RecurringCharged extends ActionDone {
  /** The permission's expiry as Amazon last showed it (epoch ms), when known. */
  readonly permissionExpiresAt?: number | undefined;
  /** The answer of a ReqId seen before: the charge it made, as it stands. */
  readonly replayed?: boolean;
}

export async function recurringCharge(
  deps: PaymentDeps,
  merchantId: string,
  command: RecurringChargeCommand,
): Promise<Outcome<RecurringCharged>> {
  const replay = await replayedCharge(deps, merchantId, command.reqId);
  if (replay !== undefined) return replay;
  try {
    return await chargeOnce(deps, merchantId, command);
  } catch (error) {
    if (!(error instanceof ReqIdReplayError)) throw error;
    return (await replayedCharge(deps, merchantId, command.reqId)) ?? refused({ kind: "inconsistent" });
  }
}

/**
 * A ReqId seen before (reference §4.1) answers its charge as it stands — resumed first when its
 * Create Charge has an unknown outcome (a crash, a lost answer), like capture and refund.
 */
async function replayedCharge(
  deps: PaymentDeps,
  merchantId: string,
  reqId: string | undefined,
): Promise<Outcome<RecurringCharged> | undefined> {
  const seen = await replayOf(deps, merchantId, reqId);
  if (seen === undefined || !seen.ok) return seen;
  const done = doneOf(await resumeIfCut(deps, seen.record, seen.action));
  return done.ok ? { ...done, replayed: true } : done;
}

async function chargeOnce(
  deps: PaymentDeps,
  merchantId: string,
  command: RecurringChargeCommand,
): Promise<Outcome<RecurringCharged>> {
  const link = await deps.amazonFor(merchantId);
  if (link === undefined) return refused({ kind: "merchantUnknown" });
  if (MARKET_REGIONS[command.countryCode] !== link.region) return refused({ kind: "marketNotConfigured" });
  // Only a permission from this merchant's own checkout can be charged (another merchant's id
  // reads as unknown, like another merchant's PayID).
  const initial = await deps.store.findPermissionOwner(merchantId, command.chargePermissionId);
  if (initial === undefined) return refused({ kind: "chargePermissionUnknown" });
  if (initial.payment.checkoutMode !== "MerchantInitiated" && initial.context.recurring !== true) {
    return refused({ kind: "chargePermissionNotRecurring" });
  }
  if (initial.payment.currency !== command.currency) return refused({ kind: "currencyMismatch" });
  const installmentAmount = initial.context.installmentAmount;
  if (!fitsInstallment(installmentAmount, command.amount)) {
    return refused({ kind: "installmentAmountMismatch", installmentAmount: installmentAmount as number });
  }

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
  if (!created.ok) return refused({ kind: "payment", refusal: created.refusal });
  const payment = { ...created.payment, amazon: { chargePermissionId: command.chargePermissionId } };
  await commit(deps, { record: { payment, context: chargeContext(command, initial.context) } });

  let permissionExpiresAt: number | undefined;
  let expiring: ReturnType<typeof expiryWarning>;
  const done = await runAmazonAction(deps, {
    merchantId,
    payId,
    reqId: command.reqId,
    begin: beginCompletion,
    call: (record) => chargeCall(record),
    send: async (_record, amazon, call, key) => {
      const { body: permission } = await amazon.client.getChargePermission(command.chargePermissionId);
      permissionExpiresAt = expiryOf(permission);
      const warning = expiryWarning(permission, deps.clock.now());
      if (warning !== undefined && permission.statusDetails.state !== "Closed") {
        expiring = warning;
        deps.logger.warn(
          { merchantId, ...warning },
          "recurring charge permission expires within 30 days; the buyer must check out again to continue",
        );
      }
      // The stored request, as a resume sends it (Amazon replays only for the same body).
      return closedRefusal(permission) ?? sendCall(amazon, call, key);
    },
  });
  if (expiring !== undefined) await noteExpiry(deps, merchantId, expiring);
  const charged = doneOf(done);
  if (!charged.ok) return charged;
  return { ...charged, permissionExpiresAt };
}

/**
 * The expiry warning as a notice on the series' RTF=I payment. The charge is decided already; a
 * notice that cannot be written now is written by the next charge that reads the same expiry.
 */
async function noteExpiry(
  deps: PaymentDeps,
  merchantId: string,
  warning: NonNullable<ReturnType<typeof expiryWarning>>,
): Promise<void> {
  try {
    await recordPermissionNotice(deps, merchantId, warning.chargePermissionId, {
      kind: "permissionExpiring",
      amazonId: warning.chargePermissionId,
      expiresAt: warning.expiresAt,
    });
  } catch (error) {
    deps.logger.warn(
      { merchantId, ...warning, err: error },
      "expiry notice not recorded; the next charge tries again",
    );
  }
}

/** What the payment keeps: the door's data; there is no buyer, so no return pages or button. */
function chargeContext(command: RecurringChargeCommand, initial: CheckoutContext): CheckoutContext {
  return {
    shop: command.door(initial.shop),
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
function closedRefusal(
  permission: ChargePermission,
): (AmazonOutcome & { readonly message: string }) | undefined {
  const { state, reasons } = permission.statusDetails;
  if (state !== "Closed") return undefined;
  const why = reasons?.map((reason) => reason.reasonCode).join(", ") || "Closed";
  const message = `InvalidChargePermissionStatus: the charge permission is Closed (${why})`;
  return { kind: "refused", reasonCode: "InvalidChargePermissionStatus", message };
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
  if (expiresAt === undefined || !isExpiringSoon(expiresAt, now)) return undefined;
  return { chargePermissionId: permission.chargePermissionId, expiresAt: new Date(expiresAt).toISOString() };
}
