/**
 * Paygate MACs (reference §2): HMAC-SHA256 with the merchant's HMAC password over five fields
 * joined by `*`. A field the message does not have is empty, its separator stays
 * (`*T1*MID*100*EUR` for an initial payment, `PAYID*T1*MID**` without amount).
 */

import { createHmac, timingSafeEqual } from "node:crypto";

/** Fields of the request MAC: `PayID*TransID*MerchantID*Amount*Currency` (§2.1). */
export interface RequestMacFields {
  readonly payId?: string | undefined;
  readonly transId?: string | undefined;
  readonly merchantId: string;
  /** Minor units exactly as sent. */
  readonly amount?: string | number | undefined;
  readonly currency?: string | undefined;
}

/** Fields of the response/notify MAC: `PayID*TransID*mid*Status*Code` (§2.2). */
export interface ResponseMacFields {
  readonly payId: string;
  readonly transId?: string | undefined;
  readonly mid: string;
  readonly status: string;
  readonly code: string;
}

export function requestMacInput(fields: RequestMacFields): string {
  return [fields.payId, fields.transId, fields.merchantId, fields.amount, fields.currency]
    .map((field) => (field === undefined ? "" : String(field)))
    .join("*");
}

export function responseMacInput(fields: ResponseMacFields): string {
  return [fields.payId, fields.transId ?? "", fields.mid, fields.status, fields.code].join("*");
}

/**
 * HMAC-SHA256 of `input` as upper-case hex: upper case because Spryker and pretix compare the
 * response MAC exactly against upper case (§2.2); for requests either case is accepted.
 *
 * @example computeMac("4n!BmF3_?9oJ2Q*z(iD7q6[RSb5)a]A8", "*1*BNP_DEMO_AXEPTA*2000*EUR")
 * // "529C65CE765E684D42A29CA255AD99AE40B78715ABC8EE958BFDBAFD2597D30A"
 */
export function computeMac(hmacKey: string, input: string): string {
  return createHmac("sha256", hmacKey).update(input, "utf8").digest("hex").toUpperCase();
}

/** The request MAC a shop sends (§2.1). */
export function requestMac(hmacKey: string, fields: RequestMacFields): string {
  return computeMac(hmacKey, requestMacInput(fields));
}

/** The MAC Kasse puts on every browser return and notify (§2.2). */
export function responseMac(hmacKey: string, fields: ResponseMacFields): string {
  return computeMac(hmacKey, responseMacInput(fields));
}

const MAC_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * True when `given` is the MAC of one of `inputs`, compared case-insensitively and in constant
 * time. Several inputs exist where the reference leaves the MAC fields open, e.g. reverse.aspx
 * with or without TransID/Amount/Currency (§5.8).
 */
export function macMatches(hmacKey: string, given: string, ...inputs: readonly string[]): boolean {
  if (!MAC_HEX.test(given)) return false;
  const received = Buffer.from(given.toUpperCase(), "ascii");
  let matched = false;
  for (const input of inputs) {
    // No early exit: every candidate costs the same, whichever one matches.
    if (timingSafeEqual(received, Buffer.from(computeMac(hmacKey, input), "ascii"))) matched = true;
  }
  return matched;
}
