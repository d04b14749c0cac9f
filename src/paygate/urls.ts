/**
 * The rules for the URLs a shop hands over (URLSuccess, URLFailure, URLCancel, ShopUrl, URLNotify),
 * with the broken rule in words for the refusal's Description.
 *
 * Browser targets: an absolute http(s) URL. URLNotify (seed 004): https on port 443; merchants on
 * the built-in emulator may use plain http on any port of a loopback address (local development
 * and tests). A query string is accepted everywhere and the URL is used exactly as given: the
 * seed forbids one on URLNotify, but WooCommerce on WordPress' default permalinks sends
 * `https://shop/?wc-api=computop_notify` and Computop's Paygate takes it (docs/paygate-plugins.md).
 * A fragment never reaches a server, so URLNotify must have none.
 */
import { describedAs, type PaygateCode, paygateCode } from "./codes.js";

export type MerchantEnvironment = "emulator" | "sandbox" | "live";

/** Which rule `text` breaks as the URL `key`; `undefined` when it is fine. */
export function urlProblem(key: string, text: string, environment: MerchantEnvironment): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `scheme ${url.protocol} is not http or https`;
  if (key.toLowerCase() !== "urlnotify") return undefined;
  if (url.hash !== "") return "a fragment (#…) never reaches the shop's server";
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || /^127\./.test(url.hostname);
  if (environment === "emulator" && loopback) return undefined;
  if (url.protocol !== "https:") return "URLNotify must use https";
  if (url.port !== "" && url.port !== "443") return `URLNotify must use port 443, not ${url.port}`;
  return undefined;
}

/** `PARAMETER_INVALID` for `key` with the broken rule in Description, or `undefined`. */
export function urlRefusal(
  key: string,
  text: string | undefined,
  environment: MerchantEnvironment,
): PaygateCode | undefined {
  if (text === undefined) return undefined;
  const problem = urlProblem(key, text, environment);
  if (problem === undefined) return undefined;
  const code = paygateCode("PARAMETER_INVALID", key);
  return describedAs(code, `${code.description}: ${problem}`);
}
