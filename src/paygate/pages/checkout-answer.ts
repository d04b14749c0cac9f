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
import type { Address, CheckoutSession } from "../../amazon/wire.js";
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

/** Buyer, billing and shipping fields of a checkout session, under the seed's keys. */
export function buyerValues(session: CheckoutSession, amazonMerchantId: string): CheckoutValues {
  const billing = session.billingAddress ?? session.paymentPreferences?.[0]?.billingAddress ?? null;
  return {
    ...addressValues(billing, "bdAddr", "bdPhoneNumber"),
    ...addressValues(session.shippingAddress, "Addr", "PhoneNumber"),
    buyerId: session.buyer?.buyerId ?? undefined,
    buyerName: session.buyer?.name ?? undefined,
    buyerEmail: session.buyer?.email ?? undefined,
    buyerPhonenumber: session.buyer?.phoneNumber ?? undefined,
    AmazonMerchantid: amazonMerchantId,
    RTF: session.chargePermissionType,
    AmazonPaymentDescriptor: session.paymentPreferences?.[0]?.paymentDescriptor ?? undefined,
    AmazoncheckoutSessionid: session.checkoutSessionId,
    AmazonpayRedirectUrl: session.webCheckoutDetails.amazonPayRedirectUrl ?? undefined,
  };
}

function addressValues(address: Address | null, prefix: string, phoneKey: string): CheckoutValues {
  if (address === null) return {};
  const value = (text: string | null) => (text === null || text === "" ? undefined : text);
  return {
    [`${prefix}Name`]: value(address.name),
    [`${prefix}Street`]: value(address.addressLine1),
    ...(prefix === "Addr"
      ? { AddrStreet2: value(address.addressLine2), AddrStreet3: value(address.addressLine3) }
      : {}),
    [`${prefix}Zip`]: value(address.postalCode),
    [`${prefix}City`]: value(address.city),
    [`${prefix}State`]: value(address.stateOrRegion),
    [`${prefix}Countrycode`]: value(address.countryCode),
    [phoneKey]: value(address.phoneNumber),
  };
}
