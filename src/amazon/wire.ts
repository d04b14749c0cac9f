/**
 * Amazon Pay v2 JSON exactly as on the wire (reference/amazon-pay-v2.md §3, §4, §7, §13).
 *
 * Response objects list their keys in the order Amazon sends them; an emulator that builds
 * objects by following these declarations produces the same `Object.keys` order. Fields that
 * Amazon leaves unset are present with `null`. Amounts and timestamps are strings: decimal text
 * (`"14.00"`, JPY `"1000"`) and compact UTC (`"20191015T204313Z"`). Conversion into Kasse's
 * integer money happens in `map.ts`, never here.
 *
 * Request bodies are the shapes Kasse sends; Amazon also accepts numbers for `amount` (§3), so
 * `Price.amount` in requests is `string | number`.
 */

/** Compact UTC `YYYYMMDDTHHMMSSZ`. */
export type AmazonTimestamp = string;

export type ReleaseEnvironment = "Sandbox" | "Live";

// ─── shared types (§4.1) ─────────────────────────────────────────────────────────────────────

export interface Price {
  amount: string;
  currencyCode: string;
}

/** A price as a request may carry it: Amazon accepts JSON numbers too (§3). */
export interface PriceInput {
  amount: string | number;
  currencyCode: string;
}

export interface Address {
  name: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  addressLine3: string | null;
  city: string | null;
  county: string | null;
  district: string | null;
  stateOrRegion: string | null;
  postalCode: string | null;
  countryCode: string | null;
  phoneNumber: string | null;
}

/** Address a merchant supplies for Additional Payment Button flows (§4.1, §11.2). */
export interface AddressDetails {
  name: string;
  addressLine1: string;
  addressLine2?: string | null;
  addressLine3?: string | null;
  city?: string | null;
  districtOrCounty?: string | null;
  stateOrRegion?: string | null;
  postalCode?: string | null;
  countryCode: string;
  phoneNumber: string;
}

export interface Buyer {
  buyerId: string | null;
  name: string | null;
  email: string | null;
  phoneNumber: string | null;
  primeMembershipTypes: string[] | null;
}

export interface StatusDetails<State extends string = string> {
  state: State;
  reasonCode: string | null;
  reasonDescription: string | null;
  lastUpdatedTimestamp: AmazonTimestamp;
}

export interface StatusReason {
  reasonCode: string;
  reasonDescription: string | null;
}

/** Charge Permissions report a list of reasons instead of one reason code (§4.1). */
export interface ChargePermissionStatusDetails {
  state: ChargePermissionState;
  reasons: StatusReason[] | null;
  lastUpdatedTimestamp: AmazonTimestamp;
}

export interface MerchantMetadata {
  merchantReferenceId: string | null;
  merchantStoreName: string | null;
  noteToBuyer: string | null;
  customInformation: string | null;
}

export interface ProviderMetadata {
  providerReferenceId: string | null;
}

export type CheckoutMode = "ProcessOrder";

export interface WebCheckoutDetails {
  checkoutReviewReturnUrl: string | null;
  checkoutResultReturnUrl: string | null;
  checkoutCancelUrl: string | null;
  amazonPayRedirectUrl: string | null;
  checkoutMode: CheckoutMode | null;
}

export type PaymentIntent = "Confirm" | "Authorize" | "AuthorizeWithCapture";

export interface PaymentDetails {
  paymentIntent: PaymentIntent | null;
  canHandlePendingAuthorization: boolean;
  chargeAmount: Price | null;
  totalOrderAmount: Price | null;
  presentmentCurrency: string | null;
  softDescriptor: string | null;
  allowOvercharge: boolean | null;
  extendExpiration: boolean | null;
}

export type FrequencyUnit = "Year" | "Month" | "Week" | "Day" | "Variable";

export interface RecurringMetadata {
  frequency: { unit: FrequencyUnit; value: string } | null;
  amount: Price | null;
}

export interface DeliverySpecifications {
  specialRestrictions?: ("RestrictPOBoxes" | "RestrictPackstations")[];
  addressRestrictions?: {
    type: "Allowed" | "NotAllowed";
    restrictions: Record<string, { statesOrRegions?: string[]; zipCodes?: string[] }>;
  };
}

