/**
 * URLNotify (seed 004): https on port 443 and no query string. Merchants on the built-in
 * emulator may use plain http on any port of a loopback address (the rule for local development
 * and tests).
 */
import type { PaygateMerchant } from "./receive.js";

export function isNotifyUrl(text: string, environment: PaygateMerchant["environment"]): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.search !== "" || url.hash !== "") return false;
  if (url.protocol === "https:" && (url.port === "" || url.port === "443")) return true;
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || /^127\./.test(url.hostname);
  return environment === "emulator" && loopback && (url.protocol === "http:" || url.protocol === "https:");
}
