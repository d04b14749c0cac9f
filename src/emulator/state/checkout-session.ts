/**
 * The Checkout Session state machine (reference §4.2, §5.1, §11): Open until completed, canceled
 * by the buyer, declined or expired after 24 h. Completing it opens the Charge Permission and,
 * for Authorize/AuthorizeWithCapture, the first Charge.
 */

import type {
  Address,
  AddressDetails,
  ChargePermissionType,
  CheckoutSession,
  Constraint,
  DeliverySpecifications,
  MerchantMetadata,
  PaymentIntent,
  PaymentMethodOnFileMetadata,
  ProviderMetadata,
  RecurringMetadata,
} from "../../amazon/wire.js";
import type { Money } from "../../core/money.js";
import { AmazonError } from "../errors.js";
import { authorizationOutcome, type ChargeRecord, openCharge } from "./charge.js";
import { openPermission, overchargeLimit, type PermissionRecord } from "./charge-permission.js";
import {
  type BuyerDetails,
  DAY,
  type Environment,
  emptyMerchantMetadata,
  type InstrumentDetails,
  mergeMerchantMetadata,
  type Notice,
  type Region,
  renderOptionalPrice,
  renderStatus,
  renderTimestamp,
  type Status,
  status,
} from "./common.js";
import type { SimulationEffect } from "./simulation.js";

export type CheckoutSessionState = CheckoutSession["statusDetails"]["state"];

export const SESSION_LIFETIME = 1 * DAY;

/** Checkout Sessions are deleted 30 days after creation (§4.2, §5.5). */
export const SESSION_RETENTION = 30 * DAY;

export interface SessionPaymentDetails {
  readonly paymentIntent: PaymentIntent | null;
  readonly canHandlePendingAuthorization: boolean;
  readonly chargeAmount: Money | null;
  readonly totalOrderAmount: Money | null;
  readonly presentmentCurrency: string | null;
  readonly softDescriptor: string | null;
  readonly allowOvercharge: boolean | null;
  readonly extendExpiration: boolean | null;
}

export interface SessionWebCheckoutDetails {
  readonly checkoutReviewReturnUrl: string | null;
  readonly checkoutResultReturnUrl: string | null;
  readonly checkoutCancelUrl: string | null;
  readonly checkoutMode: "ProcessOrder" | null;
}

export interface SessionRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly environment: Environment;
  readonly region: Region;
  readonly storeId: string;
  readonly webCheckoutDetails: SessionWebCheckoutDetails;
  readonly productType: "PayAndShip" | "PayOnly";
  readonly paymentDetails: SessionPaymentDetails;
  readonly chargePermissionType: ChargePermissionType;
  readonly recurringMetadata: RecurringMetadata | null;
  readonly paymentMethodOnFileMetadata: PaymentMethodOnFileMetadata | null;
  readonly merchantMetadata: MerchantMetadata;
  readonly supplementaryData: string | null;
  readonly platformId: string | null;
  readonly providerMetadata: ProviderMetadata;
  readonly deliverySpecifications: DeliverySpecifications | null;
  readonly scopes: readonly string[] | null;
  readonly addressDetails: AddressDetails | null;
  readonly buyer: BuyerDetails | null;
  readonly shippingAddress: Address | null;
  readonly instrument: InstrumentDetails | null;
  readonly status: Status<CheckoutSessionState>;
  /** The buyer went through the page behind amazonPayRedirectUrl and Amazon processed the payment. */
  readonly authenticated: boolean;
  readonly chargePermissionId: string | null;
  readonly chargeId: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A validated Create Checkout Session body (prices already in minor units). */
export interface SessionSpec {
  readonly webCheckoutDetails: Partial<SessionWebCheckoutDetails>;
  readonly storeId: string;
  readonly productType?: "PayAndShip" | "PayOnly";
  readonly scopes?: string[];
  readonly chargePermissionType?: ChargePermissionType;
  readonly recurringMetadata?: RecurringMetadata;
  readonly paymentDetails?: Partial<SessionPaymentDetails>;
  readonly merchantMetadata?: Partial<MerchantMetadata>;
  readonly platformId?: string;
  readonly providerMetadata?: ProviderMetadata;
  readonly supplementaryData?: string;
  readonly deliverySpecifications?: DeliverySpecifications;
  readonly addressDetails?: AddressDetails;
  readonly paymentMethodOnFileMetadata?: PaymentMethodOnFileMetadata;
}

