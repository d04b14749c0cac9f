/**
 * Typed errors of the Amazon Pay connector, classified once into what the caller must do
 * (reference/amazon-pay-v2.md §7; the split Medusa's payment providers use):
 * - `retry`: nothing happened, or it is safe to try again later with the same idempotency key
 *   (throttling, a connection that was refused, a read-only call that failed in transit);
 * - `unknownOutcome`: a money-moving call whose answer never arrived (timeout, connection lost,
 *   5xx/408 after the last attempt) — ask Amazon (GET the object) before doing anything else;
 * - `fail`: Amazon's answer is final (4xx, declines, TLS and configuration problems).
 */

export type ErrorOutcome = "retry" | "unknownOutcome" | "fail";

export interface AmazonPayErrorFields {
  /** Amazon's `reasonCode`, or one of ours for failures without an answer (`NetworkError`, `Timeout`, `TlsError`, `UnexpectedResponse`). */
  reasonCode: string;
  message: string;
  outcome: ErrorOutcome;
  /** HTTP status of Amazon's answer; `undefined` when none arrived. */
  httpStatus?: number | undefined;
  /** `x-amz-pay-request-id` of Amazon's answer. */
  requestId?: string | undefined;
  /** Client operation name, e.g. `captureCharge`. */
  operation?: string | undefined;
  /** Attempts made, retries included. */
  attempts?: number | undefined;
}

export class AmazonPayError extends Error {
  override name = "AmazonPayError";
  readonly reasonCode: string;
  readonly outcome: ErrorOutcome;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  readonly operation: string | undefined;
  readonly attempts: number | undefined;

  constructor(fields: AmazonPayErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options);
    this.reasonCode = fields.reasonCode;
    this.outcome = fields.outcome;
    this.httpStatus = fields.httpStatus;
    this.requestId = fields.requestId;
    this.operation = fields.operation;
    this.attempts = fields.attempts;
  }
}

/** Amazon answered with a non-2xx status and (usually) its error body. */
export class AmazonPayApiError extends AmazonPayError {
  override name = "AmazonPayApiError";
}

/** The payment was declined (§7: declines of create charge and complete); final for this attempt. */
export class AmazonPayDeclineError extends AmazonPayApiError {
  override name = "AmazonPayDeclineError";
}

/** No answer arrived: connection refused or lost, timeout, TLS failure. */
export class AmazonPayConnectionError extends AmazonPayError {
  override name = "AmazonPayConnectionError";
}

/** The client was configured or called wrongly (bad key, bad idempotency key); nothing was sent. */
export class AmazonPayConfigurationError extends AmazonPayError {
  override name = "AmazonPayConfigurationError";
}

/** Reason codes that mean "declined" (§7). */
export const DECLINE_REASON_CODES: ReadonlySet<string> = new Set([
  "SoftDeclined",
  "HardDeclined",
  "AmazonRejected",
  "TransactionTimedOut",
  "PaymentMethodNotAllowed",
  "MFANotCompleted",
]);

/** 408, 425, 429 and 5xx are worth another attempt (§7 client retry policy). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * 429 and 425 say the request was not processed; any other retryable status may hide a
 * request that took effect.
 */
function statusProvesNothingHappened(status: number): boolean {
  return status === 429 || status === 425;
}

/** What a final (non-retried) answer with this status means for an operation. */
export function outcomeOfStatus(status: number, movesMoney: boolean): ErrorOutcome {
  if (!isRetryableStatus(status)) return "fail";
  return movesMoney && !statusProvesNothingHappened(status) ? "unknownOutcome" : "retry";
}

/** What a failure without an answer means, given whether the request may have reached Amazon. */
export function outcomeOfConnectionFailure(mayHaveBeenSent: boolean, movesMoney: boolean): ErrorOutcome {
  return movesMoney && mayHaveBeenSent ? "unknownOutcome" : "retry";
}
