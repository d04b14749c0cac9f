/**
 * Reading a decrypted Data string against the seed tables, and writing answers from them.
 *
 * Wire rules (reference §1.3): pairs joined by `&`, each split on its FIRST `=` (base64 values end
 * in `=`), keys matched case-insensitively, values taken raw (no URL-decoding), unknown keys
 * ignored (new parameters may appear at any time).
 */

import { checkFormat, type Format, type FormatViolation, parseFormat } from "./format.js";
import type { ParameterRow, ParameterTable, ParameterValues } from "./tables.js";

/** One `key=value` pair as received, under its lower-cased key. */
export interface DataPair {
  readonly key: string;
  readonly value: string;
}

export interface DataPairs {
  readonly pairs: ReadonlyMap<string, DataPair>;
  /** Keys (lower case) that occurred more than once; the first occurrence is kept. */
  readonly repeated: ReadonlySet<string>;
}

/**
 * Why a parameter was refused. `missing`/`empty` map to Paygate modules 010/015, the format
 * violations to 011–014, `notAllowed` to 016 and `repeated` to 017 (see codes.ts).
 */
export type RefusalReason = "missing" | "empty" | FormatViolation | "notAllowed" | "repeated";

export interface Refusal {
  /** The key as the seed spells it. */
  readonly key: string;
  readonly reason: RefusalReason;
  /** Coarse class: the parameter was not there, or it was there but unusable. */
  readonly kind: "missing" | "malformed";
}

export type ReadResult<T extends ParameterTable> =
  | {
      readonly ok: true;
      readonly values: ParameterValues<T>;
      /** Pairs no table row describes, under their lower-cased keys, values raw. */
      readonly extra: ReadonlyMap<string, string>;
    }
  | { readonly ok: false; readonly refusals: readonly Refusal[] };

interface CompiledRow {
  readonly row: ParameterRow;
  readonly lowerKey: string;
  readonly format: Format;
}

const compiled = new WeakMap<ParameterTable, readonly CompiledRow[]>();

/** Parses every row's format once; throws if a table holds a format outside the notation. */
export function compileTable(table: ParameterTable): readonly CompiledRow[] {
  let rows = compiled.get(table);
  if (rows === undefined) {
    rows = table.rows.map((row) => ({
      row,
      lowerKey: row.key.toLowerCase(),
      format: parseFormat(row.accept ?? row.format),
    }));
    compiled.set(table, rows);
  }
  return rows;
}

/** Splits a decrypted plaintext into pairs (first `=` separates key and value). */
export function parseData(plaintext: string): DataPairs {
  const pairs = new Map<string, DataPair>();
  const repeated = new Set<string>();
  for (const segment of plaintext.split("&")) {
    if (segment === "") continue;
    const at = segment.indexOf("=");
    const key = at === -1 ? segment : segment.slice(0, at);
    const value = at === -1 ? "" : segment.slice(at + 1);
    const lower = key.toLowerCase();
    if (pairs.has(lower)) repeated.add(lower);
    else pairs.set(lower, { key, value });
  }
  return { pairs, repeated };
}

/**
 * Validates pairs against one or more tables (e.g. the init request plus the general parameters
 * plus an APB address table). Rows are checked in table order; a key in several tables is checked
 * against the first. `C` rows are checked like `O` rows here — their conditions are prose in the
 * seeds and each page enforces its own.
 *
 * An empty value counts as absent for O/C rows (PHP clients send `refnr=` for unset fields) and
 * as a refusal (`empty`) for M rows.
 */
export function readParameters<const T extends readonly ParameterTable[]>(
  data: string | DataPairs,
  ...tables: T
): ReadResult<T[number]> {
  const { pairs, repeated } = typeof data === "string" ? parseData(data) : data;
  const refusals: Refusal[] = [];
  const values: Record<string, string> = {};
  const described = new Set<string>();
  for (const table of tables) {
    for (const { row, lowerKey, format } of compileTable(table)) {
      if (described.has(lowerKey)) continue;
      described.add(lowerKey);
      const refusal = checkRow(row, format, pairs.get(lowerKey)?.value, repeated.has(lowerKey));
      if (refusal !== undefined) refusals.push(refusal);
      else {
        const value = pairs.get(lowerKey)?.value;
        if (value !== undefined && value !== "") values[row.key] = value;
      }
    }
  }
  if (refusals.length > 0) return { ok: false, refusals };
  const extra = new Map<string, string>();
  for (const [lower, pair] of pairs) if (!described.has(lower)) extra.set(lower, pair.value);
  return { ok: true, values: values as ParameterValues<T[number]>, extra };
}

function checkRow(row: ParameterRow, format: Format, value: string | undefined, isRepeated: boolean) {
  const refuse = (reason: RefusalReason): Refusal => ({
    key: row.key,
    reason,
    kind: reason === "missing" || reason === "empty" ? "missing" : "malformed",
  });
  if (value === undefined) return row.presence === "M" ? refuse("missing") : undefined;
  if (isRepeated) return refuse("repeated");
  if (value === "") return row.presence === "M" ? refuse("empty") : undefined;
  const violation = checkFormat(format, value);
  if (violation !== undefined) return refuse(violation);
  if (row.values !== undefined && !row.values.includes(value)) return refuse("notAllowed");
  return undefined;
}

export type BuildValue = string | number | undefined;

/**
 * Writes a Data plaintext from a table: keys spelled as the seed, in the table's order, unset
 * optional ones omitted, then `extra` pairs (e.g. UserData) in the given order. A missing
 * mandatory value, or a value containing `&` (which would split the pair on the wire — escape it
 * first, e.g. `\u0026` inside JSON), is a programming error and throws.
 */
export function buildParameters<T extends ParameterTable>(
  table: T,
  values: { readonly [K in keyof ParameterValues<T>]: BuildValue },
  extra: ReadonlyArray<readonly [string, BuildValue]> = [],
): string {
  const given = values as Readonly<Record<string, BuildValue>>;
  const pairs: Array<readonly [string, BuildValue]> = [];
  for (const row of table.rows) {
    const value = given[row.key];
    if (value === undefined || value === "") {
      if (row.presence === "M")
        throw new RangeError(`${table.id}: mandatory parameter ${row.key} has no value`);
      continue;
    }
    pairs.push([row.key, value]);
  }
  pairs.push(...extra.filter(([, value]) => value !== undefined && value !== ""));
  return pairs
    .map(([key, value]) => {
      const text = String(value);
      if (text.includes("&") || key.includes("&") || key.includes("=")) {
        throw new RangeError(`${table.id}: ${key} cannot be sent inside Data (contains & or =)`);
      }
      return `${key}=${text}`;
    })
    .join("&");
}
