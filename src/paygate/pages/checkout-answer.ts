/**
 * The buyer's side of the review hand-off (seed 004 Schritt 7) and of the completion result
 * (Schritt 10): buyer, billing and shipping address as Amazon's checkout session shows them,
 * under the seed's keys. Used for the redirect to ShopUrl, the redirect to URLSuccess and the
 * completion URLNotify alike.
 *
 * Choices: values are passed as Amazon gives them, never truncated to the seed's lengths
 * (`bdAddrZip` n..5 cannot hold UK, JP or ZIP+4 codes). Buyer fields the seed marks M but Amazon
 * leaves out because the shop's `Scope` did not ask for them are omitted rather than invented.
 */
import type { BuyerDetails, PostalAddress } from "../../core/outcome.js";
import type { BuildValue } from "../parameters.js";
import { completionResult, type ParameterTable, reviewRedirect } from "../tables.js";

const SCOPED_BUYER_FIELDS = ["buyerId", "buyerName", "buyerEmail", "buyerPhonenumber"];

function relaxed<T extends ParameterTable>(table: T): T {
  return {
    ...table,
    rows: table.rows.map((row) =>
      SCOPED_BUYER_FIELDS.includes(row.key) ? { ...row, presence: "C" as const } : row,
    ),
  };
}

/** The review redirect table, buyer fields conditional on Scope. */
export const reviewAnswerTable = relaxed(reviewRedirect);
/** The completion table, buyer fields conditional on Scope. */
export const completionAnswerTable = relaxed(completionResult);

export type CheckoutValues = Record<string, BuildValue>;

/** Buyer, billing and shipping fields of a checkout, under the seed's keys. */
export function buyerValues(buyer: BuyerDetails): CheckoutValues {
  return {
    ...(buyer.billingAddress === undefined
      ? {}
      : addressValues(buyer.billingAddress, "bdAddr", "bdPhoneNumber")),
    ...(buyer.shippingAddress === undefined
      ? {}
      : addressValues(buyer.shippingAddress, "Addr", "PhoneNumber")),
    buyerId: buyer.buyerId,
    buyerName: buyer.name,
    buyerEmail: buyer.email,
    buyerPhonenumber: buyer.phoneNumber,
    AmazonMerchantid: buyer.amazonMerchantId,
    RTF: buyer.chargePermissionType,
    AmazonPaymentDescriptor: buyer.paymentDescriptor,
    AmazoncheckoutSessionid: buyer.checkoutSessionId,
    AmazonpayRedirectUrl: buyer.amazonPayRedirectUrl,
  };
}

function addressValues(address: PostalAddress, prefix: string, phoneKey: string): CheckoutValues {
  return {
    [`${prefix}Name`]: address.name,
    [`${prefix}Street`]: address.addressLine1,
    ...(prefix === "Addr" ? { AddrStreet2: address.addressLine2, AddrStreet3: address.addressLine3 } : {}),
    [`${prefix}Zip`]: address.postalCode,
    [`${prefix}City`]: address.city,
    [`${prefix}State`]: address.stateOrRegion,
    [`${prefix}Countrycode`]: address.countryCode,
    [phoneKey]: address.phoneNumber,
  };
}
