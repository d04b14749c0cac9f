/**
 * Hand-written TypeScript reproductions of what the public Computop shop plug-ins send to Paygate
 * and how they read its answers — written from reading their sources (docs/paygate-plugins.md
 * names the files), not copied. Only the Blowfish block cipher itself is Kasse's; padding, Len,
 * key spelling, MAC case, the form and the split are the plug-ins'.
 *
 * - WooCommerce "Computop Payments" 1.0.2 with its bundled computop-sdk: keys as its PHP
 *   properties (`MerchantId`), values raw, `Len` = `strlen` (bytes), zero padding, lower-case
 *   hex and MAC; answers: no `Len`, `rtrim("\0")`, split on `&` then the first `=`.
 * - FATCHIP Magento 2 1.3.3: `urldecode(http_build_query(…))` (raw values), `Len` = `mb_strlen`
 *   (characters), zero padding, lower-case hex and MAC; answers: `mb_substr(plain, 0, Len)`,
 *   then `ctSplit` (`&`, then the first `=`, `$split[1]` read unguarded).
 * - pretix-computop: answers: PKCS#7 unpad, else `rstrip()` (whitespace), UTF-8 decode,
 *   `parse_qsl` (URL-decoding), MAC `rstrip()`ped and compared upper-case.
 */
import { createHmac } from "node:crypto";
import { blowfishEcbDecrypt, blowfishEcbEncrypt } from "../../src/paygate/blowfish.js";

/** One `key=value` pair in the order the plug-in writes it; `undefined` values are left out. */
export type Pairs = ReadonlyArray<readonly [string, string | number | undefined]>;

