/**
 * The format notation of the Paygate parameter tables (seed 004 §3.1.1 "Datenformate",
 * reference §4): a character class followed by a length, e.g. `ans..30` (up to 30
 * alphanumeric-or-special characters), `an32` (exactly 32), `ans..` (any length), plus the
 * keywords `bool`, `dttm` and `enum`.
 *
 * Character classes, as we read the seed's one-word definitions:
 * - `a` letters, `n` ASCII digits, `s` "special": any printable character that is neither a
 *   letter nor a digit (space included);
 * - combinations (`an`, `as`, `ns`, `ans`) allow the union.
 * Letters are Unicode letters (`\p{L}`), so German and Japanese text is alphabetic. Control
 * characters are never allowed. Lengths count Unicode code points, not bytes (reference §1.4
 * chooses characters for `Len`, we stay consistent).
 */

export type CharacterClass = "a" | "n" | "an" | "as" | "ns" | "ans";

export type Format =
  | {
      readonly kind: "text";
      readonly characters: CharacterClass;
      /** Smallest allowed length (fixed-length formats: equal to `max`). */
      readonly min: number;
      /** Largest allowed length; `undefined` for `ans..` and a bare class. */
      readonly max: number | undefined;
    }
  | { readonly kind: "bool" }
  | { readonly kind: "dttm" }
  | { readonly kind: "enum" };

/** Why a value does not fit its format; parameters.ts turns these into Paygate codes. */
export type FormatViolation = "characters" | "tooShort" | "tooLong" | "invalid";

const NOTATION = /^(ans|an|as|ns|a|n)(?:(\d+)|\.\.(\d*))?$/;

/**
 * Parses a format string of the seeds. Throws on anything else, so a typo in a table is caught
 * when the module loads, not when a shop sends the parameter.
 *
 * @example parseFormat("ans..30") // { kind: "text", characters: "ans", min: 0, max: 30 }
 */
export function parseFormat(notation: string): Format {
  if (notation === "bool" || notation === "dttm" || notation === "enum") return { kind: notation };
  const match = NOTATION.exec(notation);
  if (match === null) throw new SyntaxError(`unknown Paygate format "${notation}"`);
  const [, characters, fixed, upTo] = match as unknown as [string, CharacterClass, string?, string?];
  if (fixed !== undefined) {
    const length = Number(fixed);
    if (length === 0) throw new SyntaxError(`format "${notation}" has a fixed length of 0`);
    return { kind: "text", characters, min: length, max: length };
  }
  const max = upTo === undefined || upTo === "" ? undefined : Number(upTo);
  if (max === 0) throw new SyntaxError(`format "${notation}" allows no characters`);
  return { kind: "text", characters, min: 0, max };
}

const CLASS_PATTERNS: Readonly<Record<CharacterClass, RegExp>> = {
  a: /^\p{L}*$/u,
  n: /^[0-9]*$/,
  an: /^[\p{L}0-9]*$/u,
  as: /^[^\p{Cc}0-9]*$/u,
  ns: /^[^\p{Cc}\p{L}]*$/u,
  ans: /^\P{Cc}*$/u,
};

const DTTM = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** Checks a value against a parsed format; `undefined` means the value fits. */
export function checkFormat(format: Format, value: string): FormatViolation | undefined {
  switch (format.kind) {
    case "bool":
      return value === "true" || value === "false" ? undefined : "invalid";
    case "dttm":
      return isDateTime(value) ? undefined : "invalid";
    case "enum":
      // The allowed values live in the table row, not in the notation.
      return CLASS_PATTERNS.ans.test(value) ? undefined : "characters";
    case "text": {
      if (!CLASS_PATTERNS[format.characters].test(value)) return "characters";
      const length = codePointLength(value);
      if (format.max !== undefined && length > format.max) return "tooLong";
      if (length < format.min) return "tooShort";
      return undefined;
    }
  }
}

/** Number of Unicode code points, the unit of every length in the tables. */
export function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}

function isDateTime(value: string): boolean {
  const match = DTTM.exec(value);
  if (match === null) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
