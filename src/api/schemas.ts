/**
 * The JSON API's request and response schemas, defined once with TypeBox (plain JSON Schema
 * objects with static types): the request ones validate every request (`validation.ts`), all of
 * them make the OpenAPI 3.1 document (`openapi.ts`), and the tests check answers against the
 * response ones. Money is always an integer in minor units beside its ISO 4217 currency.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const PayId = Type.String({ pattern: "^[0-9a-f]{32}$", description: "Kasse's PayID" });
export const MerchantId = Type.String({ pattern: "^[A-Za-z0-9._-]{1,64}$" });
export const Currency = Type.String({ pattern: "^[A-Z]{3}$", description: "ISO 4217" });
export const MinorAmount = Type.Integer({ minimum: 1, maximum: 9_999_999_999, description: "minor units" });
const IsoTime = Type.String({ format: "date-time" });

export const PaymentStatus = Type.Union(
  [
    "initialized",
    "buyerReturned",
    "authorizationPending",
    "authorized",
    "capturePending",
    "captured",
    "canceled",
    "failed",
  ].map((status) => Type.Literal(status)),
);

export const Problem = Type.Object(
  {
    type: Type.String({ description: "urn:kasse:problem:<code>" }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    field: Type.Optional(Type.String()),
  },
  { description: "RFC 9457 problem details" },
);

/** The response entry of every problem-details status in a route declaration. */
export const PROBLEM = { description: "problem details", schema: Problem };

export const Payment = Type.Object(
  {
    payId: PayId,
    merchantId: MerchantId,
    transId: Type.String(),
    refNr: Nullable(Type.String()),
    status: PaymentStatus,
    currency: Currency,
    amount: Type.Integer({ description: "order amount, minor units" }),
    authorized: Type.Integer(),
    captured: Type.Integer(),
    refunded: Type.Integer({ description: "refunds Amazon settled" }),
    refundPending: Type.Integer({ description: "refunds Amazon accepted, not settled yet" }),
    intent: Type.Union([Type.Literal("authorize"), Type.Literal("authorizeWithCapture")]),
    checkoutMode: Type.Union([
      Type.Literal("standard"),
      Type.Literal("processOrder"),
      Type.Literal("merchantInitiated"),
    ]),
    amazon: Type.Object({
      checkoutSessionId: Nullable(Type.String()),
      chargePermissionId: Nullable(Type.String()),
      chargeId: Nullable(Type.String()),
    }),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  },
  {},
);

const ActionState = Type.Union([
  Type.Literal("inFlight"),
  Type.Literal("pending"),
  Type.Literal("succeeded"),
  Type.Literal("failed"),
]);

export const Action = Type.Object(
  {
    xid: Type.String(),
    kind: Type.Union(
      [
        "init",
        "buyerReturn",
        "amountUpdate",
        "authorization",
        "capture",
        "refund",
        "reversal",
        // Amazon's notices (docs/async.md): no money moved by Kasse, recorded once each.
        "chargeback",
        "permissionClosed",
        "permissionExpiring",
      ].map((kind) => Type.Literal(kind)),
      {
        description:
          "chargeback: Amazon reported a chargeback (amazonId: its id); permissionClosed: the recurring charge permission was closed (reasonCode: BuyerClosed, …); permissionExpiring: it expires within 30 days (expiresAt)",
      },
    ),
    sequence: Type.Integer(),
    state: ActionState,
    amount: Type.Integer(),
    currency: Currency,
    transId: Type.String(),
    amazonId: Nullable(Type.String()),
    reasonCode: Nullable(Type.String({ description: "Amazon's reason code of a failure, or of a notice" })),
    expiresAt: Type.Optional(IsoTime),
  },
  {},
);

export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer(),
  at: IsoTime,
  delivered: Type.Boolean(),
  httpStatus: Nullable(Type.Integer({ description: "the shop's answer" })),
  error: Nullable(Type.String()),
});