/** What a plug-in's split made of a decrypted answer, and the PHP warnings it raised on the way. */
export interface Split {
  readonly values: Readonly<Record<string, string>>;
  /** `Undefined array key 1` for every `&`-separated piece without `=`, naming the piece. */
  readonly warnings: readonly string[];
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8");

/** `key=value&…` with raw values: what both PHP plug-ins put inside Data. */
export function rawPlaintext(pairs: Pairs): string {
  return pairs
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

function zeroPaddedBlowfish(plaintext: string, key: string): string {
  const bytes = encoder.encode(plaintext);
  const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
  padded.set(bytes);
  return Buffer.from(blowfishEcbEncrypt(encoder.encode(key), padded)).toString("hex");
}

function blowfishBytes(hex: string, key: string): Uint8Array {
  return blowfishEcbDecrypt(encoder.encode(key), Uint8Array.from(Buffer.from(hex, "hex")));
}

/** PHP `hash_hmac('sha256', …)`: lower-case hex. */
function phpHmac(hmacKey: string, fields: readonly (string | number | undefined)[]): string {
  const input = fields.map((field) => (field === undefined ? "" : String(field))).join("*");
  return createHmac("sha256", hmacKey).update(input, "utf8").digest("hex");
}

/** `explode('&')`, then `explode('=', $piece, 2)`; PHP 8 warns on `$split[1]` of a piece without `=`. */
function phpSplit(plaintext: string): Split {
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  for (const piece of plaintext.split("&")) {
    const at = piece.indexOf("=");
    if (at === -1) {
      warnings.push(`Undefined array key 1 (piece "${piece}")`);
      values[piece] = "";
    } else {
      values[piece.slice(0, at)] = piece.slice(at + 1);
    }
  }
  return { values, warnings };
}

/** The WooCommerce plug-in's computop-sdk. */
export const wooCommerce = {
  /**
   * The form it POSTs (CurlClient, `http_build_query`): `MerchantID`, `Len` = `strlen` of the
   * UTF-8 plaintext, `Data` zero-padded Blowfish in lower-case hex. `pairs` must already hold the
   * MAC (see {@link wooCommerce.mac}).
   */
  form(merchantId: string, blowfishKey: string, pairs: Pairs): string {
    const plaintext = rawPlaintext(pairs);
    return new URLSearchParams({
      MerchantID: merchantId,
      Len: String(encoder.encode(plaintext).length),
      Data: zeroPaddedBlowfish(plaintext, blowfishKey),
    }).toString();
  },
  /** `EncryptionService::calculateHash`: `PayID*TransID*MerchantId*Amount*Currency`, lower case. */
  mac(
    hmacKey: string,
    fields: { payId?: string; transId: string; merchantId: string; amount: number; currency: string },
  ) {
    return phpHmac(hmacKey, [
      fields.payId,
      fields.transId,
      fields.merchantId,
      fields.amount,
      fields.currency,
    ]);
  },
  /**
   * `EncryptionService::decrypt` (no Len: `rtrim("\0")`), then `createFromResponseString`'s split —
   * the controllers' path for redirects and notifies, which trims nothing else.
   */
  read(hex: string, blowfishKey: string): Split {
    const bytes = blowfishBytes(hex, blowfishKey);
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    return phpSplit(utf8.decode(bytes.subarray(0, end)));
  },
};

/** FATCHIP's Magento 2 plug-in (the same Blowfish class is in its OXID and Shopware plug-ins). */
export const magento = {
  /** `Base::getEncryptedParameters`: `MerchantID` in clear, `Len` = `mb_strlen`, zero-padded Blowfish. */
  form(merchantId: string, blowfishKey: string, pairs: Pairs): string {
    const plaintext = rawPlaintext(pairs);
    return new URLSearchParams({
      MerchantID: merchantId,
      Len: String([...plaintext].length),
      Data: zeroPaddedBlowfish(plaintext, blowfishKey),
    }).toString();
  },
  /** `Base::getHmac`: over the parameters as set, lower case; `getParameters` appends it last. */
  mac(
    hmacKey: string,
    fields: { payId?: string; transId: string; merchantId: string; amount: number; currency: string },
  ) {
    return phpHmac(hmacKey, [
      fields.payId,
      fields.transId,
      fields.merchantId,
      fields.amount,
      fields.currency,
    ]);
  },
  /**
   * `Blowfish::ctDecrypt`: refuses a `Len` beyond the cipher bytes, cuts with
   * `mb_substr($plain, 0, $len)` (characters of the UTF-8 text), then `ctSplit`.
   */
  read(hex: string, len: string, blowfishKey: string): Split | undefined {
    const bytes = blowfishBytes(hex, blowfishKey);
    if (Number(len) > bytes.length) return undefined;
    return phpSplit([...utf8.decode(bytes)].slice(0, Number(len)).join(""));
  },
};

/** pretix-computop's `_decrypt`, `parse_data` and `check_hash`. */
export const pretix = {
  read(hex: string, blowfishKey: string): Readonly<Record<string, string>> {
    const bytes = blowfishBytes(hex.toUpperCase(), blowfishKey);
    const last = bytes[bytes.length - 1] ?? 0;
    const pkcs7 =
      last >= 1 && last <= 8 && bytes.subarray(bytes.length - last).every((byte) => byte === last);
    let text: Uint8Array;
    if (pkcs7) text = bytes.subarray(0, bytes.length - last);
    else {
      // Python's bytes.rstrip(): ASCII whitespace only — zero bytes stay.
      let end = bytes.length;
      while (end > 0 && [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d].includes(bytes[end - 1] as number)) end--;
      text = bytes.subarray(0, end);
    }
    // parse_qsl: split on & and the first =, URL-decode (+ is a space), blank values dropped.
    const values: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(new TextDecoder("utf-8", { fatal: true }).decode(text))) {
      if (value !== "") values[key] = value;
    }
    return values;
  },
  /** `check_hash`: `MAC.rstrip()` equals the upper-case HMAC over PayID*TransID*mid*Status*Code. */
  macMatches(values: Readonly<Record<string, string>>, merchantId: string, hmacKey: string): boolean {
    const mac = (values.MAC ?? "").replace(/\s+$/, "");
    const expected = phpHmac(hmacKey, [values.PayID, values.TransID, merchantId, values.Status, values.Code]);
    return values.mid === merchantId && mac === expected.toUpperCase();
  },
};
