/**
 * The gateway side of an answer: Data written from a response table, encrypted, and wrapped as
 * `Len=…&Data=…` — the same string serves as S2S body, redirect query and URLNotify form
 * (reference §1.7). `Custom=k1=v1|k2=v2` from the request comes back in clear after Data as
 * `&k1=v1&k2=v2` (reference §1.3).
 */

import { type DataKeys, type EncryptOptions, encryptData } from "./crypto.js";
import { responseMac } from "./mac.js";
import { type BuildValue, buildParameters } from "./parameters.js";
import type { ParameterTable, ParameterValues } from "./tables.js";

export interface AnswerOptions extends EncryptOptions {
  /**
   * The merchant's HMAC key when the answer carries the response MAC
   * `PayID*TransID*mid*Status*Code` — browser returns and notifies (reference §2.2). The MAC value
   * is computed here; the table's `MAC` row only fixes its place.
   */
  readonly hmacKey?: string;
  /** Pairs after the table's rows inside Data, e.g. the `UserData` echo. */
  readonly extra?: ReadonlyArray<readonly [string, BuildValue]>;
  /** The request's `Custom` value, echoed in clear. */
  readonly custom?: string;
}

export type AnswerValues<T extends ParameterTable> = Omit<
  { readonly [K in keyof ParameterValues<T>]: BuildValue },
  "MAC"
>;

/** Encodes an answer; returns the `Len=…&Data=…[&custom pairs]` string and the plaintext. */
export function encodeAnswer<T extends ParameterTable>(
  keys: DataKeys,
  table: T,
  values: AnswerValues<T>,
  options: AnswerOptions = {},
): { readonly body: string; readonly plaintext: string } {
  const given = values as Readonly<Record<string, BuildValue>>;
  const complete: Record<string, BuildValue> = { ...given };
  if (options.hmacKey !== undefined) {
    complete.MAC = responseMac(options.hmacKey, {
      payId: String(given.PayID ?? ""),
      transId: given.TransID === undefined ? undefined : String(given.TransID),
      mid: String(given.mid ?? ""),
      status: String(given.Status ?? ""),
      code: String(given.Code ?? ""),
    });
  } else if (table.rows.some((row) => row.key === "MAC" && row.presence === "M")) {
    throw new RangeError(`${table.id}: this answer carries a MAC; pass hmacKey`);
  }
  const plaintext = buildParameters(table, complete as never, [
    ...lowerCaseErrorText(table, given),
    ...(options.extra ?? []),
  ]);
  const sealed = (options.scheme ?? "blowfish") === "blowfish" ? withFiller(plaintext) : plaintext;
  const { data, len } = encryptData(sealed, keys, options);
  let body = new URLSearchParams({ Len: String(len), Data: data }).toString();
  if (options.custom !== undefined && options.custom !== "") body += `&${customPairs(options.custom)}`;
  return { body, plaintext: sealed };
}

/**
 * `ErrorText` once more as `errortext`: the WooCommerce plug-in's SDK reads only that spelling
 * (PHP property `$errortext`, case-sensitive; its failure page and refund error show it), while
 * FATCHIP's setters and Kasse's own readers take `ErrorText`. The seed tells shops to read keys
 * case-insensitively, so a reader that folds case sees the same value twice.
 */
function lowerCaseErrorText(
  table: ParameterTable,
  given: Readonly<Record<string, BuildValue>>,
): ReadonlyArray<readonly [string, BuildValue]> {
  const hasRow = table.rows.some((row) => row.key === "ErrorText");
  return hasRow && given.ErrorText !== undefined ? [["errortext", given.ErrorText]] : [];
}

/** The pair that closes a Blowfish answer when one is needed (see {@link withFiller}). */
export const FILLER_KEY = "Filler";

/**
 * Closes a Blowfish plaintext with `&Filler=x…` so that (1) its UTF-8 bytes fill whole 8-byte
 * blocks — no padding at all, because the plug-ins strip padding in ways that do not agree (the
 * WooCommerce SDK `rtrim`s zero bytes only, pretix `rstrip`s whitespace only and compares the MAC
 * unstripped otherwise, FATCHIP cuts at `Len`) — and (2) a reader that cuts at `Len` *bytes*
 * (Len counts characters, reference §1.4) loses only filler, never a real pair, and keeps the
 * filler's `=`. Nothing is added when the text is ASCII and already a multiple of 8 bytes. The
 * seed: receivers must accept parameters they do not know.
 */
export function withFiller(plaintext: string): string {
  const bytes = Buffer.byteLength(plaintext);
  const surplus = bytes - [...plaintext].length;
  if (surplus === 0 && bytes % BLOWFISH_BLOCK === 0) return plaintext;
  const pair = FILLER_KEY.length + 2; // "&Filler="
  let value = surplus;
  while ((bytes + pair + value) % BLOWFISH_BLOCK !== 0) value++;
  return `${plaintext}&${FILLER_KEY}=${"x".repeat(value)}`;
}

const BLOWFISH_BLOCK = 8;

/** `k1=v1|k2=v2` → `k1=v1&k2=v2`, each side form-encoded so nothing else leaks into the answer. */
function customPairs(custom: string): string {
  return custom
    .split("|")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const at = pair.indexOf("=");
      const key = at === -1 ? pair : pair.slice(0, at);
      const value = at === -1 ? "" : pair.slice(at + 1);
      return `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
    })
    .join("&");
}
