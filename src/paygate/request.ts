/**
 * The gateway side of a request, as pure steps a route calls in order:
 * 1. {@link readEnvelope}: the clear `MerchantID`, `Len`, `Data` (GET query or POST form);
 * 2. the route looks the merchant up (I/O, not here) — unknown → `MERCHANT_UNKNOWN`;
 * 3. {@link openRequest}: decrypt, read the page's tables, compare the inner MerchantID;
 * 4. {@link checkRequestMac}: the request MAC, constant-time and case-insensitive.
 * Each step answers with a registry code, so a refused request is answered with the documented
 * code and `Description` naming the parameter, before anything is stored or sent to Amazon.
 */

import { describedAs, type PaygateCode, paygateCode, refusalCode } from "./codes.js";
import { type DataKeys, type DataScheme, type DecryptFailure, decryptData } from "./crypto.js";
import { macMatches, requestMacInput } from "./mac.js";
import { type DataPairs, parseData, readParameters } from "./parameters.js";
import type { ParameterTable, ParameterValues } from "./tables.js";

export interface Envelope {
  readonly merchantId: string;
  readonly len: number;
  readonly data: string;
}

export type Step<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly code: PaygateCode };

/** Reads the outer fields, keys case-insensitive (clients send `MerchantID`, `merchantID`, …). */
export function readEnvelope(fields: URLSearchParams): Step<{ readonly envelope: Envelope }> {
  const get = (name: string) => {
    for (const [key, value] of fields) if (key.toLowerCase() === name) return value;
    return undefined;
  };
  const merchantId = get("merchantid");
  const len = get("len");
  const data = get("data");
  for (const [key, value] of [
    ["MerchantID", merchantId],
    ["Len", len],
    ["Data", data],
  ] as const) {
    if (value === undefined) return { ok: false, code: paygateCode("PARAMETER_MISSING", key) };
    if (value === "") return { ok: false, code: paygateCode("PARAMETER_VALUE_MISSING", key) };
  }
  if (!/^\d{1,7}$/.test(len as string)) return { ok: false, code: paygateCode("PARAMETER_FORMAT", "Len") };
  return { ok: true, envelope: { merchantId: merchantId as string, len: Number(len), data: data as string } };
}

export interface OpenedRequest<T extends ParameterTable> {
  readonly values: ParameterValues<T>;
  readonly extra: ReadonlyMap<string, string>;
  readonly pairs: DataPairs;
  readonly scheme: DataScheme;
}

/**
 * Decrypts Data with the merchant's keys and reads it against the page's tables. The first
 * refusal becomes the answer's code (the seed: Paygate refuses every request with a format error).
 */
export function openRequest<const T extends readonly ParameterTable[]>(
  envelope: Envelope,
  keys: DataKeys,
  ...tables: T
): Step<OpenedRequest<T[number]>> {
  const decrypted = decryptData(envelope.data, envelope.len, keys);
  if (!decrypted.ok) return { ok: false, code: decryptRefusal(decrypted.failure, envelope, keys) };
  const pairs = parseData(decrypted.plaintext);
  const read = readParameters(pairs, ...tables);
  if (!read.ok) return { ok: false, code: refusalCode(read.refusals[0] as (typeof read.refusals)[number]) };
  const inner = pairs.pairs.get("merchantid")?.value;
  if (inner !== undefined && inner !== envelope.merchantId) {
    return { ok: false, code: paygateCode("PARAMETER_INVALID", "MerchantID") };
  }
  return { ok: true, values: read.values, extra: read.extra, pairs, scheme: decrypted.scheme };
}

/**
 * The refusal of a Data that did not open, with a Description that says why: a wrong key is told
 * apart from a Len that does not fit (issue: "Len does not match" misled shops with a wrong key).
 */
function decryptRefusal(failure: DecryptFailure, envelope: Envelope, keys: DataKeys): PaygateCode {
  switch (failure) {
    case "key":
      return paygateCode("DATA_UNREADABLE");
    case "encoding":
      return describedAs(
        paygateCode("DATA_UNREADABLE"),
        "Data is not hex of whole cipher blocks (Blowfish: 8-byte blocks; AES: hexIV-hexCipher, 16-byte blocks)",
      );
    case "scheme":
      return describedAs(
        paygateCode("DATA_UNREADABLE"),
        "Data is AES (hexIV-hexCipher) but AES is not enabled for this merchant",
      );
    case "length": {
      const opened = decryptData(envelope.data, undefined, keys);
      const text = opened.ok ? opened.plaintext : "";
      return describedAs(
        paygateCode("LEN_MISMATCH"),
        `Len ${envelope.len} does not match the decrypted Data (${[...text].length} characters, ${Buffer.byteLength(text)} bytes)`,
      );
    }
  }
}

/**
 * Checks the request MAC `PayID*TransID*MerchantID*Amount*Currency` over the fields as sent.
 * Where a page's table leaves some of those fields out (reverse.aspx has no TransID/Amount/
 * Currency, reference §5.8), a MAC over only the table's fields is accepted as well.
 * `required: false` (UpdateAuthorizeAmount, RTF=R — their tables list no MAC, §2.1) checks a MAC
 * only when one is sent.
 */
export function checkRequestMac(
  hmacKey: string,
  merchantId: string,
  opened: { readonly pairs: DataPairs },
  table: ParameterTable,
  options: { readonly required: boolean },
): PaygateCode | undefined {
  const get = (key: string) => opened.pairs.pairs.get(key)?.value;
  const given = get("mac");
  if (given === undefined || given === "") {
    return options.required ? paygateCode("PARAMETER_MISSING", "MAC") : undefined;
  }
  const inTable = new Set(table.rows.map((row) => row.key.toLowerCase()));
  const field = (key: string, onlyTable: boolean) => (onlyTable && !inTable.has(key) ? undefined : get(key));
  const input = (onlyTable: boolean) =>
    requestMacInput({
      payId: field("payid", onlyTable),
      transId: field("transid", onlyTable),
      merchantId,
      amount: field("amount", onlyTable),
      currency: field("currency", onlyTable),
    });
  const candidates = [...new Set([input(false), input(true)])];
  return macMatches(hmacKey, given, ...candidates) ? undefined : paygateCode("MAC_MISMATCH");
}
