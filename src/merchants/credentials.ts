/**
 * Rules about a merchant's credentials that every door setting them up shares (the admin API,
 * the back office's Amazon Pay tab and key rotation): what an Amazon id may look like, how a
 * Paygate key is generated, and the IPN URL to enter in Seller Central.
 */
import type { AmazonRegion } from "./store.js";

/** Amazon ids arrive from an operator only; bounded and printable so they are safe in URLs and logs. */
export const AMAZON_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The region value of the IPN URL (`amazonAPAV2Notify.aspx?…&region=EU`, reference §1.1: only EU is confirmed). */
const IPN_REGION: Readonly<Record<AmazonRegion, string>> = { eu: "EU", na: "US", jp: "JP" };

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random Paygate key of `length` alphanumerics (also the back office's key rotation). */
export function generatedKey(length: number, random: (max: number) => number): string {
  return Array.from({ length }, () => ALPHANUMERIC[random(ALPHANUMERIC.length)]).join("");
}

/** The IPN URL Amazon (or the emulator) is given for a merchant (CONTRACT.md). */
export function ipnUrlOf(publicUrl: string, merchantId: string, region: AmazonRegion): string {
  return `${publicUrl}/amazonAPAV2Notify.aspx?mid=${encodeURIComponent(merchantId)}&region=${IPN_REGION[region]}`;
}
