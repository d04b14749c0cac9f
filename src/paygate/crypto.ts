/**
 * The Paygate `Data` codec (reference §1.4–§1.6): the `key=value&…` plaintext encrypted with the
 * merchant's password, either Blowfish-ECB as hex (the default) or AES-CBC as `hexIV-hexCipher`
 * (per merchant, optional). A `-` in `Data` is how receivers tell the two apart.
 *
 * Blowfish: our own (./blowfish.ts), a deliberate choice. `crypto.createCipheriv("bf-ecb", …)`
 * throws "unsupported" in this Node 20 build because OpenSSL 3 keeps Blowfish in its legacy
 * provider, which Node does not load; enabling it takes `--openssl-legacy-provider` (or an OpenSSL
 * config) for the whole process — every shop importing client.ts would need it too, and some
 * OpenSSL builds lack the provider. Our Blowfish is checked against Eric Young's vectors, the
 * reference's Paygate vectors and OpenSSL's own output. Cost: about 60 µs per Data of 500 bytes,
 * key schedule included; computing the pi constants once costs about 50 ms at first use.
 * AES uses Node's built-in AES-CBC (default provider).
 */

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { blowfishEcbDecrypt, blowfishEcbEncrypt } from "./blowfish.js";
import { codePointLength } from "./format.js";

export type DataScheme = "blowfish" | "aes";

/** A merchant's encryption passwords; `aes` only when AES is enabled for the merchant. */
export interface DataKeys {
  readonly blowfish: string;
  readonly aes?: string;
}

export interface EncryptOptions {
  readonly scheme?: DataScheme;
  /**
   * Hex case of the output. Default lower case: what Computop's own published example and the PHP
   * clients (`bin2hex`) produce; every client we know accepts both (reference §1.2, §1.8).
   */
  readonly hexCase?: "lower" | "upper";
  /** Source of the 16-byte AES IV; injected so tests are reproducible. */
  readonly randomIv?: () => Uint8Array;
}

export interface EncryptedData {
  readonly data: string;
  /** Plaintext length in characters (reference §1.4, outbound rule). */
  readonly len: number;
}

export type DecryptFailure =
  /** `Data` is not (`hexIV-`)hex of whole cipher blocks. */
  | "encoding"
  /** `Data` decrypts to bytes that are no text: it was encrypted with another key. */
  | "key"
  /** AES `Data` for a merchant without an AES key, or an AES key of the wrong length. */
  | "scheme"
  /** `Len` does not describe the decrypted text. */
  | "length";

export type DecryptResult =
  | {
      readonly ok: true;
      readonly plaintext: string;
      readonly scheme: DataScheme;
      /** `latin1` when the bytes were not valid UTF-8 (reference §1.4: Paygate may work in Latin-1). */
      readonly charset: "utf-8" | "latin1";
    }
  | { readonly ok: false; readonly failure: DecryptFailure };

const BLOWFISH_BLOCK = 8;
const AES_BLOCK = 16;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** WHATWG's "latin1" is Windows-1252 (0x80 is €), the superset shops' ISO-8859-1 text fits. */
const latin1 = new TextDecoder("latin1");
const CONTROL = /\p{Cc}/u;

/**
 * Encrypts a plaintext for `Data`. Blowfish pads with zero bytes to a multiple of 8 (as Computop's
 * example and the FATCHIP, Spryker and WooCommerce clients do); AES pads PKCS#7 (reference §1.6).
 *
 * @example encryptData("MerchantID=Test&TransID=T1&Amount=100&Currency=EUR", { blowfish: "Tc5*2D_xs7B[6E?w" })
 * // { data: "43ad07f58ff6a5f9…", len: 50 }
 */
