/**
 * What the flow services (one function per payment step) take and give back. The Paygate pages
 * turn requests into these commands and these results into answers; the JSON API can do the same.
 */
import type { AddressDetails, DeliverySpecifications, Scope } from "../../amazon/wire.js";
import type { Payment, PaymentAction } from "../../core/payment.js";
import type { RecurringTerms } from "../../core/recurring.js";
import type { PaygateCode } from "../../paygate/codes.js";

/** The result of one action on a payment (an XID), final or pending. */
export interface ActionResult {
  readonly payment: Payment;
  readonly action: PaymentAction;
  readonly refnr: string | undefined;
  readonly status: "OK" | "FAILED" | "PENDING" | "AUTHORIZE_REQUEST";
  readonly code: PaygateCode;
  /** Amazon's reason code and message when Amazon refused (seed: CodeExt, ErrorText). */
  readonly codeExt?: string | undefined;
  readonly errorText?: string | undefined;
}

/** A refusal before any action was recorded (unknown PayID, state does not allow it, …). */
export interface Refused {
  readonly ok: false;
  readonly code: PaygateCode;
  readonly payment?: Payment | undefined;
}

export type FlowResult<T> = ({ readonly ok: true } & T) | Refused;

export type PaymentIntent = "Authorize" | "AuthorizeWithCapture";

export interface InitCommand {
  readonly transId: string;
  readonly refnr: string | undefined;
  readonly reqId: string | undefined;
  readonly countryCode: string;
  readonly amount: number;
  readonly currency: string;
  readonly intent: PaymentIntent;
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
  /** Everything a later browser return or notify needs to answer the shop. */
  readonly shop: ShopReturn;
}

/** The shop's URLs and echoes, kept with the payment for the returns and notifies. */
export interface ShopReturn {
  readonly urlSuccess: string;
  readonly urlFailure: string;
  readonly urlNotify: string;
  readonly urlCancel: string | undefined;
  readonly shopUrl: string;
  readonly userData: string | undefined;
  readonly custom: string | undefined;
  readonly scheme: "blowfish" | "aes";
}

export interface InitResult {
  readonly payment: Payment;
  readonly action: PaymentAction;
  readonly buttonPayload: string;
  readonly buttonSignature: string;
  readonly buttonPublicKeyId: string;
}

export interface ActionCommand {
  readonly payId: string;
  readonly transId: string | undefined;
  readonly refnr: string | undefined;
  readonly reqId: string | undefined;
  readonly amount: number | undefined;
  readonly currency: string | undefined;
  readonly simulationCode: string | undefined;
  readonly softDescriptor?: string | undefined;
  readonly reason?: string | undefined;
}