export const Notification = Type.Object(
  {
    notificationId: Type.Integer(),
    payId: PayId,
    xid: Type.String(),
    event: Type.String(),
    url: Type.String(),
    status: Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")]),
    attempts: Type.Integer(),
    lastError: Nullable(Type.String()),
    nextAttemptAt: Nullable(IsoTime),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  },
  {},
);

export const TimelineEntry = Type.Object({
  ...Action.properties,
  at: Nullable(IsoTime),
  amazonCalls: Type.Array(
    Type.Object({
      operation: Type.String(),
      state: Type.String(),
      attempts: Type.Integer({
        description: "The reconciliation job's tries of a call whose outcome stayed unknown",
      }),
      reasonCode: Nullable(Type.String()),
      createdAt: IsoTime,
      updatedAt: IsoTime,
      nextAttemptAt: Nullable(IsoTime),
      givenUpAt: Nullable(IsoTime),
    }),
  ),
  notifications: Type.Array(
    Type.Object({ ...Notification.properties, deliveries: Type.Array(DeliveryAttempt) }),
  ),
});

export const PaymentDetail = Type.Object(
  {
    ...Payment.properties,
    timeline: Type.Array(TimelineEntry),
    ipns: Type.Array(
      Type.Object({
        receivedAt: IsoTime,
        messageId: Type.String(),
        objectType: Type.String(),
        objectId: Type.String(),
        notificationType: Type.String(),
      }),
    ),
  },
  {},
);

export const ActionResult = Type.Object(
  { payment: Payment, action: Action },
  { description: "the action as it stands: succeeded, pending or (no answer yet) inFlight" },
);

const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });

export const PaymentListQuery = Type.Object(
  {
    merchantId: Type.Optional(MerchantId),
    payId: Type.Optional(PayId),
    transId: Type.Optional(Type.String({ maxLength: 64 })),
    refNr: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(PaymentStatus),
    from: Type.Optional(Type.String({ format: "date-time", description: "created at or after" })),
    to: Type.Optional(Type.String({ format: "date-time", description: "created before" })),
    minAmount: Type.Optional(Type.Integer({ minimum: 0 })),
    maxAmount: Type.Optional(Type.Integer({ minimum: 0 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: "nextCursor of the page before" })),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type PaymentListQuery = Static<typeof PaymentListQuery>;

export const PaymentList = Type.Object({
  payments: Type.Array(Payment),
  nextCursor: Nullable(Type.String()),
});

export const PayIdParams = Type.Object({ payId: PayId });
export const ScopeQuery = Type.Object(
  { merchantId: Type.Optional(MerchantId) },
  { additionalProperties: false },
);

export const CaptureBody = Type.Object(
  {
    amount: Type.Optional(MinorAmount),
    currency: Type.Optional(Currency),
  },
  {
    additionalProperties: false,
    description: "amount defaults to the whole authorisation (one capture per payment)",
  },
);
export const RefundBody = Type.Object(
  { amount: MinorAmount, currency: Type.Optional(Currency) },
  { additionalProperties: false },
);
export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 255 })) },
  { additionalProperties: false },
);

export const IdempotencyHeader = Type.Object({
  "idempotency-key": Type.String({ minLength: 1, maxLength: 255, description: "one per intended action" }),
});

export const MerchantParams = Type.Object({ merchantId: MerchantId });

export const Merchant = Type.Object(
  {
    merchantId: MerchantId,
    name: Type.String(),
    active: Type.Boolean(),
    amazon: Type.Object({
      environment: Type.String(),
      region: Type.String(),
      merchantId: Type.String(),
      storeId: Type.String(),
      publicKeyId: Type.String(),
    }),
    createdAt: IsoTime,
  },
  {},
);

