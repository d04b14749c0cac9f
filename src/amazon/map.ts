/**
 * Amazon's decimal-string prices ↔ Kasse's integer money (reference/amazon-pay-v2.md §3, §16).
 * Exact in both directions; JPY has no decimals.
 */
import { formatDecimal, type Money, parseDecimal } from "../core/money.js";
import type { Price } from "./wire.js";

/** `{"amount":"14.00","currencyCode":"EUR"}` → `{ minor: 1400, currency: "EUR" }`; throws on a malformed or too precise amount. */
export function moneyFromPrice(price: Price): Money {
  const parsed = parseDecimal(price.amount, price.currencyCode);
  if (!parsed.ok) {
    throw new RangeError(`Amazon price ${price.amount} ${price.currencyCode}: ${parsed.error}`);
  }
  return { minor: parsed.minor, currency: price.currencyCode };
}

/** `{ minor: 1000, currency: "JPY" }` → `{"amount":"1000","currencyCode":"JPY"}`. */
export function priceFromMoney(money: Money): Price {
  return { amount: formatDecimal(money.minor, money.currency), currencyCode: money.currency };
}

/** Like `moneyFromPrice`, for the many optional prices of the wire objects. */
export function moneyFromOptionalPrice(price: Price | null | undefined): Money | undefined {
  return price ? moneyFromPrice(price) : undefined;
}