export interface SessionContext {
  readonly id: string;
  readonly merchantId: string;
  readonly environment: Environment;
  readonly region: Region;
  readonly storeId: string;
  readonly ledgerCurrency: string;
}

/** Presentment currencies per ledger (§11.3): EU/UK ledgers may present others, US and JP not. */
const MULTI_CURRENCY = ["AUD", "GBP", "DKK", "EUR", "HKD", "JPY", "NZD", "NOK", "ZAR", "SEK", "CHF", "USD"];

function assertCurrency(ledgerCurrency: string, money: Money | null | undefined, field: string): void {
  if (money === null || money === undefined) return;
  const allowed = ledgerCurrency === "EUR" || ledgerCurrency === "GBP" ? MULTI_CURRENCY : [ledgerCurrency];
  if (!allowed.includes(money.currency)) {
    throw new AmazonError(
      "CurrencyMismatch",
      `${field}.currencyCode ${money.currency} is not supported for this merchant.`,
    );
  }
}

function assertPaymentDetails(details: SessionPaymentDetails, ledgerCurrency: string): void {
  assertCurrency(ledgerCurrency, details.chargeAmount, "chargeAmount");
  assertCurrency(ledgerCurrency, details.totalOrderAmount, "totalOrderAmount");
  const currencies = [
    details.chargeAmount?.currency,
    details.totalOrderAmount?.currency,
    details.presentmentCurrency ?? undefined,
  ];
  if (new Set(currencies.filter((code) => code !== undefined)).size > 1) {
    throw new AmazonError(
      "CurrencyMismatch",
      "chargeAmount, totalOrderAmount and presentmentCurrency must use one currency.",
    );
  }
  if (details.chargeAmount !== null && details.chargeAmount.minor <= 0) {
    throw new AmazonError("InvalidParameterValue", "The value provided for chargeAmount is invalid.");
  }
  if (
    details.totalOrderAmount !== null &&
    details.chargeAmount !== null &&
    details.totalOrderAmount.minor < details.chargeAmount.minor
  ) {
    throw new AmazonError("InvalidParameterValue", "totalOrderAmount must not be less than chargeAmount.");
  }
}

function paymentDetailsOf(
  input: Partial<SessionPaymentDetails> | undefined,
  base?: SessionPaymentDetails,
): SessionPaymentDetails {
  return {
    paymentIntent: input?.paymentIntent ?? base?.paymentIntent ?? null,
    canHandlePendingAuthorization:
      input?.canHandlePendingAuthorization ?? base?.canHandlePendingAuthorization ?? false,
    chargeAmount: input?.chargeAmount ?? base?.chargeAmount ?? null,
    totalOrderAmount: input?.totalOrderAmount ?? base?.totalOrderAmount ?? null,
    presentmentCurrency:
      input?.presentmentCurrency ?? input?.chargeAmount?.currency ?? base?.presentmentCurrency ?? null,
    softDescriptor: input?.softDescriptor ?? base?.softDescriptor ?? null,
    allowOvercharge: input?.allowOvercharge ?? base?.allowOvercharge ?? null,
    extendExpiration: input?.extendExpiration ?? base?.extendExpiration ?? null,
  };
}

