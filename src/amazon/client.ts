/**
 * A typed Amazon Pay v2 client (reference/amazon-pay-v2.md §1, §4, §7, §8, §16): one method per
 * operation, signed requests, keep-alive connections through one undici `Pool` per client,
 * timeouts, and retries with exponential backoff and full jitter that reuse the caller's
 * idempotency key on every attempt.
 */
import { createSecureContext, rootCertificates } from "node:tls";
import { Pool } from "undici";
import type { Clock } from "../core/clock.js";
import { amazonCallDuration, amazonCalls } from "../metrics.js";
import type { AlgorithmName } from "./canonical.js";
import {
  AmazonPayApiError,
  AmazonPayConfigurationError,
  AmazonPayConnectionError,
  AmazonPayDeclineError,
  type AmazonPayError,
  DECLINE_REASON_CODES,
  isRetryableStatus,
  outcomeOfConnectionFailure,
  outcomeOfStatus,
} from "./errors.js";
import { RequestSigner } from "./signer.js";
import type {
  CancelChargeRequest,
  CaptureChargeRequest,
  Charge,
  ChargePermission,
  CheckoutSession,
  CloseChargePermissionRequest,
  CompleteCheckoutSessionRequest,
  CreateChargeRequest,
  CreateCheckoutSessionRequest,
  CreateRefundRequest,
  CreateReportRequest,
  CreateReportResponse,
  CreateReportScheduleRequest,
  CreateReportScheduleResponse,
  ErrorBody,
  FinalizeCheckoutSessionRequest,
  GetReportsQuery,
  Refund,
  Report,
  ReportDocument,
  ReportList,
  ReportSchedule,
  ReportScheduleList,
  ReportType,
  SignInBuyer,
  UpdateChargePermissionRequest,
  UpdateCheckoutSessionRequest,
} from "./wire.js";

/** Region codes the SDKs accept, mapped to the API's three regions (§1). */
const REGIONS = { us: "na", na: "na", de: "eu", uk: "eu", eu: "eu", jp: "jp" } as const;
const API_HOSTS = { na: "pay-api.amazon.com", eu: "pay-api.amazon.eu", jp: "pay-api.amazon.jp" };

export type RegionCode = keyof typeof REGIONS;
export type Environment = "sandbox" | "live";

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 4 (the SDKs' 3 retries). */
  maxAttempts: number;
  /** First backoff cap; doubles per retry. Default 500 ms. */
  baseDelayMs: number;
  /** Largest wait between attempts, also for `Retry-After`. Default 8 s. */
  maxDelayMs: number;
}

export interface AmazonPayClientOptions {
  region: RegionCode;
  environment: Environment;
  /** Legacy id, or `SANDBOX-…`/`LIVE-…` (then the path has no environment segment, §1). */
  publicKeyId: string;
  /** PKCS#8 or PKCS#1 PEM; parsed once. */
  privateKey: string;
  /** Default `AMZN-PAY-RSASSA-PSS-V2` (§16). */
  algorithm?: AlgorithmName;
  /** `host:port` replacing Amazon's host, like the SDK's `overrideServiceUrl` (no scheme). */
  baseUrl?: string;
  /** Extra trusted CA certificate(s), PEM, added to Node's roots (e.g. the emulator's). */
  ca?: string | string[];
  timeouts?: { connectMs?: number; responseMs?: number; keepAliveMs?: number };
  retry?: Partial<RetryPolicy>;
  /** Parallel connections to Amazon. Default 8. */
  connections?: number;
  clock?: Clock;
  /** Uniform in [0, 1), for jitter. */
  random?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
}

export interface CallOptions {
  /** Sandbox only (§9): sent as `x-amz-pay-simulation-code`, unsigned. */
  simulationCode?: string;
  signal?: AbortSignal;
}

export interface IdempotentCallOptions extends CallOptions {
  /** ≤ 32 characters of `[A-Za-z0-9_-]` (§8), derived by the caller from the operation. */
  idempotencyKey: string;
}

export interface AmazonPayResponse<Body> {
  status: number;
  /** `x-amz-pay-request-id`. */
  requestId: string | undefined;
  body: Body;
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

interface Call {
  operation: string;
  /** It authorizes, captures, refunds or releases money: a lost answer is an unknown outcome. */
  movesMoney?: true;
  method: Method;
  path: readonly string[];
  query?: Readonly<Record<string, string | undefined>>;
  body?: unknown;
  idempotencyKey?: string | undefined;
  options?: CallOptions | undefined;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,32}$/;

/** Connection failures that prove the request never left this machine. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const defaultSleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/**
 * @example
 * const amazon = new AmazonPayClient({ region: "eu", environment: "sandbox", publicKeyId, privateKey });
 * const { body: charge } = await amazon.captureCharge(chargeId,
 *   { captureAmount: { amount: "14.00", currencyCode: "EUR" } }, { idempotencyKey: "cap-S01-1-2-C3-1" });
 * await amazon.close();
 */
export class AmazonPayClient {
  readonly #signer: RequestSigner;
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  readonly #sleep: (milliseconds: number) => Promise<void>;

