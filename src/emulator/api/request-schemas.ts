/**
 * The request body of every operation as a declared schema (reference §4.1–§4.5; field lists
 * from the NET request models). Lengths follow Amazon's docs where known.
 */
import type { Field, Validated } from "./schema.js";

// The helpers keep each declaration's literal type, so `Validated<typeof SCHEMA>` is the body type.
const text = (max?: number) => ({ type: "string", ...(max === undefined ? {} : { max }) }) as const;
const oneOf = <const V extends readonly string[]>(...values: V) =>
  ({ type: "string", enum: values }) as const;
function object<const F extends Readonly<Record<string, Field>>>(
  fields: F,
): { readonly type: "object"; readonly fields: F; readonly required: readonly [] };
function object<
  const F extends Readonly<Record<string, Field>>,
  const R extends readonly (keyof F & string)[],
>(fields: F, required: R): { readonly type: "object"; readonly fields: F; readonly required: R };
function object(fields: Readonly<Record<string, Field>>, required: readonly string[] = []) {
  return { type: "object", fields, required } as const;
}
const price = { type: "price" } as const;
const flag = { type: "boolean" } as const;
const URL_MAX = 1024;

const merchantMetadata = object({
  merchantReferenceId: text(256),
  merchantStoreName: text(50),
  noteToBuyer: text(255),
  customInformation: text(4096),
});

const providerMetadata = object({ providerReferenceId: text(256) });

const recurringMetadata = object({
  frequency: object({ unit: oneOf("Year", "Month", "Week", "Day", "Variable"), value: { type: "count" } }, [
    "unit",
    "value",
  ]),
  amount: price,
});

const paymentDetails = object({
  paymentIntent: oneOf("Confirm", "Authorize", "AuthorizeWithCapture"),
  canHandlePendingAuthorization: flag,
  chargeAmount: price,
  totalOrderAmount: price,
  presentmentCurrency: { type: "currency" },
  softDescriptor: text(16),
  allowOvercharge: flag,
  extendExpiration: flag,
});

const addressDetails = object(
  {
    name: text(50),
    addressLine1: text(180),
    addressLine2: text(60),
    addressLine3: text(60),
    city: text(50),
    districtOrCounty: text(50),
    stateOrRegion: text(50),
    postalCode: text(20),
    countryCode: text(3),
    phoneNumber: text(20),
  },
  ["name", "addressLine1", "countryCode", "phoneNumber"],
);

const address = object({
  name: text(50),
  addressLine1: text(180),
  addressLine2: text(60),
  addressLine3: text(60),
  city: text(50),
  county: text(50),
  district: text(50),
  stateOrRegion: text(50),
  postalCode: text(20),
  countryCode: text(3),
  phoneNumber: text(20),
});

const deliverySpecifications = object({
  specialRestrictions: { type: "array", items: oneOf("RestrictPOBoxes", "RestrictPackstations") },
  addressRestrictions: object(
    {
      type: oneOf("Allowed", "NotAllowed"),
      restrictions: {
        type: "map",
        values: object({
          statesOrRegions: { type: "array", items: text(50) },
          zipCodes: { type: "array", items: text(20) },
        }),
      },
    },
    ["type", "restrictions"],
  ),
});

/** What a merchant may ask to learn about the buyer (§4.2 `scopes`, §4.6 `signInScopes`). */
export const BUYER_SCOPES = [
  "name",
  "email",
  "phoneNumber",
  "billingAddress",
  "postalCode",
  "shippingAddress",
  "primeStatus",
] as const;

/** The SignIn button's payload (§2.5, §4.6): where the buyer returns, the store, the scopes. */
export const SIGN_IN_PAYLOAD = object(
  {
    signInReturnUrl: text(URL_MAX),
    signInCancelUrl: text(URL_MAX),
    storeId: text(100),
    signInScopes: { type: "array", items: oneOf(...BUYER_SCOPES) },
  },
  ["signInReturnUrl", "storeId"],
);

const chargePermissionType = oneOf("OneTime", "Recurring", "PaymentMethodOnFile");