export interface PaymentPreference {
  paymentDescriptor: string | null;
  billingAddress?: Address | null;
}

export type ConstraintId =
  | "BuyerNotAssociated"
  | "ChargeAmountNotSet"
  | "CheckoutResultReturnUrlNotSet"
  | "PaymentIntentNotSet"
  | "RecurringFrequencyNotSet";

export interface Constraint {
  constraintId: ConstraintId | (string & {});
  description: string;
}

export interface Limits {
  amountLimit: Price | null;
  amountBalance: Price | null;
}

export interface PaymentMethodOnFileMetadata {
  setupOnly: boolean;
}

export interface AddressPrice {
  addressId: string;
  price: Price;
}

export type ChargePermissionType = "OneTime" | "Recurring" | "PaymentMethodOnFile";

export type Scope =
  | "name"
  | "email"
  | "phoneNumber"
  | "billingAddress"
  | "postalCode"
  | "shippingAddress"
  | "primeStatus";

// ─── Checkout Session (§4.2, §5.1) ───────────────────────────────────────────────────────────

export type CheckoutSessionState = "Open" | "Completed" | "Canceled";

/** Keys in the order the NODE SDK's live tests assert. */
export interface CheckoutSession {
  checkoutSessionId: string;
  webCheckoutDetails: WebCheckoutDetails;
  productType: "PayAndShip" | "PayOnly" | "SignIn" | null;
  paymentDetails: PaymentDetails;
  chargePermissionType: ChargePermissionType;
  /** Only some responses carry it (finalize); absent otherwise. */
  cartDetails?: unknown;
  orderType: string | null;
  recurringMetadata: RecurringMetadata | null;
  paymentMethodOnFileMetadata: PaymentMethodOnFileMetadata | null;
  merchantDetails: unknown | null;
  merchantMetadata: MerchantMetadata;
  supplementaryData: string | null;
  buyer: Buyer | null;
  billingAddress: Address | null;
  paymentPreferences: PaymentPreference[] | null;
  statusDetails: StatusDetails<CheckoutSessionState>;
  shippingAddress: Address | null;
  platformId: string | null;
  chargePermissionId: string | null;
  chargeId: string | null;
  constraints: Constraint[];
  creationTimestamp: AmazonTimestamp;
  expirationTimestamp: AmazonTimestamp;
  storeId: string;
  providerMetadata: ProviderMetadata;
  releaseEnvironment: ReleaseEnvironment;
  checkoutButtonText: string | null;
  deliverySpecifications: DeliverySpecifications | null;
  tokens: unknown[] | null;
  /** PayAndShipMultiAddress only: each item is a JSON *string* of an `Address` (§4.2). */
  shippingAddressList?: string[] | null;
  multiAddressesCheckoutMetadata?: AddressPrice[] | null;
}

export interface CreateCheckoutSessionRequest {
  webCheckoutDetails: {
    checkoutReviewReturnUrl?: string;
    checkoutResultReturnUrl?: string;
    checkoutCancelUrl?: string;
    checkoutMode?: CheckoutMode;
  };
  storeId: string;
  scopes?: Scope[];
  chargePermissionType?: ChargePermissionType;
  recurringMetadata?: RequestRecurringMetadata;
  paymentDetails?: RequestPaymentDetails;
  merchantMetadata?: Partial<MerchantMetadata>;
  platformId?: string;
  providerMetadata?: ProviderMetadata;
  supplementaryData?: string;
  deliverySpecifications?: DeliverySpecifications;
  addressDetails?: AddressDetails;
  paymentMethodOnFileMetadata?: PaymentMethodOnFileMetadata;
  chargePermissionId?: string;
}

export interface RequestPaymentDetails {
  paymentIntent?: PaymentIntent;
  canHandlePendingAuthorization?: boolean;
  chargeAmount?: PriceInput;
  totalOrderAmount?: PriceInput;
  presentmentCurrency?: string;
  softDescriptor?: string;
  allowOvercharge?: boolean;
  extendExpiration?: boolean;
}

export interface RequestRecurringMetadata {
  frequency?: { unit: FrequencyUnit; value: string | number };
  amount?: PriceInput;
}

