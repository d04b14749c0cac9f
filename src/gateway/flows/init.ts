/**
 * Init (`amazonAPA.aspx`, reference §5.1): a new payment, and the signed button payload whose
 * return URLs lead the buyer back to Kasse. Nothing is sent to Amazon yet — the buyer's click on
 * the button creates the checkout session from the payload.
 */
import { initPayment } from "../../core/payment.js";
import { paygateCodeOfRefusal } from "../refusal-codes.js";
import { buildCheckoutPayload, payloadJson } from "./checkout-payload.js";
import type { CheckoutContext, FlowDeps } from "./ports.js";
import { refused } from "./support.js";
import type { FlowResult, InitCommand, InitResult } from "./types.js";

/** Paygate marketplace (`CountryCode`) → Amazon Pay region (reference §5.0). */
export const MARKET_REGIONS: Readonly<Record<string, "eu" | "na" | "jp">> = {
  EU: "eu",
  UK: "eu",
  US: "na",
  JP: "jp",
};

export type ReturnUrls = (payId: string) => CheckoutContext["returns"];

export async function initCheckout(
  deps: FlowDeps,
  merchantId: string,
  command: InitCommand,
  returnsFor: ReturnUrls,
): Promise<FlowResult<InitResult>> {
  if (command.reqId !== undefined) {
    const seen = await deps.store.findReplay(deps.db, merchantId, command.reqId);
    if (seen !== undefined) {
      const record = await deps.store.load(deps.db, merchantId, seen.payId);
      const action = record?.payment.actions.find((candidate) => candidate.xid === seen.xid);
      if (record === undefined || action === undefined) return refused("INTERNAL_ERROR");
      const { button } = record.context;
      return {
        ok: true,
        payment: record.payment,
        action,
        buttonPayload: button.payload,
        buttonSignature: button.signature,
        buttonPublicKeyId: button.publicKeyId,
      };
    }
  }
  const link = await deps.amazonFor(merchantId);
  if (link === undefined || MARKET_REGIONS[command.countryCode] !== link.region) {
    return refused("MARKET_NOT_CONFIGURED");
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
  if (!created.ok) return { ok: false, code: paygateCodeOfRefusal(created.refusal) };
  const returns = returnsFor(payId);
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
    shop: command.shop,
    countryCode: command.countryCode,
    intent: command.intent,
    processOrder: command.processOrder,
    presentmentCurrency: command.presentmentCurrency,
    softDescriptor: command.softDescriptor,
    noteToBuyer: command.noteToBuyer,
    merchantReferenceId,
    simulationCode: command.simulationCode,
    returns,
    button,
  };
  await deps.db.transaction(async (tx) => {
    await deps.store.insert(tx, { payment: created.payment, context });
    if (command.reqId !== undefined) {
      await deps.store.recordReplay(tx, {
        merchantId,
        reqId: command.reqId,
        page: "init",
        payId,
        xid: created.action.xid,
      });
    }
  });
  return {
    ok: true,
    payment: created.payment,
    action: created.action,
    buttonPayload: button.payload,
    buttonSignature: button.signature,
    buttonPublicKeyId: button.publicKeyId,
  };
}