export function createSession(spec: SessionSpec, context: SessionContext, now: number): SessionRecord {
  if (spec.storeId !== context.storeId) {
    throw new AmazonError("InvalidParameterValue", "The value provided for storeId is invalid.");
  }
  const processOrder = spec.webCheckoutDetails.checkoutMode === "ProcessOrder";
  if (!processOrder && !spec.webCheckoutDetails.checkoutReviewReturnUrl) {
    throw new AmazonError("MissingParameterValue", "webCheckoutDetails.checkoutReviewReturnUrl is required.");
  }
  if (processOrder) {
    if (!spec.webCheckoutDetails.checkoutResultReturnUrl) {
      throw new AmazonError(
        "MissingParameterValue",
        "webCheckoutDetails.checkoutResultReturnUrl is required for ProcessOrder.",
      );
    }
    if (!spec.paymentDetails?.paymentIntent || !spec.paymentDetails.chargeAmount) {
      throw new AmazonError(
        "MissingParameterValue",
        "paymentDetails.paymentIntent and chargeAmount are required for ProcessOrder.",
      );
    }
  }
  const paymentDetails = paymentDetailsOf(spec.paymentDetails);
  assertPaymentDetails(paymentDetails, context.ledgerCurrency);
  const type = spec.chargePermissionType ?? "OneTime";
  if (spec.recurringMetadata !== undefined && type !== "Recurring") {
    throw new AmazonError(
      "InvalidParameterCombination",
      "recurringMetadata needs chargePermissionType Recurring.",
    );
  }
  return {
    id: context.id,
    merchantId: context.merchantId,
    environment: context.environment,
    region: context.region,
    storeId: spec.storeId,
    webCheckoutDetails: {
      checkoutReviewReturnUrl: spec.webCheckoutDetails.checkoutReviewReturnUrl ?? null,
      checkoutResultReturnUrl: spec.webCheckoutDetails.checkoutResultReturnUrl ?? null,
      checkoutCancelUrl: spec.webCheckoutDetails.checkoutCancelUrl ?? null,
      checkoutMode: spec.webCheckoutDetails.checkoutMode ?? null,
    },
    productType: spec.productType ?? (spec.addressDetails || !processOrder ? "PayAndShip" : "PayOnly"),
    paymentDetails,
    chargePermissionType: type,
    recurringMetadata: spec.recurringMetadata ?? null,
    paymentMethodOnFileMetadata: spec.paymentMethodOnFileMetadata ?? null,
    merchantMetadata: mergeMerchantMetadata(emptyMerchantMetadata(), spec.merchantMetadata),
    supplementaryData: spec.supplementaryData ?? null,
    platformId: spec.platformId ?? null,
    providerMetadata: { providerReferenceId: spec.providerMetadata?.providerReferenceId ?? null },
    deliverySpecifications: spec.deliverySpecifications ?? null,
    scopes: spec.scopes ?? null,
    addressDetails: spec.addressDetails ?? null,
    buyer: null,
    shippingAddress: null,
    instrument: null,
    status: status("Open", now),
    authenticated: false,
    chargePermissionId: null,
    chargeId: null,
    createdAt: now,
    expiresAt: now + SESSION_LIFETIME,
  };
}

const CONSTRAINT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  BuyerNotAssociated:
    "There is no buyer associated with the Checkout Session. Return the checkout session id to the Amazon Pay Button to allow buyer to login.",
  ChargeAmountNotSet: "chargeAmount is not set.",
  CheckoutResultReturnUrlNotSet: "checkoutResultReturnUrl is not set.",
  PaymentIntentNotSet: "paymentIntent is not set.",
  RecurringFrequencyNotSet: "recurringMetadata.frequency is not set.",
};

/** What still blocks the redirect to amazonPayRedirectUrl (§4.2). */
export function constraintsOf(session: SessionRecord): Constraint[] {
  if (session.status.state !== "Open") return [];
  const ids: string[] = [];
  if (session.buyer === null) ids.push("BuyerNotAssociated");
  if (session.paymentDetails.chargeAmount === null) ids.push("ChargeAmountNotSet");
  if (session.webCheckoutDetails.checkoutResultReturnUrl === null) ids.push("CheckoutResultReturnUrlNotSet");
  if (session.paymentDetails.paymentIntent === null) ids.push("PaymentIntentNotSet");
  if (session.chargePermissionType === "Recurring" && !session.recurringMetadata?.frequency) {
    ids.push("RecurringFrequencyNotSet");
  }
  return ids.map((constraintId) => ({
    constraintId,
    description: CONSTRAINT_DESCRIPTIONS[constraintId] as string,
  }));
}

function assertOpen(session: SessionRecord, action: string): void {
  if (session.status.state !== "Open") {
    throw new AmazonError(
      "InvalidCheckoutSessionStatus",
      `You cannot ${action} a checkout session in state ${session.status.state}.`,
    );
  }
}

export interface SessionPatch {
  readonly webCheckoutDetails?: { checkoutResultReturnUrl?: string };
  readonly paymentDetails?: Partial<SessionPaymentDetails>;
  readonly merchantMetadata?: Partial<MerchantMetadata>;
  readonly recurringMetadata?: RecurringMetadata;
  readonly platformId?: string;
  readonly providerMetadata?: ProviderMetadata;
  readonly supplementaryData?: string;
  readonly chargePermissionType?: ChargePermissionType;
}

