/** Turns the buyer side's wallet choice (`buyer/wallet.ts`) into what the state machines store. */
import type { Address } from "../../amazon/wire.js";
import type { BuyerChoice } from "../buyer/wallet.js";
import type { BuyerDetails, InstrumentDetails } from "./common.js";

export interface ChoiceDetails {
  readonly buyer: BuyerDetails;
  readonly shippingAddress: Address;
  readonly instrument: InstrumentDetails;
}

export function choiceDetails(choice: BuyerChoice): ChoiceDetails {
  return {
    buyer: {
      buyerId: choice.buyer.buyerId,
      name: choice.buyer.name,
      email: choice.buyer.email,
      phoneNumber: choice.buyer.phoneNumber,
    },
    shippingAddress: { ...choice.address.address },
    instrument: {
      paymentDescriptor: choice.instrument.paymentDescriptor,
      last4: choice.instrument.last4,
      billingAddress: { ...choice.instrument.billingAddress },
      outcome: choice.instrument.outcome,
    },
  };
}
