/**
 * The Paygate pages on the gateway's HTTP app (reference §1.1, §1.2, §1.7):
 * - page names (`/amazonAPA.aspx`, `/Capture.aspx`, …) are matched case-insensitively, as the
 *   real platform does; one parametric route `/:page` looks the lower-cased name up, so static
 *   routes of other parts (`/health`) keep precedence and unknown names fall through to 404;
 * - fields come from the GET query or a POST form body (`application/x-www-form-urlencoded`),
 *   query and form merged, form last;
 * - a page answers either S2S (`Len=…&Data=…` as the body) or with a redirect of the buyer's
 *   browser whose query carries `Len` and `Data`;
 * - a buyer's browser sent to a page by the shop (a navigation, see {@link isBrowserNavigation}) is
 *   told apart from a shop's server call, so `amazonAPA.aspx` can show the hosted payment page
 *   there while a server call keeps its answer byte for byte.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { clientErrorStatus, reportUnexpected } from "../http/operations.js";
import { paygateCode } from "./codes.js";

export type PageOutcome =
  /** A server-to-server answer: the body `Len=…&Data=…[&custom pairs]`, always HTTP 200. */
  | {
      readonly kind: "answer";
      readonly body: string;
      readonly status?: number;
      /** Why the request was refused, in clear, for a page that shows it to a browser. */
      readonly refused?: { readonly code: string; readonly description: string };
    }
  /** The buyer's browser goes on to `location` (302). */
  | { readonly kind: "redirect"; readonly location: string }
  /** An HTML page for the buyer's browser (the hosted payment page), with its own policy. */
  | {
      readonly kind: "page";
      readonly html: string;
      readonly contentSecurityPolicy: string;
      readonly status?: number;
    };

/** What a page knows of the request beyond its fields. */
export interface PageRequest {
  /** The buyer's browser navigating here (not a shop's server call). */
  readonly browser: boolean;
  readonly acceptLanguage: string | undefined;
}

/** A static file a page refers to (the hosted page's script and stylesheet). */
export interface PageAsset {
  /** Absolute path, versioned by content (served as immutable). */
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
}

export interface PaygatePage {
  /** Path segment as the documents spell it, e.g. `capture.aspx`. */
  readonly name: string;
  /**
   * The body is not a form: it is handed over as text and only the query becomes `fields`
   * (Amazon's IPN intake, whose body is SNS JSON sent as `text/plain`).
   */
  readonly rawBody?: boolean;
  handle(fields: URLSearchParams, body?: string, request?: PageRequest): Promise<PageOutcome>;
}

const FORM = "application/x-www-form-urlencoded";
const BODY_LIMIT = 256 * 1024;

/** Registers the pages; call once per app (the form parser is scoped to this plugin). */
export function registerPaygateRoutes(
  app: FastifyInstance,
  pages: readonly PaygatePage[],
  assets: readonly PageAsset[] = [],
): void {
  const byName = new Map(pages.map((page) => [page.name.toLowerCase(), page]));
  if (byName.size !== pages.length) throw new RangeError("two Paygate pages share a name");
  app.register(async (scope) => {
    // Every body is read as text, whatever its type: only a form becomes fields, and the IPN
    // intake gets SNS JSON as sent (a parsed and re-serialised body could overflow the stack).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "string", bodyLimit: BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((error, request, reply) => {
      const status = clientErrorStatus(error);
      if (status !== undefined) return sendClientError(reply, status);
      reportUnexpected(request, error);
      return send(reply, internalError(byName.get(pageName(request))));
    });
    for (const asset of assets) {
      scope.get(asset.path, async (_request, reply) =>
        reply
          .header("content-type", asset.type)
          .header("cache-control", "public, max-age=31536000, immutable")
          .send(asset.body),
      );
    }
    scope.route<{ Params: { page: string } }>({
      method: ["GET", "POST"],
      url: "/:page",
      handler: async (request, reply) => {
        const page = byName.get(request.params.page.toLowerCase());
        if (page === undefined) return reply.callNotFound();
        const fields = new URLSearchParams(queryOf(request.raw.url ?? ""));
        const text = typeof request.body === "string" ? request.body : "";
        if (page.rawBody) return send(reply, await page.handle(fields, text));
        if (isForm(request.headers["content-type"])) {
          for (const [key, value] of new URLSearchParams(text)) fields.append(key, value);
        }
        const about: PageRequest = {
          browser: isBrowserNavigation(request.headers),
          acceptLanguage: request.headers["accept-language"],
        };
        return send(reply, await page.handle(fields, undefined, about));
      },
    });
  });
}

