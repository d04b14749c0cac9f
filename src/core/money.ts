/**
 * Money in Kasse is an integer count of the currency's minor unit (cents, pence, yen).
 * Decimal strings exist only at boundaries (Amazon's JSON, human input) and are converted
 * exactly, without floating point.
 */

/** ISO 4217 minor-unit exponents for the currencies Amazon Pay handles. */
const EXPONENTS: Readonly<Record<string, number>> = {
  AUD: 2,
  CHF: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  JPY: 0,
  NOK: 2,
  NZD: 2,
  SEK: 2,
  USD: 2,
  ZAR: 2,
};

export type CurrencyCode = string;

export interface Money {
  /** Integer amount in the currency's minor unit. */
  readonly minor: number;
  readonly currency: CurrencyCode;
}

export function isSupportedCurrency(code: string): boolean {
  return Object.hasOwn(EXPONENTS, code);
}

export function currencyExponent(code: CurrencyCode): number {
  const exponent = EXPONENTS[code];
  if (exponent === undefined) throw new RangeError(`unsupported currency ${code}`);
  return exponent;
}

/**
 * Formats minor units as Amazon's decimal string: `formatDecimal(1400, "EUR")` → `"14.00"`,
 * `formatDecimal(1000, "JPY")` → `"1000"`.
 */
export function formatDecimal(minor: number, currency: CurrencyCode): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount ${minor} is not an integer`);
  const exponent = currencyExponent(currency);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export type ParseDecimalError = "format" | "precision" | "range";

/**
 * Parses a decimal string (or a JSON number's text) into minor units. Trailing zeros beyond the
 * currency's exponent are accepted (`"14.000"`), any other extra precision is refused.
 */
export function parseDecimal(
  text: string,
  currency: CurrencyCode,
): { ok: true; minor: number } | { ok: false; error: ParseDecimalError } {
  const match = DECIMAL.exec(text.trim());
  if (!match) return { ok: false, error: "format" };
  const [, sign = "", whole = "", fraction = ""] = match;
  const exponent = currencyExponent(currency);
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > exponent) return { ok: false, error: "precision" };
  const minorText = whole + fraction.padEnd(exponent, "0").slice(0, exponent);
  const minor = Number(sign + minorText);
  if (!Number.isSafeInteger(minor)) return { ok: false, error: "range" };
  return { ok: true, minor: minor === 0 ? 0 : minor };
}

/** Converts a JSON number to its exact decimal text, refusing exponent notation. */
export function decimalTextOf(value: number | string): string | undefined {
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return undefined;
  const text = String(value);
  return /e/i.test(text) ? undefined : text;
}
