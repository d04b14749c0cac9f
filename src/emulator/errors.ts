/**
 * Every refusal the emulator can give, as Amazon names it (reference §7): one registry of
 * reason codes and their HTTP status; nothing else invents codes.
 */

export const REASON_STATUS = {
  InvalidHeaderValue: 400,
  InvalidRequest: 400,
  InvalidParameterValue: 400,
  InvalidRequestFormat: 400,
  MissingHeader: 400,
  MissingHeaderValue: 400,
  MissingParameterValue: 400,
  UnrecognizedField: 400,
  InvalidSandboxSimulationSpecified: 400,
  DuplicateIdempotencyKey: 400,
  InvalidParameterCombination: 400,
  CurrencyMismatch: 400,
  InvalidAPIVersion: 400,
  TransactionAmountExceeded: 400,
  PeriodicAmountExceeded: 400,
  UnauthorizedAccess: 401,
  InvalidAuthentication: 403,
  InvalidRequestSignature: 403,
  ResourceNotFound: 404,
  UnsupportedOperation: 405,
  RequestTimeout: 408,
  AmountMismatch: 409,
  InvalidCheckoutSessionStatus: 422,
  // 422 rather than 400: the reference's third-party lists disagree; §4.2 recommends 422.
  CheckoutSessionCanceled: 422,
  InvalidChargePermissionStatus: 422,
  ChargePermissionNotModifiable: 422,
  InvalidChargeStatus: 422,
  TransactionCountExceeded: 422,
  SoftDeclined: 422,
  HardDeclined: 422,
  AmazonRejected: 422,
  TransactionTimedOut: 422,
  PaymentMethodNotAllowed: 422,
  MFANotCompleted: 422,
  TooManyRequests: 429,
  InternalServerError: 500,
  ProcessingFailure: 500,
  ServiceUnavailable: 503,
} as const;

export type ReasonCode = keyof typeof REASON_STATUS;

/** An answer Amazon gives as `{"reasonCode","message"}` with the code's HTTP status. */
export class AmazonError extends Error {
  override readonly name = "AmazonError";
  readonly status: number;

  constructor(
    readonly reasonCode: ReasonCode,
    message: string,
    status?: number,
  ) {
    super(message);
    this.status = status ?? REASON_STATUS[reasonCode];
  }

  toBody(): { reasonCode: string; message: string } {
    return { reasonCode: this.reasonCode, message: this.message };
  }
}

export function invalidValue(field: string): AmazonError {
  return new AmazonError("InvalidParameterValue", `The value provided for ${field} is invalid.`);
}

export function notFound(what: string, id: string): AmazonError {
  return new AmazonError("ResourceNotFound", `${what} ${id} does not exist.`);
}