/**
 * An unexpected failure (database down, a secret that does not open) answered in the protocol:
 * clear text `Status=FAILED` with the internal-error code (no keys may be at hand to encrypt it),
 * the correlation id in the `x-request-id` header and the error in the log. The IPN intake
 * answers 503 instead, so Amazon delivers the IPN again.
 */
function internalError(page: PaygatePage | undefined): PageOutcome {
  if (page?.rawBody) return { kind: "answer", status: 503, body: "temporarily unavailable; retry later" };
  const code = paygateCode("INTERNAL_ERROR");
  const body = new URLSearchParams({ Status: "FAILED", Code: code.code, Description: code.description });
  return { kind: "answer", body: body.toString() };
}

/** A request the HTTP layer refused (too large, malformed): its 4xx status, plain text. */
function sendClientError(reply: FastifyReply, status: number): FastifyReply {
  return reply.code(status).type("text/plain; charset=utf-8").send(`HTTP ${status}`);
}

function pageName(request: FastifyRequest): string {
  return String((request.params as { page?: unknown } | undefined)?.page ?? "").toLowerCase();
}

/**
 * Whether a request is a buyer's browser navigating to the page rather than a shop's server: a
 * browser says so with `Sec-Fetch-Dest: document` (every current browser sends Fetch Metadata);
 * one without any `Sec-Fetch-*` header (older Safari) is believed when it asks for HTML. Server
 * libraries (PHP's curl and streams, undici, Python's requests) send no Fetch Metadata and no
 * `text/html` Accept, so their calls keep the S2S answer. A script's fetch (`empty`) or a frame
 * (`iframe`) is not a navigation of the top document: the hosted page is not framed (its policy
 * has `frame-ancestors 'none'`, docs/paygate-flows.md).
 */
export function isBrowserNavigation(headers: IncomingHttpHeaders): boolean {
  const dest = headers["sec-fetch-dest"];
  if (dest !== undefined) return String(dest).toLowerCase() === "document";
  if (Object.keys(headers).some((name) => name.toLowerCase().startsWith("sec-fetch-"))) return false;
  const accept = headers.accept;
  return typeof accept === "string" && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === FORM;
}

function send(reply: FastifyReply, outcome: PageOutcome): FastifyReply {
  reply.header("cache-control", "no-store");
  if (outcome.kind === "redirect") return reply.redirect(outcome.location, 302);
  if (outcome.kind === "page") {
    return reply
      .code(outcome.status ?? 200)
      .header("content-security-policy", outcome.contentSecurityPolicy)
      .header("referrer-policy", "no-referrer")
      .type("text/html; charset=utf-8")
      .send(outcome.html);
  }
  return reply
    .code(outcome.status ?? 200)
    .type("text/plain; charset=utf-8")
    .send(outcome.body);
}

function queryOf(url: string): string {
  const at = url.indexOf("?");
  return at === -1 ? "" : url.slice(at + 1);
}

/**
 * `base` with `query` (`Len=…&Data=…`) appended, keeping a query the URL already has (WooCommerce
 * on default permalinks: `https://shop/?wc-api=computop_success`) and a fragment after it.
 */
export function redirectTo(base: string, query: string): string {
  const hash = base.indexOf("#");
  const url = hash === -1 ? base : base.slice(0, hash);
  const fragment = hash === -1 ? "" : base.slice(hash);
  const separator = !url.includes("?") ? "?" : url.endsWith("?") || url.endsWith("&") ? "" : "&";
  return `${url}${separator}${query}${fragment}`;
}
