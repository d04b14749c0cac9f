/**
 * What every request to a Kasse server gets, whichever door it enters by (docs/RELIABILITY.md):
 * a correlation id (`x-request-id`, also in every log line of the request), security headers,
 * one access log line, request metrics, timeouts that cut slow clients, and an error handler that
 * never shows internals. Doors plug in by giving {@link installOperations} a `doorOf` and by
 * answering unexpected errors in their own format through {@link reportUnexpected} (the Paygate
 * pages answer `Status=FAILED`, JSON doors RFC 9457 problem details — the default here).
 */
import { randomUUID } from "node:crypto";
import type { ServerOptions } from "node:http";
import {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import { httpRequestDuration, httpRequests } from "../metrics.js";

export const CORRELATION_HEADER = "x-request-id";

/** Limits that cut slow or idle clients (a client sending one byte every 2 s is cut by `requestMs`). */
export interface HttpLimits {
  /** Whole request, headers and body, from the first byte. */
  readonly requestMs: number;
  /** Until the request headers are complete. */
  readonly headersMs: number;
  /** An idle keep-alive connection between requests. */
  readonly keepAliveMs: number;
  /** A socket without any traffic. */
  readonly idleMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestMs: 30_000,
  headersMs: 10_000,
  keepAliveMs: 5_000,
  idleMs: 60_000,
};

/**
 * Fastify's constructor options for the limits, request ids and logging of every Kasse server.
 * `trustProxy`: the addresses (IPs or CIDRs) of TLS-terminating proxies whose `X-Forwarded-For`
 * and `X-Forwarded-Proto` are believed; nobody's by default.
 */
export function serverOptions(
  limits: HttpLimits = DEFAULT_HTTP_LIMITS,
  trustProxy: readonly string[] = [],
): FastifyServerOptions & { readonly nodeServer: ServerOptions } {
  return {
    requestTimeout: limits.requestMs,
    keepAliveTimeout: limits.keepAliveMs,
    connectionTimeout: limits.idleMs,
    // Ids are ours: a client-chosen id could forge another request's log lines.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxy.length > 0 ? [...trustProxy] : false,
    return503OnClosing: true,
    // Node checks request and header deadlines on this interval (default 30 s).
    nodeServer: {
      headersTimeout: Math.min(limits.headersMs, limits.requestMs),
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersMs / 2)),
    },
  };
}

/**
 * Pages are same-origin only, never framed, and send no referrer: Paygate's redirects carry `Len`
 * and `Data` in the query. A door may set its own `content-security-policy` (it is kept).
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' https:",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cross-origin-opener-policy": "same-origin",
};

/** Two years, as browsers' preload lists ask; sent only on TLS (RFC 6797 §7.2). */
const HSTS = "max-age=63072000; includeSubDomains";

export interface OperationsOptions {
  /** The door a path belongs to: the label of the access log and the request metrics. */
  readonly doorOf: (path: string) => string;
}

/** What a door knows of a request for its access log line (never a secret). */
export interface AccessFacts {
  merchant?: string;
  payId?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Filled by doors (or from the clear fields) for the access log line. */
    accessFacts?: AccessFacts;
  }
}

export function installOperations(app: FastifyInstance, options: OperationsOptions): void {
  app.addHook("onRequest", async (request, reply) => {
    reply.header(CORRELATION_HEADER, request.id);
  });
  app.addHook("onSend", async (request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      if (!reply.hasHeader(name)) reply.header(name, value);
    if (request.protocol === "https") reply.header("strict-transport-security", HSTS);
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    const path = pathOf(request.url);
    const door = options.doorOf(path);
    const seconds = reply.elapsedTime / 1000;
    httpRequests.inc({ door, status: String(reply.statusCode) });
    httpRequestDuration.observe({ door }, seconds);
    const facts = { ...clearFacts(request), ...request.accessFacts };
    request.log.info(
      {
        door,
        method: request.method,
        path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ip: request.ip,
        ...(facts.merchant ? { merchant: printable(facts.merchant) } : {}),
        ...(facts.payId ? { payId: printable(facts.payId) } : {}),
      },
      "request",
    );
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = clientErrorStatus(error);
    if (status !== undefined) {
      return problem(reply, status, titleOf(status), clientMessage(error));
    }
    const id = reportUnexpected(request, error);
    return problem(reply, 500, "Internal Server Error", `unexpected error; correlation id ${id}`);
  });
  app.setNotFoundHandler((request, reply) =>
    problem(reply, 404, "Not Found", `no resource ${request.method} ${pathOf(request.url).slice(0, 200)}`),
  );
}

/** An RFC 9457 problem detail (`type` about:blank: the status says it all). */
export function problem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return reply
    .code(status)
    .type("application/problem+json")
    .send({ type: "about:blank", title, status, detail, correlationId: reply.request.id });
}

/**
 * Logs an unexpected error at `error` with the request's correlation id and returns that id, for
 * the door's answer. The error's message goes to the log only, never to the client.
 */
export function reportUnexpected(request: FastifyRequest, error: unknown): string {
  request.log.error({ err: error, correlationId: request.id, url: pathOf(request.url) }, "unexpected error");
  return request.id;
}

/**
 * The 4xx a failed request deserves, or undefined when the failure is ours. Fastify's own errors
 * (bad JSON, too large, unsupported type) carry their status; PostgreSQL refuses characters it
 * cannot store (NUL: 22021, untranslatable: 22P05) — the input was at fault, not the server.
 */
export function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) return status;
  const code = (error as { code?: unknown })?.code;
  if (code === "22021" || code === "22P05") return 400;
  return undefined;
}

function clientMessage(error: FastifyError): string {
  const code = (error as { code?: unknown }).code;
  if (code === "22021" || code === "22P05")
    return "the request holds characters that cannot be stored (e.g. NUL)";
  return error.message.slice(0, 300);
}

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
};

function titleOf(status: number): string {
  return TITLES[status] ?? "Client Error";
}

export function pathOf(url: string): string {
  const at = url.indexOf("?");
  return at === -1 ? url : url.slice(0, at);
}

/** `MerchantID`/`mid` and `PayID` as a shop or Amazon sent them in clear (query, or form body). */
function clearFacts(request: FastifyRequest): AccessFacts {
  const facts: AccessFacts = {};
  const params = (request.params ?? {}) as Record<string, unknown>;
  if (typeof params.merchantId === "string") facts.merchant = params.merchantId;
  if (typeof params.payId === "string") facts.payId = params.payId;
  const query = new URLSearchParams(
    request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "",
  );
  const body = typeof request.body === "string" && request.body.length < 65_536 ? request.body : "";
  const form = /x-www-form-urlencoded/.test(String(request.headers["content-type"] ?? ""))
    ? new URLSearchParams(body)
    : undefined;
  for (const fields of [query, form]) {
    if (fields === undefined) continue;
    for (const [key, value] of fields) {
      const lower = key.toLowerCase();
      if (lower === "merchantid" || lower === "mid") facts.merchant ??= value;
      else if (lower === "payid") facts.payId ??= value;
    }
  }
  return facts;
}

/** At most 64 printable characters: a hostile id cannot forge or flood a log line. */
function printable(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}