export const CREATE_CHECKOUT_SESSION = object(
  {
    webCheckoutDetails: object({
      checkoutReviewReturnUrl: text(URL_MAX),
      checkoutResultReturnUrl: text(URL_MAX),
      checkoutCancelUrl: text(URL_MAX),
      checkoutMode: oneOf("ProcessOrder"),
    }),
    storeId: text(100),
    scopes: { type: "array", items: oneOf(...BUYER_SCOPES) },
    chargePermissionType,
    recurringMetadata,
    paymentDetails,
    merchantMetadata,
    platformId: text(20),
    providerMetadata,
    supplementaryData: text(1024),
    deliverySpecifications,
    addressDetails,
    paymentMethodOnFileMetadata: object({ setupOnly: flag }),
    chargePermissionId: text(64),
  },
  ["webCheckoutDetails", "storeId"],
);

export const UPDATE_CHECKOUT_SESSION = object({
  webCheckoutDetails: object({ checkoutResultReturnUrl: text(URL_MAX) }),
  paymentDetails,
  merchantMetadata,
  recurringMetadata,
  platformId: text(20),
  providerMetadata,
  supplementaryData: text(1024),
  chargePermissionType,
});

export const COMPLETE_CHECKOUT_SESSION = object({ chargeAmount: price, totalOrderAmount: price });

export const FINALIZE_CHECKOUT_SESSION = object(
  {
    chargeAmount: price,
    totalOrderAmount: price,
    shippingAddress: address,
    billingAddress: address,
    paymentIntent: oneOf("Confirm", "Authorize", "AuthorizeWithCapture"),
    canHandlePendingAuthorization: flag,
    supplementaryData: text(1024),
  },
  ["chargeAmount"],
);

export const UPDATE_CHARGE_PERMISSION = object({ merchantMetadata, recurringMetadata });

export const CLOSE_CHARGE_PERMISSION = object({ closureReason: text(255), cancelPendingCharges: flag });

export const CREATE_CHARGE = object(
  {
    chargePermissionId: text(64),
    chargeAmount: price,
    captureNow: flag,
    softDescriptor: text(16),
    canHandlePendingAuthorization: flag,
    merchantMetadata,
    providerMetadata,
    platformId: text(20),
    chargeInitiator: oneOf("CITU", "MITU", "CITR", "MITR"),
    channel: oneOf("Web", "Phone", "App", "Alexa", "PointOfSale", "FireTv", "Offline", "Amazon"),
    webCheckoutDetails: object({ checkoutResultReturnUrl: text(URL_MAX) }),
  },
  ["chargePermissionId", "chargeAmount"],
);

export const CAPTURE_CHARGE = object({ captureAmount: price, softDescriptor: text(16) }, ["captureAmount"]);

export const CANCEL_CHARGE = object({ cancellationReason: text(255) });

export const CREATE_REFUND = object({ chargeId: text(64), refundAmount: price, softDescriptor: text(16) }, [
  "chargeId",
  "refundAmount",
]);

/** GET requests carry no body; anything but an empty object is refused. */
export const NO_BODY = object({});

export type CreateCheckoutSessionBody = Validated<typeof CREATE_CHECKOUT_SESSION>;
export type UpdateCheckoutSessionBody = Validated<typeof UPDATE_CHECKOUT_SESSION>;
export type CompleteCheckoutSessionBody = Validated<typeof COMPLETE_CHECKOUT_SESSION>;
export type FinalizeCheckoutSessionBody = Validated<typeof FINALIZE_CHECKOUT_SESSION>;
export type UpdateChargePermissionBody = Validated<typeof UPDATE_CHARGE_PERMISSION>;
export type CloseChargePermissionBody = Validated<typeof CLOSE_CHARGE_PERMISSION>;
export type CreateChargeBody = Validated<typeof CREATE_CHARGE>;
export type CaptureChargeBody = Validated<typeof CAPTURE_CHARGE>;
export type CancelChargeBody = Validated<typeof CANCEL_CHARGE>;
export type CreateRefundBody = Validated<typeof CREATE_REFUND>;
export type SignInPayload = Validated<typeof SIGN_IN_PAYLOAD>;
export type RecurringMetadataBody = Validated<typeof recurringMetadata>;
