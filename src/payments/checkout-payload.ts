/**
 * The button payload of an init (reference §5.0, §5.1 "→Amazon" column): the JSON body of
 * Amazon's Create Checkout Session, built from the shop's validated init parameters. Pure; the
 * init flow signs and stores what this returns.
 *
 * Choices where the reference is silent (also in docs/paygate-flows.md):
 * - `merchantReferenceId` is `refnr` when given, else `TransID`;
 * - `OrderDesc` becomes `noteToBuyer` unless it is a `Test:nnnn` simulation switch;
 * - `ChDesc` is Amazon's `softDescriptor`, which Amazon takes only when capturing at once: with
 *   `TxType=Authorize` it is kept for the later capture instead;
 * - `&` in URLs is written `\u0026` (clients split Data on `&`, §5.0), and `=` is written `\u003d`:
 *   Computop's own sample split (and Spryker's) keeps a value only up to its second `=`, which
 *   would cut the payload at the return URLs' `?PayID=` (docs/paygate-plugins.md).
 */

import type {
  AddressDetails,
  CreateCheckoutSessionRequest,
  DeliverySpecifications,
  Scope,
} from "../amazon/wire.js";
import { formatDecimal } from "../core/money.js";
import type { TxType } from "../core/payment.js";
import type { RecurringTerms } from "../core/recurring.js";

export interface CheckoutPayloadInput {
  readonly storeId: string;
  readonly intent: TxType;
  readonly amount: number;
  readonly currency: string;
  readonly presentmentCurrency?: string | undefined;
  readonly softDescriptor?: string | undefined;
  readonly merchantReferenceId: string;
  readonly noteToBuyer?: string | undefined;
  readonly scopes?: readonly Scope[] | undefined;
  readonly deliverySpecifications?: DeliverySpecifications | undefined;
  /** Kasse's own return URLs for this payment. */
  readonly returns: { readonly review: string; readonly result: string; readonly cancel: string };
  /** Additional Payment Button (`checkoutMode=ProcessOrder`): no review page. */
  readonly processOrder: boolean;
  /** APB with physical goods: the shipping address the shop collected. */
  readonly addressDetails?: AddressDetails | undefined;
  /** RTF=I: a Recurring charge permission with `recurringMetadata` (amazon-pay-v2.md §12). */
  readonly recurring?: RecurringTerms | undefined;
  /** The merchant's setting: Amazon may authorise asynchronously (docs/async.md). Default false. */
  readonly canHandlePendingAuthorization?: boolean | undefined;
}

export function buildCheckoutPayload(input: CheckoutPayloadInput): CreateCheckoutSessionRequest {
  const webCheckoutDetails: CreateCheckoutSessionRequest["webCheckoutDetails"] = input.processOrder
    ? {
        checkoutMode: "ProcessOrder",
        checkoutResultReturnUrl: input.returns.result,
        checkoutCancelUrl: input.returns.cancel,
      }
    : { checkoutReviewReturnUrl: input.returns.review, checkoutCancelUrl: input.returns.cancel };
  const payload: CreateCheckoutSessionRequest = {
    webCheckoutDetails,
    storeId: input.storeId,
    ...(input.scopes === undefined ? {} : { scopes: [...input.scopes] }),
    ...recurringFields(input),
    paymentDetails: {
      paymentIntent: input.intent,
      canHandlePendingAuthorization: input.canHandlePendingAuthorization === true,
      chargeAmount: { amount: formatDecimal(input.amount, input.currency), currencyCode: input.currency },
      ...(input.presentmentCurrency === undefined ? {} : { presentmentCurrency: input.presentmentCurrency }),
      ...(input.softDescriptor !== undefined && input.intent === "AuthorizeWithCapture"
        ? { softDescriptor: input.softDescriptor }
        : {}),
    },
    merchantMetadata: {
      merchantReferenceId: input.merchantReferenceId,
      ...(input.noteToBuyer === undefined ? {} : { noteToBuyer: input.noteToBuyer }),
    },
    ...(input.deliverySpecifications === undefined
      ? {}
      : { deliverySpecifications: input.deliverySpecifications }),
    ...(input.addressDetails === undefined ? {} : { addressDetails: input.addressDetails }),
  };
  return payload;
}

/**
 * `chargePermissionType` and, for RTF=I, `recurringMetadata`: the frequency as Amazon's numeric
 * string, the fixed amount per cycle in the order's currency when the shop named one.
 */
function recurringFields(
  input: CheckoutPayloadInput,
): Pick<CreateCheckoutSessionRequest, "chargePermissionType" | "recurringMetadata"> {
  const terms = input.recurring;
  if (terms === undefined) return { chargePermissionType: "OneTime" };
  return {
    chargePermissionType: "Recurring",
    recurringMetadata: {
      frequency: { unit: terms.frequency.unit, value: String(terms.frequency.value) },
      ...(terms.installmentAmount === undefined
        ? {}
        : {
            amount: {
              amount: formatDecimal(terms.installmentAmount, input.currency),
              currencyCode: input.currency,
            },
          }),
    },
  };
}

/** The payload as the JSON text that is signed and sent: no literal `&` (reference §5.0). */
export function payloadJson(payload: CreateCheckoutSessionRequest): string {
  return JSON.stringify(payload).replaceAll("&", "\\u0026").replaceAll("=", "\\u003d");
}

const SCOPES: readonly Scope[] = ["name", "email", "phoneNumber", "billingAddress"];

/**
 * `Scope` (reference §5.1): any of name, email, phoneNumber, billingAddress. The list separator
 * is unconfirmed; space, comma, semicolon and `|` are all accepted. `undefined` = a value outside
 * the list.
 */
export function parseScopes(text: string): readonly Scope[] | undefined {
  const scopes: Scope[] = [];
  for (const item of text.split(/[\s,;|]+/)) {
    if (item === "") continue;
    const scope = SCOPES.find((known) => known.toLowerCase() === item.toLowerCase());
    if (scope === undefined) return undefined;
    if (!scopes.includes(scope)) scopes.push(scope);
  }
  return scopes.length === 0 ? undefined : scopes;
}

/**
 * `addressRestriction` (reference §5.1.1): base64 of
 * `{"type":"Allowed"|"NotAllowed","restrictions":{"DE":{"statesOrRegions":[…],"zipCodes":[…]}}}`,
 * whitespace inside allowed; the seed table's `restriction` is accepted for `restrictions`.
 * `undefined` = not base64 JSON of that shape.
 */
export function parseAddressRestriction(base64: string): DeliverySpecifications | undefined {
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(base64)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const type = value.type;
  const restrictions = value.restrictions ?? value.restriction;
  if ((type !== "Allowed" && type !== "NotAllowed") || !isRecord(restrictions)) return undefined;
  const checked: Record<string, { statesOrRegions?: string[]; zipCodes?: string[] }> = {};
  for (const [country, rule] of Object.entries(restrictions)) {
    if (!/^[A-Z]{2}$/.test(country) || !isRecord(rule)) return undefined;
    const entry: { statesOrRegions?: string[]; zipCodes?: string[] } = {};
    for (const key of ["statesOrRegions", "zipCodes"] as const) {
      const list = rule[key];
      if (list === undefined) continue;
      if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) return undefined;
      entry[key] = list as string[];
    }
    checked[country] = entry;
  }
  return { addressRestrictions: { type, restrictions: checked } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