export interface UpdateCheckoutSessionRequest {
  webCheckoutDetails?: { checkoutResultReturnUrl?: string };
  paymentDetails?: RequestPaymentDetails;
  merchantMetadata?: Partial<MerchantMetadata>;
  recurringMetadata?: RequestRecurringMetadata;
  platformId?: string;
  providerMetadata?: ProviderMetadata;
  supplementaryData?: string;
  chargePermissionType?: ChargePermissionType;
  multiAddressesCheckoutMetadata?: AddressPrice[];
}

export interface CompleteCheckoutSessionRequest {
  chargeAmount?: PriceInput;
  totalOrderAmount?: PriceInput;
}

export interface FinalizeCheckoutSessionRequest {
  chargeAmount: PriceInput;
  totalOrderAmount?: PriceInput;
  shippingAddress?: Partial<Address> | null;
  billingAddress?: Partial<Address> | null;
  paymentIntent?: PaymentIntent;
  canHandlePendingAuthorization?: boolean;
  supplementaryData?: string;
}

// ─── Charge Permission (§4.3, §5.2) ──────────────────────────────────────────────────────────

export type ChargePermissionState = "Chargeable" | "NonChargeable" | "Closed";

export interface ChargePermission {
  chargePermissionId: string;
  chargePermissionReferenceId: string | null;
  platformId: string | null;
  buyer: Buyer | null;
  shippingAddress: Address | null;
  billingAddress: Address | null;
  paymentPreferences: PaymentPreference[] | null;
  statusDetails: ChargePermissionStatusDetails;
  creationTimestamp: AmazonTimestamp;
  expirationTimestamp: AmazonTimestamp | null;
  merchantMetadata: MerchantMetadata;
  releaseEnvironment: ReleaseEnvironment;
  limits: Limits | null;
  chargePermissionType: ChargePermissionType;
  recurringMetadata: RecurringMetadata | null;
  presentmentCurrency: string;
}

export interface UpdateChargePermissionRequest {
  merchantMetadata?: Partial<MerchantMetadata>;
  recurringMetadata?: RequestRecurringMetadata;
}

export interface CloseChargePermissionRequest {
  closureReason: string;
  cancelPendingCharges?: boolean;
}

// ─── Charge (§4.4, §5.3) ─────────────────────────────────────────────────────────────────────

export type ChargeState =
  | "AuthorizationInitiated"
  | "Authorized"
  | "CaptureInitiated"
  | "Captured"
  | "Canceled"
  | "Declined";

export type ChargeInitiator = "CITU" | "MITU" | "CITR" | "MITR";

export type Channel = "Web" | "Phone" | "App" | "Alexa" | "PointOfSale" | "FireTv" | "Offline" | "Amazon";

export interface Charge {
  chargeId: string;
  chargeAmount: Price;
  chargePermissionId: string;
  captureAmount: Price | null;
  refundedAmount: Price | null;
  softDescriptor: string | null;
  providerMetadata: ProviderMetadata;
  convertedAmount: Price | null;
  conversionRate: string | null;
  channel: Channel | null;
  chargeInitiator: ChargeInitiator | null;
  statusDetails: StatusDetails<ChargeState>;
  creationTimestamp: AmazonTimestamp;
  expirationTimestamp: AmazonTimestamp | null;
  releaseEnvironment: ReleaseEnvironment;
  merchantMetadata: MerchantMetadata;
  platformId: string | null;
  webCheckoutDetails: WebCheckoutDetails | null;
}

export interface CreateChargeRequest {
  chargePermissionId: string;
  chargeAmount: PriceInput;
  captureNow?: boolean;
  softDescriptor?: string;
  canHandlePendingAuthorization?: boolean;
  merchantMetadata?: Partial<MerchantMetadata>;
  providerMetadata?: ProviderMetadata;
  platformId?: string;
  chargeInitiator?: ChargeInitiator;
  channel?: Channel;
  webCheckoutDetails?: { checkoutResultReturnUrl?: string };
}

export interface CaptureChargeRequest {
  captureAmount: PriceInput;
  softDescriptor?: string;
}

export interface CancelChargeRequest {
  cancellationReason?: string;
}

// ─── Refund (§4.5, §5.4) ─────────────────────────────────────────────────────────────────────