/** Update (§4.2): only while Open; allowOvercharge/extendExpiration only at creation. */
export function updateSession(
  session: SessionRecord,
  patch: SessionPatch,
  ledgerCurrency: string,
): SessionRecord {
  assertOpen(session, "update");
  if (
    patch.paymentDetails?.allowOvercharge !== undefined ||
    patch.paymentDetails?.extendExpiration !== undefined
  ) {
    throw new AmazonError(
      "InvalidParameterValue",
      "allowOvercharge and extendExpiration can only be set when the checkout session is created.",
    );
  }
  const paymentDetails = paymentDetailsOf(patch.paymentDetails, session.paymentDetails);
  assertPaymentDetails(paymentDetails, ledgerCurrency);
  const type = patch.chargePermissionType ?? session.chargePermissionType;
  const recurringMetadata = patch.recurringMetadata ?? session.recurringMetadata;
  if (recurringMetadata !== null && type !== "Recurring") {
    throw new AmazonError(
      "InvalidParameterCombination",
      "recurringMetadata needs chargePermissionType Recurring.",
    );
  }
  return {
    ...session,
    webCheckoutDetails: {
      ...session.webCheckoutDetails,
      checkoutResultReturnUrl:
        patch.webCheckoutDetails?.checkoutResultReturnUrl ??
        session.webCheckoutDetails.checkoutResultReturnUrl,
    },
    paymentDetails,
    merchantMetadata: mergeMerchantMetadata(session.merchantMetadata, patch.merchantMetadata),
    recurringMetadata,
    platformId: patch.platformId ?? session.platformId,
    providerMetadata: patch.providerMetadata ?? session.providerMetadata,
    supplementaryData: patch.supplementaryData ?? session.supplementaryData,
    chargePermissionType: type,
    // Changing the payment after the buyer confirmed sends them through the Amazon page again.
    authenticated: patch.paymentDetails === undefined ? session.authenticated : false,
  };
}

/** The buyer signs in (or changes address/instrument) on the Amazon pages, while the session is Open. */
export function associateBuyer(
  session: SessionRecord,
  choice: { buyer: BuyerDetails; shippingAddress: Address | null; instrument: InstrumentDetails },
): SessionRecord {
  assertOpen(session, "sign in to");
  return {
    ...session,
    buyer: choice.buyer,
    shippingAddress: session.productType === "PayOnly" ? null : choice.shippingAddress,
    instrument: choice.instrument,
    authenticated: false,
  };
}

