/**
 * The one registry of the JSON API's error codes (fastify `lib/errors.js` style): a stable code,
 * its HTTP status and title. Every error the API sends is an RFC 9457 problem detail
 * (`application/problem+json`) built from this table; nothing else invents codes, and none of
 * them is a Paygate code (that door has its own registry).
 *
 * `type` is `urn:kasse:problem:<code>` (docs/api.md): a stable name, not a page to fetch.
 */
import type { FastifyReply } from "fastify";

export const PROBLEM_TYPE_BASE = "urn:kasse:problem:";

export const API_ERRORS = {
  unauthorized: { status: 401, title: "Authentication required" },
  forbidden: { status: 403, title: "Not allowed for this principal" },
  origin_not_allowed: { status: 403, title: "Origin not allowed" },
  not_found: { status: 404, title: "No such resource" },
  invalid_request: { status: 400, title: "The request is invalid" },
  idempotency_key_missing: { status: 400, title: "Idempotency-Key header missing" },
  idempotency_key_reused: { status: 409, title: "Idempotency-Key used for another request" },
  idempotency_in_progress: { status: 409, title: "A request with this Idempotency-Key is still running" },
  payment_ambiguous: { status: 409, title: "PayID is known for several merchants; pass merchantId" },
  action_not_allowed: { status: 409, title: "The payment does not allow this action in its state" },
  already_captured: { status: 409, title: "The payment has already been captured" },
  amount_exceeds_authorized: { status: 409, title: "Amount exceeds the authorised amount" },
  amount_exceeds_refundable: { status: 409, title: "Amount exceeds what can still be refunded" },
  currency_mismatch: { status: 409, title: "Currency differs from the payment's currency" },
  payment_declined: { status: 402, title: "Amazon Pay declined the action" },
  amazon_refused: { status: 502, title: "Amazon Pay refused the request" },
  amazon_unavailable: { status: 503, title: "Amazon Pay is unavailable; try again later" },
  merchant_inactive: { status: 409, title: "The merchant is inactive or has no Amazon link" },
  settlement_file_invalid: { status: 422, title: "The settlement file is malformed; see reason and line" },
  nothing_to_export: { status: 404, title: "No bookings in the period to export" },
  unavailable: { status: 503, title: "This part of the gateway is not running" },
  internal_error: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { readonly status: number; readonly title: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ApiErrorCode;
  /** The request field at fault (`body.amount`, `query.cursor`, …), when one is. */
  readonly field?: string;
  readonly [extension: string]: unknown;
}

/** A typed error a route throws; the API's error handler renders it as a problem detail. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: ApiErrorCode,
    readonly detail: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${code}: ${detail}`);
  }

  get status(): number {
    return API_ERRORS[this.code].status;
  }

  toProblem(): ProblemDetails {
    return problem(this.code, this.detail, this.extensions);
  }
}

export function problem(
  code: ApiErrorCode,
  detail: string,
  extensions: Readonly<Record<string, unknown>> = {},
): ProblemDetails {
  const { status, title } = API_ERRORS[code];
  return { type: `${PROBLEM_TYPE_BASE}${code}`, title, status, detail, code, ...extensions };
}

export function sendProblem(reply: FastifyReply, body: ProblemDetails): FastifyReply {
  return reply.code(body.status).type("application/problem+json").send(body);
}