export function encryptData(plaintext: string, keys: DataKeys, options: EncryptOptions = {}): EncryptedData {
  const bytes = encoder.encode(plaintext);
  let data: string;
  if ((options.scheme ?? "blowfish") === "blowfish") {
    const padded = new Uint8Array(Math.ceil(bytes.length / BLOWFISH_BLOCK) * BLOWFISH_BLOCK);
    padded.set(bytes);
    data = hex(blowfishEcbEncrypt(encoder.encode(keys.blowfish), padded));
  } else {
    const key = aesKey(keys);
    if (key === undefined) throw new RangeError("AES needs a key of 16, 24 or 32 bytes");
    const iv = (options.randomIv ?? (() => randomBytes(AES_BLOCK)))();
    if (iv.length !== AES_BLOCK) throw new RangeError("AES IV must be 16 bytes");
    const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
    data = `${hex(iv)}-${hex(Buffer.concat([cipher.update(bytes), cipher.final()]))}`;
  }
  return { data: options.hexCase === "upper" ? data.toUpperCase() : data, len: codePointLength(plaintext) };
}

/**
 * Decrypts `Data` in either scheme and either hex case. Padding is removed by content (a valid
 * PKCS#7 tail, then trailing zero bytes), so zero-padded, PKCS#5/#7-padded and FATCHIP's
 * double-padded AES all decode. `Len` (when given) must then equal the text's byte or character
 * length, or exceed it by less than one block — the loose rule of reference §1.4, because clients
 * disagree on what they count.
 *
 * Bytes that are neither UTF-8 nor control-free Windows-1252 text are what a wrong key yields:
 * failure `key`, told apart from a `Len` that merely does not fit (failure `length`).
 */
export function decryptData(data: string, len: number | undefined, keys: DataKeys): DecryptResult {
  const dash = data.indexOf("-");
  let bytes: Uint8Array;
  let scheme: DataScheme;
  let block: number;
  if (dash === -1) {
    scheme = "blowfish";
    block = BLOWFISH_BLOCK;
    const cipher = unhex(data, BLOWFISH_BLOCK);
    if (cipher === undefined) return { ok: false, failure: "encoding" };
    bytes = blowfishEcbDecrypt(encoder.encode(keys.blowfish), cipher);
  } else {
    scheme = "aes";
    block = AES_BLOCK;
    const iv = unhex(data.slice(0, dash), AES_BLOCK);
    const cipher = unhex(data.slice(dash + 1), AES_BLOCK);
    if (iv === undefined || iv.length !== AES_BLOCK || cipher === undefined) {
      return { ok: false, failure: "encoding" };
    }
    const key = aesKey(keys);
    if (key === undefined) return { ok: false, failure: "scheme" };
    const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, iv).setAutoPadding(false);
    bytes = Buffer.concat([decipher.update(cipher), decipher.final()]);
  }
  const text = stripPadding(bytes, block);
  let plaintext: string;
  let charset: "utf-8" | "latin1" = "utf-8";
  try {
    plaintext = utf8.decode(text);
  } catch {
    plaintext = latin1.decode(text);
    charset = "latin1";
    // Windows-1252 text has no control characters; random bytes of a wrong key almost always do.
    if (CONTROL.test(plaintext)) return { ok: false, failure: "key" };
  }
  if (len !== undefined && !lengthFits(len, text.length, codePointLength(plaintext), block)) {
    return { ok: false, failure: "length" };
  }
  return { ok: true, plaintext, scheme, charset };
}

function lengthFits(len: number, byteLength: number, characterLength: number, block: number): boolean {
  if (!Number.isSafeInteger(len) || len < 0) return false;
  if (len === byteLength || len === characterLength) return true;
  return len > byteLength && len - byteLength < block;
}

function stripPadding(bytes: Uint8Array, block: number): Uint8Array {
  let end = bytes.length;
  const last = bytes[end - 1] ?? 0;
  if (last >= 1 && last <= block && last <= end && bytes.subarray(end - last, end).every((b) => b === last)) {
    end -= last;
  }
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

function aesKey(keys: DataKeys): Buffer | undefined {
  if (keys.aes === undefined) return undefined;
  const key = Buffer.from(keys.aes, "utf8");
  return key.length === 16 || key.length === 24 || key.length === 32 ? key : undefined;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function unhex(text: string, block: number): Uint8Array | undefined {
  if (text.length === 0 || (text.length / 2) % block !== 0 || !HEX.test(text)) return undefined;
  return Uint8Array.from(Buffer.from(text, "hex"));
}
