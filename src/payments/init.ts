/**
 * Init (`amazonAPA.aspx`, reference §5.1): a new payment, and the signed button payload whose
 * return URLs lead the buyer back to Kasse. Nothing is sent to Amazon yet — the buyer's click on
 * the button creates the checkout session from the payload.
 */
import type { AddressDetails, DeliverySpecifications, Scope } from "../amazon/wire.js";
import { type DoorData, type Outcome, refused } from "../core/outcome.js";
import { initPayment, type Payment, type PaymentAction, type TxType } from "../core/payment.js";
import type { RecurringTerms } from "../core/recurring.js";
import { buildCheckoutPayload, payloadJson } from "./checkout-payload.js";
import { commit } from "./commit.js";
import type { CheckoutContext, PaymentDeps, ReturnUrls } from "./ports.js";

/** Marketplace (`CountryCode`) → Amazon Pay region (reference §5.0). */
export const MARKET_REGIONS: Readonly<Record<string, "eu" | "na" | "jp">> = {
  EU: "eu",
  UK: "eu",
  US: "na",
  JP: "jp",
};

export interface InitCommand {
  readonly transId: string;
  readonly refnr: string | undefined;
  readonly reqId: string | undefined;
  readonly countryCode: string;
  readonly amount: number;
  readonly currency: string;
  readonly intent: TxType;
  readonly presentmentCurrency: string | undefined;
  readonly softDescriptor: string | undefined;
  readonly noteToBuyer: string | undefined;
  readonly simulationCode: string | undefined;
  readonly scopes: readonly Scope[] | undefined;
  readonly deliverySpecifications: DeliverySpecifications | undefined;
  readonly processOrder: boolean;
  readonly addressDetails: AddressDetails | undefined;
  /** RTF=I (§5.9): the checkout creates a Recurring charge permission with these terms. */
  readonly recurring?: RecurringTerms | undefined;
  /** Kasse's pages the buyer returns to, for the new PayID (the door's URLs). */
  readonly returnsFor: (payId: string) => ReturnUrls;
  /** What the door needs to answer the shop later, kept with the payment. */
  readonly door: DoorData;
}

export interface Initialised {
  readonly payment: Payment;
  readonly action: PaymentAction;
  readonly button: CheckoutContext["button"];
}

export async function init(
  deps: PaymentDeps,
  merchantId: string,
  command: InitCommand,
): Promise<Outcome<Initialised>> {
  if (command.reqId !== undefined) {
    const seen = await deps.store.findReplay(merchantId, command.reqId);
    if (seen !== undefined) {
      const record = await deps.store.load(merchantId, seen.payId);
      const action = record?.payment.actions.find((candidate) => candidate.xid === seen.xid);
      if (record === undefined || action === undefined) return refused({ kind: "inconsistent" });
      return { ok: true, payment: record.payment, action, button: record.context.button };
    }
  }
  const link = await deps.amazonFor(merchantId);
  if (link === undefined || MARKET_REGIONS[command.countryCode] !== link.region) {
    return refused({ kind: "marketNotConfigured" });
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
    checkoutMode: command.processOrder ? "ProcessOrder" : "Standard",
  });
  if (!created.ok) return refused({ kind: "payment", refusal: created.refusal });
  const returns = command.returnsFor(payId);
  const merchantReferenceId = command.refnr ?? command.transId;
  const payload = payloadJson(
    buildCheckoutPayload({
      storeId: link.storeId,
      intent: command.intent,
      amount: command.amount,
      currency: command.currency,
      presentmentCurrency: command.presentmentCurrency,
      softDescriptor: command.softDescriptor,
      merchantReferenceId,
      noteToBuyer: command.noteToBuyer,
      scopes: command.scopes,
      deliverySpecifications: command.deliverySpecifications,
      returns,
      processOrder: command.processOrder,
      addressDetails: command.addressDetails,
      recurring: command.recurring,
      canHandlePendingAuthorization: link.canHandlePendingAuthorization,
    }),
  );
  const button = { payload, signature: link.signButtonPayload(payload), publicKeyId: link.publicKeyId };
  const context: CheckoutContext = {
    shop: command.door,
    countryCode: command.countryCode,
    intent: command.intent,
    processOrder: command.processOrder,
    recurring: command.recurring !== undefined,
    installmentAmount: command.recurring?.installmentAmount,
    presentmentCurrency: command.presentmentCurrency,
    softDescriptor: command.softDescriptor,
    noteToBuyer: command.noteToBuyer,
    merchantReferenceId,
    simulationCode: command.simulationCode,
    returns,
    button,
  };
  await commit(deps, {
    record: { payment: created.payment, context },
    ...(command.reqId === undefined
      ? {}
      : {
          replay: { merchantId, reqId: command.reqId, page: "init", payId, xid: created.action.xid },
        }),
  });
  return { ok: true, payment: created.payment, action: created.action, button };
}