/** Appends `amazonCheckoutSessionId` to a merchant URL (§11.1). */
export function withSessionId(url: string, sessionId: string): string {
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}amazonCheckoutSessionId=${encodeURIComponent(sessionId)}`;
}

/**
 * What the buyer does on the page behind amazonPayRedirectUrl (§11.1 step 4): Amazon processes
 * the payment intent with the chosen instrument. Card outcomes BuyerCanceled and Declined, and a
 * pending card without Authorize + canHandlePendingAuthorization, cancel the session (§9).
 */
export function authenticateSession(session: SessionRecord, now: number): SessionRecord {
  assertOpen(session, "process");
  const blocking = constraintsOf(session);
  if (blocking.length > 0) {
    throw new AmazonError(
      "InvalidCheckoutSessionStatus",
      `The checkout session has constraints: ${blocking.map((item) => item.constraintId).join(", ")}.`,
    );
  }
  const outcome = session.instrument?.outcome ?? { kind: "Success" };
  if (outcome.kind === "BuyerCanceled") {
    return {
      ...session,
      status: status("Canceled", now, "BuyerCanceled", "The buyer canceled the checkout."),
    };
  }
  if (outcome.kind === "Declined") {
    return { ...session, status: status("Canceled", now, "Declined", "The payment method was declined.") };
  }
  if (
    outcome.kind === "Pending" &&
    (session.paymentDetails.paymentIntent !== "Authorize" ||
      !session.paymentDetails.canHandlePendingAuthorization)
  ) {
    return {
      ...session,
      status: status(
        "Canceled",
        now,
        "Declined",
        "This payment method needs paymentIntent Authorize and canHandlePendingAuthorization true.",
      ),
    };
  }
  return { ...session, authenticated: true };
}

/** Where the buyer goes after the Amazon page: the result URL with the session id. */
export function resultRedirectUrl(session: SessionRecord): string {
  const url =
    session.webCheckoutDetails.checkoutResultReturnUrl ?? session.webCheckoutDetails.checkoutReviewReturnUrl;
  return withSessionId(url ?? "about:blank", session.id);
}

export interface CompletionResult {
  readonly session: SessionRecord;
  readonly permission: PermissionRecord | null;
  readonly charge: ChargeRecord | null;
  readonly notices: Notice[];
  /** 202 while the authorization is pending, else 200. */
  readonly httpStatus: 200 | 202;
  /** Set when the session was canceled or declined: the answer is this error, the change is kept. */
  readonly error?: AmazonError;
}

function failedCompletion(
  session: SessionRecord,
  reasonCode: string,
  description: string,
  now: number,
  error: AmazonError,
): CompletionResult {
  return {
    session: { ...session, status: status("Canceled", now, reasonCode, description) },
    permission: null,
    charge: null,
    notices: [],
    httpStatus: 200,
    error,
  };
}

/**
 * Complete (§4.2): the amounts must match the session's; the Charge Permission and (unless the
 * intent is Confirm) the Charge are created with the ids given.
 */
export function completeSession(
  session: SessionRecord,
  request: { chargeAmount: Money | null; totalOrderAmount: Money | null },
  simulation: SimulationEffect | undefined,
  ids: { chargePermissionId: string; chargeId: string },
  now: number,
): CompletionResult {
  if (session.status.state === "Canceled" && session.status.reasonCode !== "Expired") {
    throw new AmazonError(
      "CheckoutSessionCanceled",
      `The checkout session was canceled (${session.status.reasonCode}).`,
    );
  }
  assertOpen(session, "complete");
  if (!session.authenticated) {
    throw new AmazonError(
      "InvalidCheckoutSessionStatus",
      "The buyer has not completed the checkout on amazonPayRedirectUrl yet.",
    );
  }
  const expected = session.paymentDetails.chargeAmount as Money;
  const sameMoney = (a: Money | null, b: Money | null) =>
    a?.minor === b?.minor && a?.currency === b?.currency;
  if (request.chargeAmount === null) {
    throw new AmazonError("MissingParameterValue", "chargeAmount is required.");
  }
  if (!sameMoney(request.chargeAmount, expected)) {
    throw new AmazonError(
      "AmountMismatch",
      "chargeAmount does not match the checkout session's chargeAmount.",
    );
  }
  if (
    session.paymentDetails.totalOrderAmount !== null &&
    !sameMoney(request.totalOrderAmount, session.paymentDetails.totalOrderAmount)
  ) {
    throw new AmazonError(
      "AmountMismatch",
      "totalOrderAmount does not match the checkout session's totalOrderAmount.",
    );
  }
  if (simulation?.kind === "cancelSession") {
    return failedCompletion(
      session,
      simulation.reasonCode,
      "Simulated cancellation.",
      now,
      new AmazonError(
        "CheckoutSessionCanceled",
        `The checkout session was canceled (${simulation.reasonCode}).`,
      ),
    );
  }
  const details = session.paymentDetails;
  const instrument = session.instrument as InstrumentDetails;
  const order = details.totalOrderAmount ?? expected;
  const opened = openPermission(
    {
      id: ids.chargePermissionId,
      merchantId: session.merchantId,
      environment: session.environment,
      checkoutSessionId: session.id,
      type: session.chargePermissionType,
      buyer: session.buyer as BuyerDetails,
      shippingAddress: session.shippingAddress,
      instrument,
      merchantMetadata: session.merchantMetadata,
      platformId: session.platformId,
      recurringMetadata: session.recurringMetadata,
      currency: expected.currency,
      amountLimit:
        session.chargePermissionType !== "OneTime"
          ? null
          : details.allowOvercharge
            ? overchargeLimit(order.minor, order.currency)
            : order.minor,
      extendExpiration: details.extendExpiration === true,
    },
    now,
  );
  let charge: ChargeRecord | null = null;
  const notices = [...opened.notices];
  if (details.paymentIntent !== "Confirm") {
    const outcome = authorizationOutcome(
      instrument.outcome,
      simulation,
      details.canHandlePendingAuthorization,
    );
    if (outcome.kind === "decline") {
      return failedCompletion(
        session,
        "Declined",
        outcome.description,
        now,
        new AmazonError(outcome.reasonCode as "HardDeclined", outcome.description, 422),
      );
    }
    const created = openCharge(
      {
        id: ids.chargeId,
        merchantId: session.merchantId,
        environment: session.environment,
        chargePermissionId: ids.chargePermissionId,
        amount: expected,
        captureNow: details.paymentIntent === "AuthorizeWithCapture",
        softDescriptor: details.softDescriptor,
        providerMetadata: session.providerMetadata,
        merchantMetadata: session.merchantMetadata,
        platformId: session.platformId,
        channel: "Web",
        chargeInitiator: "CITU",
      },
      outcome,
      now,
    );
    charge = created.charge;
    notices.push(...created.notices);
  }
  return {
    session: {
      ...session,
      status: status("Completed", now),
      chargePermissionId: ids.chargePermissionId,
      chargeId: charge?.id ?? null,
    },
    permission: opened.permission,
    charge,
    notices,
    httpStatus: charge?.status.state === "AuthorizationInitiated" ? 202 : 200,
  };
}

/** The next timer: expiry while Open, afterwards deletion (§5.5). */
export function sessionDueAt(session: SessionRecord): number {
  return session.status.state === "Open" ? session.expiresAt : session.createdAt + SESSION_RETENTION;
}

/** Whether the session still exists at `now`: deleted 30 days after creation (§4.2). */
export function isRetained(session: SessionRecord, now: number): boolean {
  return now < session.createdAt + SESSION_RETENTION;
}

/** 24 h without completion: Canceled/Expired (§5.1). */
export function tickSession(session: SessionRecord, now: number): SessionRecord {
  if (session.status.state !== "Open" || session.expiresAt > now) return session;
  return {
    ...session,
    status: status("Canceled", session.expiresAt, "Expired", "The checkout session expired."),
  };
}

/**
 * The wire object as Finalize answers it: Amazon's SDK suite expects `cartDetails` (after
 * `paymentDetails`) on Finalize only, and no such key on create, get, update or complete.
 */
export function withCartDetails(wire: CheckoutSession): CheckoutSession {
  const { checkoutSessionId, webCheckoutDetails, productType, paymentDetails, ...rest } = wire;
  return { checkoutSessionId, webCheckoutDetails, productType, paymentDetails, cartDetails: null, ...rest };
}

/** The wire object, keys in the order of Amazon's SDK suite (`tst/webStoreClientTest.js`). */
export function renderSession(
  session: SessionRecord,
  amazonPayRedirectUrl: string,
  releaseEnvironment: "Sandbox" | "Live",
): CheckoutSession {
  const constraints = constraintsOf(session);
  const details = session.paymentDetails;
  // After completion the order details live on the Charge Permission (§4.2).
  const showOrder = session.status.state === "Open";
  return {
    checkoutSessionId: session.id,
    webCheckoutDetails: {
      checkoutReviewReturnUrl: session.webCheckoutDetails.checkoutReviewReturnUrl,
      checkoutResultReturnUrl: session.webCheckoutDetails.checkoutResultReturnUrl,
      checkoutCancelUrl: session.webCheckoutDetails.checkoutCancelUrl,
      amazonPayRedirectUrl:
        session.status.state === "Open" && constraints.length === 0 ? amazonPayRedirectUrl : null,
      checkoutMode: session.webCheckoutDetails.checkoutMode,
    },
    productType: session.productType,
    paymentDetails: {
      paymentIntent: details.paymentIntent,
      canHandlePendingAuthorization: details.canHandlePendingAuthorization,
      chargeAmount: renderOptionalPrice(details.chargeAmount),
      totalOrderAmount: renderOptionalPrice(details.totalOrderAmount),
      presentmentCurrency: details.presentmentCurrency,
      softDescriptor: details.softDescriptor,
      allowOvercharge: details.allowOvercharge,
      extendExpiration: details.extendExpiration,
    },
    chargePermissionType: session.chargePermissionType,
    orderType: null,
    recurringMetadata: session.recurringMetadata,
    paymentMethodOnFileMetadata: session.paymentMethodOnFileMetadata,
    merchantDetails: null,
    merchantMetadata: session.merchantMetadata,
    supplementaryData: session.supplementaryData,
    buyer: session.buyer === null ? null : { ...session.buyer, primeMembershipTypes: null },
    billingAddress: showOrder ? (session.instrument?.billingAddress ?? null) : null,
    paymentPreferences:
      showOrder && session.instrument !== null
        ? [{ paymentDescriptor: session.instrument.paymentDescriptor }]
        : null,
    statusDetails: renderStatus(session.status),
    shippingAddress: showOrder ? session.shippingAddress : null,
    platformId: session.platformId,
    chargePermissionId: session.chargePermissionId,
    chargeId: session.chargeId,
    constraints,
    creationTimestamp: renderTimestamp(session.createdAt) as string,
    expirationTimestamp: renderTimestamp(session.expiresAt) as string,
    storeId: session.storeId,
    providerMetadata: session.providerMetadata,
    releaseEnvironment,
    checkoutButtonText: null,
    deliverySpecifications: session.deliverySpecifications,
    tokens: null,
  };
}
