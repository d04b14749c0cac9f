/**
 * Windows-1252 ("ANSI", DATEV's default encoding), exactly. Bytes 0x00–0x7F and 0xA0–0xFF are
 * the same code points as Unicode; 0x80–0x9F hold the 27 characters of the table below (five
 * bytes are undefined). Our own table instead of a dependency: it is 32 entries, and Node's own
 * converters are wrong here — `TextDecoder("windows-1252")` decodes 0x80–0x9F as C1 controls on
 * current Node 20/22, and `Buffer` "latin1" turns "€" into 0xAC (docs/accounting.md).
 */

/** Unicode code point of each byte 0x80–0x9F; `undefined` where Windows-1252 defines nothing. */
const HIGH_CONTROLS: readonly (number | undefined)[] = [
  0x20ac,
  undefined,
  0x201a,
  0x0192,
  0x201e,
  0x2026,
  0x2020,
  0x2021,
  0x02c6,
  0x2030,
  0x0160,
  0x2039,
  0x0152,
  undefined,
  0x017d,
  undefined,
  undefined,
  0x2018,
  0x2019,
  0x201c,
  0x201d,
  0x2022,
  0x2013,
  0x2014,
  0x02dc,
  0x2122,
  0x0161,
  0x203a,
  0x0153,
  undefined,
  0x017e,
  0x0178,
];

/** Characters whose Windows-1252 byte differs from their Latin-1 byte (or that have none). */
const NOT_LATIN1_SAME = /[\u0080-\u009f\u0100-\uffff]/;
/** Bytes 0x80–0x9F in a Latin-1 decoding: the ones Windows-1252 gives other characters. */
const HIGH_BYTES = /[\u0080-\u009f]/g;

const BYTE_OF = new Map<number, number>();
for (let byte = 0; byte < 256; byte += 1) {
  const code = byte >= 0x80 && byte <= 0x9f ? HIGH_CONTROLS[byte - 0x80] : byte;
  if (code !== undefined) BYTE_OF.set(code, byte);
}

/** The Unicode code point a byte stands for, or `undefined` for the five undefined bytes. */
export function cp1252CodePoint(byte: number): number | undefined {
  if (!Number.isInteger(byte) || byte < 0 || byte > 255) throw new RangeError(`not a byte: ${byte}`);
  return byte >= 0x80 && byte <= 0x9f ? HIGH_CONTROLS[byte - 0x80] : byte;
}

/** Whether every character of `text` has a Windows-1252 byte. */
export function isCp1252Encodable(text: string): boolean {
  if (!NOT_LATIN1_SAME.test(text)) return true;
  for (const char of text) if (!BYTE_OF.has(char.codePointAt(0) as number)) return false;
  return true;
}

/**
 * Makes `text` encodable: characters outside Windows-1252 become their base letter when Unicode
 * decomposes them into one ("ł" has none, "ș" → "s"), otherwise "?". Nothing is silently dropped.
 */
export function toCp1252Text(text: string): string {
  if (isCp1252Encodable(text)) return text;
  let result = "";
  for (const char of text) {
    if (BYTE_OF.has(char.codePointAt(0) as number)) {
      result += char;
      continue;
    }
    const base = char.normalize("NFKD").replace(/\p{M}/gu, "");
    result += base !== "" && isCp1252Encodable(base) ? base : "?";
  }
  return result;
}

/** Encodes text that {@link toCp1252Text} made safe; throws on anything else (a bug upstream). */
export function encodeCp1252(text: string): Buffer {
  // Fast path: where Windows-1252 and Latin-1 agree (ASCII, umlauts, ß) the bytes are Latin-1's.
  if (!NOT_LATIN1_SAME.test(text)) return Buffer.from(text, "latin1");
  const bytes = Buffer.allocUnsafe(text.length);
  let length = 0;
  for (const char of text) {
    const byte = BYTE_OF.get(char.codePointAt(0) as number);
    if (byte === undefined)
      throw new RangeError(
        `character U+${(char.codePointAt(0) as number).toString(16)} has no Windows-1252 byte`,
      );
    bytes[length] = byte;
    length += 1;
  }
  return bytes.subarray(0, length);
}

/** Decodes Windows-1252 bytes; `undefined` when an undefined byte occurs. */
export function decodeCp1252(bytes: Uint8Array): string | undefined {
  let undefinedByte = false;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("latin1")
    .replace(HIGH_BYTES, (char) => {
      const code = HIGH_CONTROLS[(char.charCodeAt(0) as number) - 0x80];
      if (code === undefined) {
        undefinedByte = true;
        return char;
      }
      return String.fromCharCode(code);
    });
  return undefinedByte ? undefined : text;
}
