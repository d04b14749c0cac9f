/**
 * The Content-Security-Policy of every HTML page Kasse serves: the back office and demo shop
 * (src/web) and the Paygate door's hosted payment page (src/paygate/pages/hosted-page.ts). It
 * allows no inline script anywhere: scripts and styles are files from our own origin. Pages that
 * render the Amazon Pay button also allow exactly Amazon's checkout.js origins (EU, NA, JP — the
 * same for sandbox and live, which checkout.js tells apart by its `sandbox` flag) and, offline,
 * the emulator's origin, which serves the stand-in. It sits below the doors so each can use it.
 */

/** Where Amazon serves checkout.js (Amazon Pay integration guide, "Add the Amazon Pay script"). */
export const AMAZON_CHECKOUT_ORIGINS = [
  "https://static-eu.payments-amazon.com",
  "https://static-na.payments-amazon.com",
  "https://static-fe.payments-amazon.com",
] as const;

/** checkout.js of an Amazon Pay region (`fe` serves Japan). */
export function amazonCheckoutScript(region: "eu" | "na" | "jp"): string {
  const origin = {
    eu: AMAZON_CHECKOUT_ORIGINS[0],
    na: AMAZON_CHECKOUT_ORIGINS[1],
    jp: AMAZON_CHECKOUT_ORIGINS[2],
  };
  return `${origin[region]}/checkout.js`;
}

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