  constructor(options: AmazonPayClientOptions) {
    const region = REGIONS[options.region];
    if (!region) throw configurationError(`unknown region ${options.region}`);
    if (options.baseUrl !== undefined && !/^[A-Za-z0-9.[\]:-]+$/.test(options.baseUrl)) {
      throw configurationError("baseUrl is host[:port], without scheme or path");
    }
    const host = options.baseUrl ?? API_HOSTS[region];
    this.#prefix = pathPrefix(options.publicKeyId, options.environment);
    try {
      this.#signer = new RequestSigner({
        publicKeyId: options.publicKeyId,
        privateKey: options.privateKey,
        algorithm: options.algorithm ?? "AMZN-PAY-RSASSA-PSS-V2",
        region,
        host,
        ...(options.clock ? { clock: options.clock } : {}),
      });
    } catch (cause) {
      throw configurationError("the private key is not an RSA private key in PEM", cause);
    }
    const extraCa = options.ca === undefined ? [] : [options.ca].flat();
    const timeouts = options.timeouts ?? {};
    this.#pool = new Pool(`https://${host}`, {
      connections: options.connections ?? 8,
      keepAliveTimeout: timeouts.keepAliveMs ?? 30_000,
      connectTimeout: timeouts.connectMs ?? 5_000,
      headersTimeout: timeouts.responseMs ?? 30_000,
      bodyTimeout: timeouts.responseMs ?? 30_000,
      // TLS verification stays on; an extra CA is added to, not swapped for, the public roots.
      // One context for all connections: built per connection, the roots are parsed each time.
      connect: {
        rejectUnauthorized: true,
        minVersion: "TLSv1.2",
        ...(extraCa.length > 0
          ? {
              secureContext: createSecureContext({
                ca: [...rootCertificates, ...extraCa],
                minVersion: "TLSv1.2",
              }),
            }
          : {}),
      },
    });
    this.#retry = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, ...options.retry };
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** Closes the keep-alive connections; the client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  /** Button payload signature (§2.5) for `payloadJSON`, with this client's key and algorithm. */
  signButtonPayload(payloadJSON: string): string {
    return this.#signer.signButtonPayload(payloadJSON);
  }

  // ─── Checkout Session (§4.2) ───────────────────────────────────────────────────────────────

  createCheckoutSession(body: CreateCheckoutSessionRequest, options: IdempotentCallOptions) {
    return this.#call<CheckoutSession>({
      operation: "createCheckoutSession",
      method: "POST",
      path: ["checkoutSessions"],
      body,
      idempotencyKey: options.idempotencyKey,
      options,
    });
  }

  getCheckoutSession(checkoutSessionId: string, options?: CallOptions) {
    return this.#call<CheckoutSession>({
      operation: "getCheckoutSession",
      method: "GET",
      path: ["checkoutSessions", checkoutSessionId],
      options,
    });
  }

  updateCheckoutSession(
    checkoutSessionId: string,
    body: UpdateCheckoutSessionRequest,
    options?: CallOptions,
  ) {
    return this.#call<CheckoutSession>({
      operation: "updateCheckoutSession",
      method: "PATCH",
      path: ["checkoutSessions", checkoutSessionId],
      body,
      options,
    });
  }

  /** 200, or 202 while the authorization is pending. */
  completeCheckoutSession(
    checkoutSessionId: string,
    body: CompleteCheckoutSessionRequest,
    options?: CallOptions & { idempotencyKey?: string },
  ) {
    return this.#call<CheckoutSession>({
      operation: "completeCheckoutSession",
      movesMoney: true,
      method: "POST",
      path: ["checkoutSessions", checkoutSessionId, "complete"],
      body,
      idempotencyKey: options?.idempotencyKey,
      options,
    });
  }

  finalizeCheckoutSession(
    checkoutSessionId: string,
    body: FinalizeCheckoutSessionRequest,
    options?: CallOptions & { idempotencyKey?: string },
  ) {
    return this.#call<CheckoutSession>({
      operation: "finalizeCheckoutSession",
      movesMoney: true,
      method: "POST",
      path: ["checkoutSessions", checkoutSessionId, "finalize"],
      body,
      idempotencyKey: options?.idempotencyKey,
      options,
    });
  }

  // ─── Charge Permission (§4.3) ──────────────────────────────────────────────────────────────

  getChargePermission(chargePermissionId: string, options?: CallOptions) {
    return this.#call<ChargePermission>({
      operation: "getChargePermission",
      method: "GET",
      path: ["chargePermissions", chargePermissionId],
      options,
    });
  }

  updateChargePermission(
    chargePermissionId: string,
    body: UpdateChargePermissionRequest,
    options?: CallOptions,
  ) {
    return this.#call<ChargePermission>({
      operation: "updateChargePermission",
      method: "PATCH",
      path: ["chargePermissions", chargePermissionId],
      body,
      options,
    });
  }

  closeChargePermission(
    chargePermissionId: string,
    body: CloseChargePermissionRequest,
    options?: CallOptions,
  ) {
    return this.#call<ChargePermission>({
      operation: "closeChargePermission",
      movesMoney: true,
      method: "DELETE",
      path: ["chargePermissions", chargePermissionId, "close"],
      body,
      options,
    });
  }

  // ─── Charge (§4.4) ─────────────────────────────────────────────────────────────────────────

  createCharge(body: CreateChargeRequest, options: IdempotentCallOptions) {
    return this.#call<Charge>({
      operation: "createCharge",
      movesMoney: true,
      method: "POST",
      path: ["charges"],
      body,
      idempotencyKey: options.idempotencyKey,
      options,
    });
  }

  getCharge(chargeId: string, options?: CallOptions) {
    return this.#call<Charge>({
      operation: "getCharge",
      method: "GET",
      path: ["charges", chargeId],
      options,
    });
  }

  captureCharge(chargeId: string, body: CaptureChargeRequest, options: IdempotentCallOptions) {
    return this.#call<Charge>({
      operation: "captureCharge",
      movesMoney: true,
      method: "POST",
      path: ["charges", chargeId, "capture"],
      body,
      idempotencyKey: options.idempotencyKey,
      options,
    });
  }

  cancelCharge(chargeId: string, body: CancelChargeRequest, options?: CallOptions) {
    return this.#call<Charge>({
      operation: "cancelCharge",
      movesMoney: true,
      method: "DELETE",
      path: ["charges", chargeId, "cancel"],
      body,
      options,
    });
  }

  // ─── Refund (§4.5) ─────────────────────────────────────────────────────────────────────────

  createRefund(body: CreateRefundRequest, options: IdempotentCallOptions) {
    return this.#call<Refund>({
      operation: "createRefund",
      movesMoney: true,
      method: "POST",
      path: ["refunds"],
      body,
      idempotencyKey: options.idempotencyKey,
      options,
    });
  }

  getRefund(refundId: string, options?: CallOptions) {
    return this.#call<Refund>({
      operation: "getRefund",
      method: "GET",
      path: ["refunds", refundId],
      options,
    });
  }

  // ─── Buyer (§4.6) ──────────────────────────────────────────────────────────────────────────

  getBuyer(buyerToken: string, options?: CallOptions) {
    return this.#call<SignInBuyer>({
      operation: "getBuyer",
      method: "GET",
      path: ["buyers", buyerToken],
      options,
    });
  }

  // ─── Reports (§13) ─────────────────────────────────────────────────────────────────────────

  getReports(query: GetReportsQuery = {}, options?: CallOptions) {
    return this.#call<ReportList>({
      operation: "getReports",
      method: "GET",
      path: ["reports"],
      query: {
        reportTypes: query.reportTypes?.join(","),
        processingStatuses: query.processingStatuses?.join(","),
        createdSince: query.createdSince,
        createdUntil: query.createdUntil,
        pageSize: query.pageSize === undefined ? undefined : String(query.pageSize),
        nextToken: query.nextToken,
      },
      options,
    });
  }

  getReport(reportId: string, options?: CallOptions) {
    return this.#call<Report>({
      operation: "getReport",
      method: "GET",
      path: ["reports", reportId],
      options,
    });
  }

  createReport(body: CreateReportRequest, options?: CallOptions & { idempotencyKey?: string }) {
    return this.#call<CreateReportResponse>({
      operation: "createReport",
      method: "POST",
      path: ["reports"],
      body,
      idempotencyKey: options?.idempotencyKey,
      options,
    });
  }

  getReportDocument(reportDocumentId: string, options?: CallOptions) {
    return this.#call<ReportDocument>({
      operation: "getReportDocument",
      method: "GET",
      path: ["report-documents", reportDocumentId],
      options,
    });
  }

  getReportSchedules(reportTypes?: readonly ReportType[], options?: CallOptions) {
    return this.#call<ReportScheduleList>({
      operation: "getReportSchedules",
      method: "GET",
      path: ["report-schedules"],
      query: { reportTypes: reportTypes?.join(",") },
      options,
    });
  }

  getReportSchedule(reportScheduleId: string, options?: CallOptions) {
    return this.#call<ReportSchedule>({
      operation: "getReportSchedule",
      method: "GET",
      path: ["report-schedules", reportScheduleId],
      options,
    });
  }

  createReportSchedule(
    body: CreateReportScheduleRequest,
    options?: CallOptions & { idempotencyKey?: string },
  ) {
    return this.#call<CreateReportScheduleResponse>({
      operation: "createReportSchedule",
      method: "POST",
      path: ["report-schedules"],
      body,
      idempotencyKey: options?.idempotencyKey,
      options,
    });
  }

  cancelReportSchedule(reportScheduleId: string, options?: CallOptions) {
    return this.#call<unknown>({
      operation: "cancelReportSchedule",
      method: "DELETE",
      path: ["report-schedules", reportScheduleId],
      options,
    });
  }

  // ─── transport ─────────────────────────────────────────────────────────────────────────────

  /** Every call passes here once: timed and counted by operation and outcome (src/metrics.ts). */
  async #call<Body>(call: Call): Promise<AmazonPayResponse<Body>> {
    const started = performance.now();
    let outcome = "ok";
    try {
      return await this.#send<Body>(call);
    } catch (error) {
      outcome = metricOutcome(error);
      throw error;
    } finally {
      const labels = { operation: call.operation, outcome };
      amazonCalls.inc(labels);
      amazonCallDuration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  async #send<Body>(call: Call): Promise<AmazonPayResponse<Body>> {
    if (call.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(call.idempotencyKey)) {
      throw configurationError(
        `idempotency key must be 1–32 characters of [A-Za-z0-9_-] (§8): ${JSON.stringify(call.idempotencyKey)}`,
        undefined,
        call.operation,
      );
    }
    const path = `${this.#prefix}/${call.path.map(encodeSegment).join("/")}`;
    const query = encodeQuery(call.query);
    const body = call.body === undefined ? "" : JSON.stringify(call.body);
    const signedExtra: Record<string, string> = {};
    if (call.idempotencyKey !== undefined) {
      signedExtra["x-amz-pay-idempotency-key"] = call.idempotencyKey;
    }
    const movesMoney = call.movesMoney === true;

    for (let attempt = 1; ; attempt++) {
      // Signed anew per attempt (fresh x-amz-pay-date), with the same idempotency key and body.
      const headers = this.#signer.signRequest({
        method: call.method,
        path,
        query,
        body,
        headers: signedExtra,
      });
      if (call.options?.simulationCode) {
        headers["x-amz-pay-simulation-code"] = call.options.simulationCode;
      }
      const last = attempt >= this.#retry.maxAttempts;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.#pool.request({
          method: call.method,
          path: query === "" ? path : `${path}?${query}`,
          headers,
          body: body === "" ? null : body,
          signal: call.options?.signal ?? null,
        });
        const text = await response.body.text();
        const requestId = headerValue(response.headers["x-amz-pay-request-id"]);
        const status = response.statusCode;
        if (status >= 200 && status < 300) {
          return {
            status,
            requestId,
            body: parseSuccess<Body>(text, status, requestId, call, movesMoney, attempt),
          };
        }
        const retryable = isRetryableStatus(status);
        if (!retryable || last) {
          throw apiError(text, status, requestId, call.operation, movesMoney, attempt);
        }
        retryAfterMs = retryAfterMilliseconds(headerValue(response.headers["retry-after"]));
      } catch (error) {
        if (isOurs(error)) throw error;
        const failure = connectionError(error, call.operation, movesMoney, attempt);
        if (failure.outcome === "fail" || last || call.options?.signal?.aborted) throw failure;
      }
      await this.#sleep(this.#backoff(attempt, retryAfterMs));
    }
  }

  /** Full jitter: uniform in [0, min(max, base·2^(n−1))]; `Retry-After` raises the floor. */
  #backoff(attempt: number, retryAfterMs: number | undefined): number {
    const { baseDelayMs, maxDelayMs } = this.#retry;
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const jitter = Math.floor(this.#random() * cap);
    return retryAfterMs === undefined ? jitter : Math.min(maxDelayMs, Math.max(jitter, retryAfterMs));
  }
}