export type RefundState = "RefundInitiated" | "Refunded" | "Declined";

export interface Refund {
  refundId: string;
  chargeId: string;
  creationTimestamp: AmazonTimestamp;
  refundAmount: Price;
  statusDetails: StatusDetails<RefundState>;
  softDescriptor: string | null;
  releaseEnvironment: ReleaseEnvironment;
}

export interface CreateRefundRequest {
  chargeId: string;
  refundAmount: PriceInput;
  softDescriptor?: string;
}

// ─── Buyer, Sign-in (§4.6) ───────────────────────────────────────────────────────────────────

/** `GET buyers/{buyerToken}`: keys as in the NET SDK's BuyerResponse. */
export interface SignInBuyer {
  buyerId: string;
  name: string | null;
  email: string | null;
  postalCode: string | null;
  countryCode: string | null;
  phoneNumber: string | null;
  shippingAddress: Address | null;
  billingAddress: Address | null;
  primeMembershipTypes: string[] | null;
}

// ─── Reports (§13) ───────────────────────────────────────────────────────────────────────────

export type ReportType =
  | "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SETTLEMENT_DATA_"
  | "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_"
  | "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_"
  | "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_BILLING_AGREEMENT_DATA_"
  | "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_"
  | "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_CAPTURE_DATA_"
  | "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_"
  | "_GET_CSV_CUSTOM_OFFAMAZONPAYMENTS_MULTI_CURRENCY_PAYMENTS_DATA_";

export type ProcessingStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED" | "CANCELLED";

/**
 * Keys in alphabetical order: that is the order the NODE SDK's live test
 * (`tst/webStoreClientTest.js`, `expectGetReportResponse`) asserts with `Object.keys`, which
 * differs from the field order the reference's prose lists.
 */
export interface Report {
  createdTime: AmazonTimestamp;
  endTime: AmazonTimestamp;
  processingEndTime: AmazonTimestamp | null;
  processingStartTime: AmazonTimestamp | null;
  processingStatus: ProcessingStatus;
  reportDocumentId: string | null;
  reportId: string;
  reportType: ReportType;
  startTime: AmazonTimestamp;
}

export interface ReportList {
  reports: Report[];
  nextToken?: string | null;
}

export interface ReportDocument {
  reportDocumentId: string;
  url: string;
  compressionAlgorithm: string;
}

export type ScheduleFrequency =
  | "PT5M"
  | "PT15M"
  | "PT30M"
  | "PT1H"
  | "PT2H"
  | "PT4H"
  | "PT8H"
  | "PT12H"
  | "PT24H"
  | "PT84H"
  | "P1D"
  | "P2D"
  | "P3D"
  | "P7D"
  | "P14D"
  | "P15D"
  | "P18D"
  | "P30D";

/** Alphabetical, as the NODE SDK's live test asserts (`expectGetReportSchedulesReponse`). */
export interface ReportSchedule {
  nextReportCreationTime: AmazonTimestamp;
  reportScheduleId: string;
  reportType: ReportType;
  scheduleFrequency: ScheduleFrequency;
}

export interface ReportScheduleList {
  reportSchedules: ReportSchedule[];
}

/** Query of `GET reports` (§13); list values are sent comma-joined. */
export interface GetReportsQuery {
  reportTypes?: ReportType[];
  processingStatuses?: ProcessingStatus[];
  createdSince?: AmazonTimestamp;
  createdUntil?: AmazonTimestamp;
  pageSize?: number;
  /** When given, it must be the only parameter (§13). */
  nextToken?: string;
}

export interface CreateReportRequest {
  reportType: ReportType;
  startTime: AmazonTimestamp;
  endTime: AmazonTimestamp;
}

export interface CreateReportResponse {
  reportId: string;
}

export interface CreateReportScheduleRequest {
  reportType: ReportType;
  scheduleFrequency: ScheduleFrequency;
  nextReportCreationTime?: AmazonTimestamp;
  deleteExistingSchedule?: boolean;
}

export interface CreateReportScheduleResponse {
  reportScheduleId: string;
}

// ─── errors (§7) ─────────────────────────────────────────────────────────────────────────────

/** Every non-2xx answer carries this body. */
export interface ErrorBody {
  reasonCode: string;
  message: string;
}
