/**
 * Where the buyer pages live on the emulator. The engine builds `amazonPayRedirectUrl` with
 * {@link confirmPageUrl}; everything else is reached from `checkout.js` and the pages themselves.
 */
export const BUYER_PATHS = {
  checkoutScript: "/checkout.js",
  button: "/buyer/button",
  signIn: "/buyer/signin",
  select: "/buyer/select",
  confirm: "/buyer/confirm",
  cancel: "/buyer/cancel",
  change: "/buyer/change",
  /** The SignIn button (§4.6): checkout.js posts `signInConfig` here; the page; its cancel. */
  signInButton: "/buyer/signin-button",
  signInWithAmazon: "/buyer/login",
  signInCancel: "/buyer/login/cancel",
} as const;

/** `path?name=value&…`, values URL-encoded. */
export function pagePath(path: string, query: Readonly<Record<string, string>>): string {
  return `${path}?${new URLSearchParams(query).toString()}`;
}

/**
 * The page behind `webCheckoutDetails.amazonPayRedirectUrl` (reference §11.1 step 4).
 *
 * @example confirmPageUrl("https://127.0.0.1:8444", id) // https://127.0.0.1:8444/buyer/confirm?amazonCheckoutSessionId=…
 */
export function confirmPageUrl(emulatorBaseUrl: string, checkoutSessionId: string): string {
  return new URL(
    pagePath(BUYER_PATHS.confirm, { amazonCheckoutSessionId: checkoutSessionId }),
    emulatorBaseUrl,
  ).toString();
}