/**
 * `/{sandbox|live}/v2` for legacy key ids, `/v2` for environment-specific ones. The NODE SDK
 * tests the upper-cased id for the prefixes `LIVE`/`SANDBOX` (no dash); the same test is used
 * here so both reach the same URL.
 */
function pathPrefix(publicKeyId: string, environment: Environment): string {
  const upper = publicKeyId.toUpperCase();
  const keyEnvironment = upper.startsWith("SANDBOX")
    ? "sandbox"
    : upper.startsWith("LIVE")
      ? "live"
      : undefined;
  if (keyEnvironment === undefined) return `/${environment}/v2`;
  if (keyEnvironment !== environment) {
    throw configurationError(`public key ${publicKeyId} belongs to ${keyEnvironment}, not ${environment}`);
  }
  return "/v2";
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded. */
function encodeSegment(segment: string): string {
  if (segment === "") throw configurationError("an id in the path is empty");
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Sorted by name, so the query as sent is already canonical (§2.2). */
function encodeQuery(query: Readonly<Record<string, string | undefined>> | undefined): string {
  if (!query) return "";
  return Object.entries(query)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => [encodeSegment(name), value === "" ? "" : encodeSegment(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function retryAfterMilliseconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** `declined`, `refused` (another 4xx), `unknown` (a money-moving call without an answer), `unavailable` (5xx/429/network, nothing moved), `error` (TLS, configuration). */
function metricOutcome(error: unknown): string {
  if (error instanceof AmazonPayDeclineError) return "declined";
  const outcome = (error as Partial<AmazonPayError>)?.outcome;
  if (outcome === "unknownOutcome") return "unknown";
  if (outcome === "retry") return "unavailable";
  const status = (error as Partial<AmazonPayError>)?.httpStatus;
  return status !== undefined && status >= 400 && status < 500 ? "refused" : "error";
}

function isOurs(error: unknown): error is AmazonPayError {
  return error instanceof AmazonPayApiError || error instanceof AmazonPayConfigurationError;
}

function configurationError(message: string, cause?: unknown, operation?: string) {
  return new AmazonPayConfigurationError(
    { reasonCode: "ConfigurationError", message, outcome: "fail", operation },
    { cause },
  );
}

function parseSuccess<Body>(
  text: string,
  status: number,
  requestId: string | undefined,
  call: Call,
  movesMoney: boolean,
  attempts: number,
): Body {
  if (text === "") return undefined as Body;
  try {
    return JSON.parse(text) as Body;
  } catch (cause) {
    throw new AmazonPayApiError(
      {
        reasonCode: "UnexpectedResponse",
        message: `${call.operation}: HTTP ${status} with a body that is not JSON`,
        // Amazon said yes but we cannot read what it did.
        outcome: movesMoney ? "unknownOutcome" : "fail",
        httpStatus: status,
        requestId,
        operation: call.operation,
        attempts,
      },
      { cause },
    );
  }
}

function apiError(
  text: string,
  status: number,
  requestId: string | undefined,
  operation: string,
  movesMoney: boolean,
  attempts: number,
): AmazonPayApiError {
  let parsed: Partial<ErrorBody> = {};
  try {
    parsed = JSON.parse(text) as Partial<ErrorBody>;
  } catch {
    // A proxy's HTML page or an empty body: keep the status, invent a reason code.
  }
  const reasonCode = typeof parsed.reasonCode === "string" ? parsed.reasonCode : `HTTP${status}`;
  const fields = {
    reasonCode,
    message: typeof parsed.message === "string" ? parsed.message : `${operation}: HTTP ${status}`,
    outcome: outcomeOfStatus(status, movesMoney),
    httpStatus: status,
    requestId,
    operation,
    attempts,
  };
  return DECLINE_REASON_CODES.has(reasonCode)
    ? new AmazonPayDeclineError(fields)
    : new AmazonPayApiError(fields);
}

function connectionError(
  error: unknown,
  operation: string,
  movesMoney: boolean,
  attempts: number,
): AmazonPayConnectionError {
  const code = errorCode(error);
  const tls = /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL/.test(code);
  const timeout = /TIMEOUT/.test(code);
  const aborted = code === "UND_ERR_ABORTED" || (error as Error)?.name === "AbortError";
  const outcome = tls ? "fail" : outcomeOfConnectionFailure(!NOT_SENT.has(code) || aborted, movesMoney);
  return new AmazonPayConnectionError(
    {
      reasonCode: tls ? "TlsError" : timeout ? "Timeout" : "NetworkError",
      message: `${operation}: ${(error as Error)?.message ?? String(error)}${code ? ` (${code})` : ""}`,
      outcome,
      operation,
      attempts,
    },
    { cause: error },
  );
}

function errorCode(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return "";
}