export const NotificationQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")]),
    ),
    payId: Type.Optional(PayId),
    before: Type.Optional(Type.Integer({ minimum: 1, description: "notificationId to page below" })),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export const NotificationParams = Type.Object({
  merchantId: MerchantId,
  notificationId: Type.Integer({ minimum: 1 }),
});

export const Subscription = Type.Object(
  {
    subscriptionId: Type.String(),
    merchantId: MerchantId,
    chargePermissionId: Type.String(),
    amount: Type.Integer(),
    currency: Currency,
    status: Type.String(),
    interval: Type.Object({ unit: Type.String(), value: Type.Integer() }),
    cycle: Type.Integer(),
    attempt: Type.Integer(),
    nextAttemptAt: Type.Optional(IsoTime),
    pausedReason: Type.Optional(Type.String()),
    lastPayId: Type.Optional(Type.String()),
    lastResult: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export const SubscriptionParams = Type.Object({
  merchantId: MerchantId,
  subscriptionId: Type.String({ pattern: "^[A-Za-z0-9._-]{1,256}$" }),
});

export const ApiKey = Type.Object(
  {
    keyId: Type.String(),
    merchantId: MerchantId,
    prefix: Type.String(),
    role: Type.Union([
      Type.Literal("merchantAdmin"),
      Type.Literal("merchantStaff"),
      Type.Literal("merchantViewer"),
    ]),
    label: Type.String(),
    createdBy: Type.String(),
    createdAt: IsoTime,
    lastUsedAt: Nullable(IsoTime),
    revokedAt: Nullable(IsoTime),
  },
  {},
);
export const NewApiKey = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: "shown once" }),
});
export const ApiKeyBody = Type.Object(
  {
    role: ApiKey.properties.role,
    label: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
export const ApiKeyParams = Type.Object({
  merchantId: MerchantId,
  keyId: Type.String({ pattern: "^key_[0-9a-f]{16}$" }),
});

export const Origins = Type.Object(
  {
    origins: Type.Array(
      Type.String({
        maxLength: 200,
        description: "an exact origin: scheme://host[:port], no path, no wildcard",
      }),
      { maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);

export const RequestLogQuery = Type.Object(
  {
    merchantId: Type.Optional(MerchantId),
    before: Type.Optional(Type.Integer({ minimum: 1, description: "logId to page below" })),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export const RequestLogEntry = Type.Object({
  logId: Type.Integer(),
  merchantId: Type.String(),
  method: Type.String(),
  path: Type.String(),
  status: Type.Integer(),
  durationMs: Type.Integer(),
  actor: Type.String(),
  payId: Nullable(Type.String()),
  at: IsoTime,
});

export const WebhookEndpoint = Type.Object({
  endpointId: Type.String(),
  merchantId: MerchantId,
  url: Type.String(),
  active: Type.Boolean(),
  previousSecretValidUntil: Nullable(IsoTime),
  createdAt: IsoTime,
});
export const WebhookEndpointWithSecret = Type.Object({
  ...WebhookEndpoint.properties,
  secret: Type.String({ description: "whsec_…, shown once" }),
});
export const WebhookEndpointBody = Type.Object(
  { url: Type.String({ maxLength: 2000, description: "https (http only for localhost)" }) },
  { additionalProperties: false },
);
export const WebhookEndpointParams = Type.Object({
  merchantId: MerchantId,
  endpointId: Type.String({ pattern: "^we_[0-9a-f]{16}$" }),
});
export const RollSecretBody = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 86_400,
        description: "the old secret signs too this long; default 86400",
      }),
    ),
  },
  { additionalProperties: false },
);
export const WebhookDelivery = Type.Object({
  deliveryId: Type.Integer(),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  payId: PayId,
  status: Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")]),
  attempts: Type.Integer(),
  lastHttpStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(IsoTime),
  createdAt: IsoTime,
});
export const WebhookDeliveryParams = Type.Object({
  merchantId: MerchantId,
  deliveryId: Type.Integer({ minimum: 1 }),
});
