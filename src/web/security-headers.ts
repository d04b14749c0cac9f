/**
 * Security headers of every back-office, hosted-page and demo-shop answer. The
 * Content-Security-Policy allows no inline script or style anywhere: scripts and styles are files
 * from our own origin. Pages that render the Amazon Pay button also allow exactly Amazon's
 * checkout.js origins (EU, NA, JP — the same for sandbox and live, which checkout.js tells apart
 * by its `sandbox` flag) and, offline, the emulator's origin, which serves the stand-in.
 */
import type { FastifyReply } from "fastify";

/** Where Amazon serves checkout.js (Amazon Pay integration guide, "Add the Amazon Pay script"). */
export const AMAZON_CHECKOUT_ORIGINS = [
  "https://static-eu.payments-amazon.com",
  "https://static-na.payments-amazon.com",
  "https://static-fe.payments-amazon.com",
] as const;

/**
 * What checkout.js itself talks to and frames is not listed by Amazon; these are the Amazon Pay
 * domains of the three regions (docs/back-office.md: unconfirmed, widen if a browser reports a block).
 */
const AMAZON_PAY_ORIGINS = [
  "https://*.payments-amazon.com",
  "https://payments.amazon.com",
  "https://payments.amazon.de",
  "https://payments.amazon.co.uk",
  "https://payments.amazon.co.jp",
  "https://*.amazon.com",
  "https://*.amazon.de",
  "https://*.amazon.co.uk",
  "https://*.amazon.co.jp",
];

export interface PolicyOptions {
  /** The page renders the Amazon Pay button (checkout.js). */
  readonly amazonButton?: { readonly emulatorOrigin?: string | undefined };
  /** Extra form targets (the demo shop posts the buyer on to Kasse). */
  readonly formAction?: readonly string[];
}

export function contentSecurityPolicy(options: PolicyOptions = {}): string {
  const button = options.amazonButton;
  const emulator = button?.emulatorOrigin ? [button.emulatorOrigin] : [];
  const scripts = button ? ["'self'", ...AMAZON_CHECKOUT_ORIGINS, ...emulator] : ["'self'"];
  const connect = button ? ["'self'", ...AMAZON_PAY_ORIGINS, ...emulator] : ["'self'"];
  const frames = button ? [...AMAZON_PAY_ORIGINS, ...emulator] : ["'none'"];
  return [
    "default-src 'none'",
    `script-src ${scripts.join(" ")}`,
    // checkout.js styles the button it injects; scripts stay strict, inline style is allowed there only.
    `style-src 'self'${button ? " 'unsafe-inline'" : ""}`,
    `img-src 'self' data:${button ? ` ${AMAZON_PAY_ORIGINS.join(" ")}` : ""}`,
    `connect-src ${connect.join(" ")}`,
    `frame-src ${frames.join(" ")}`,
    `form-action 'self'${options.formAction?.length ? ` ${options.formAction.join(" ")}` : ""}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

export function sendPage(
  reply: FastifyReply,
  markup: string,
  options: PolicyOptions = {},
  status = 200,
): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", contentSecurityPolicy(options))
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .header("cache-control", "no-store")
    .header("x-frame-options", "DENY")
    .send(markup);
}
