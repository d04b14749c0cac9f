/**
 * Request bodies validated against declared schemas (data, one per operation; see
 * `operations.ts`). Amazon's codes for bad input (reference §7): an unknown field is
 * `UnrecognizedField`, a missing required one `MissingParameterValue`, a wrong type, enum value,
 * length, currency or decimal count `InvalidParameterValue`. Prices come out as integer minor
 * units (`Money`); `null` in an optional field means "not given".
 */
import { decimalTextOf, isSupportedCurrency, type Money, parseDecimal } from "../../core/money.js";
import { AmazonError } from "../errors.js";
import { isStorableText } from "../input-guard.js";

export type Field =
  | { readonly type: "string"; readonly max?: number; readonly enum?: readonly string[] }
  | { readonly type: "boolean" }
  | { readonly type: "price" }
  | { readonly type: "currency" }
  /** A positive integer given as a string or a number (recurring frequency value); kept as a string. */
  | { readonly type: "count" }
  | {
      readonly type: "object";
      readonly fields: Readonly<Record<string, Field>>;
      readonly required?: readonly string[];
    }
  | { readonly type: "array"; readonly items: Field; readonly max?: number }
  | { readonly type: "map"; readonly values: Field };

export type ObjectSchema = Extract<Field, { type: "object" }>;

/**
 * The value a field validates to, read off its declaration: a body schema declared with the
 * helpers of `request-schemas.ts` gives its operation a typed body (required keys present,
 * the others optional).
 */
export type Validated<F> = Field extends F
  ? unknown // an undeclared field (the wide type): nothing to read off
  : F extends { readonly type: "string"; readonly enum: readonly (infer E)[] }
    ? E
    : F extends { readonly type: "string" | "currency" | "count" }
      ? string
      : F extends { readonly type: "boolean" }
        ? boolean
        : F extends { readonly type: "price" }
          ? Money
          : F extends { readonly type: "array"; readonly items: infer I }
            ? Validated<I>[]
            : F extends { readonly type: "map"; readonly values: infer V }
              ? Record<string, Validated<V>>
              : F extends { readonly type: "object"; readonly fields: infer Fields }
                ? ValidatedObject<Fields, F extends { readonly required: readonly (infer R)[] } ? R : never>
                : never;

type ValidatedObject<Fields, Required> = {
  readonly [K in keyof Fields as K extends Required ? K : never]: Validated<Fields[K]>;
} & {
  readonly [K in keyof Fields as K extends Required ? never : K]?: Validated<Fields[K]>;
};

function invalid(path: string, why: string): AmazonError {
  return new AmazonError("InvalidParameterValue", `The value provided for ${path} is invalid: ${why}.`);
}

function validatePrice(value: unknown, path: string): Money {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(path, "expected an object");
  const { amount, currencyCode, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    throw new AmazonError("UnrecognizedField", `${path}.${unknown} is not a recognized field.`);
  if (amount === undefined || amount === null) {
    throw new AmazonError("MissingParameterValue", `${path}.amount is required.`);
  }
  if (currencyCode === undefined || currencyCode === null) {
    throw new AmazonError("MissingParameterValue", `${path}.currencyCode is required.`);
  }
  if (typeof currencyCode !== "string" || !isSupportedCurrency(currencyCode)) {
    throw invalid(`${path}.currencyCode`, "unsupported currency");
  }
  const text = typeof amount === "string" || typeof amount === "number" ? decimalTextOf(amount) : undefined;
  if (text === undefined) throw invalid(`${path}.amount`, "expected a decimal number");
  const parsed = parseDecimal(text, currencyCode);
  if (!parsed.ok) {
    throw invalid(
      `${path}.amount`,
      parsed.error === "precision" ? `too many decimals for ${currencyCode}` : "not a decimal amount",
    );
  }
  if (parsed.minor < 0) throw invalid(`${path}.amount`, "must not be negative");
  return { minor: parsed.minor, currency: currencyCode };
}

/** Validates and converts one value against its field; throws Amazon's error for the first problem. */
export function validateField(field: Field, value: unknown, path: string): unknown {
  switch (field.type) {
    case "string": {
      if (typeof value !== "string") throw invalid(path, "expected a string");
      if (!isStorableText(value)) throw invalid(path, "a NUL byte or text that is not valid Unicode");
      if (field.max !== undefined && value.length > field.max)
        throw invalid(path, `longer than ${field.max} characters`);
      if (field.enum !== undefined && !field.enum.includes(value))
        throw invalid(path, `expected one of ${field.enum.join(", ")}`);
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") throw invalid(path, "expected true or false");
      return value;
    case "price":
      return validatePrice(value, path);
    case "currency":
      if (typeof value !== "string" || !isSupportedCurrency(value))
        throw invalid(path, "unsupported currency");
      return value;
    case "count": {
      const text = typeof value === "number" ? String(value) : value;
      if (typeof text !== "string" || !/^[1-9]\d{0,3}$/.test(text))
        throw invalid(path, "expected a positive integer");
      return text;
    }
    case "array": {
      if (!Array.isArray(value)) throw invalid(path, "expected an array");
      if (field.max !== undefined && value.length > field.max)
        throw invalid(path, `more than ${field.max} items`);
      return value.map((item, index) => validateField(field.items, item, `${path}[${index}]`));
    }
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw invalid(path, "expected an object");
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          if (!isStorableText(key))
            throw invalid(path, "a key with a NUL byte or text that is not valid Unicode");
          return [key, validateField(field.values, item, `${path}.${key}`)];
        }),
      );
    }
    case "object":
      return validateObject(field, value, path);
  }
}

function validateObject(schema: ObjectSchema, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(path || "body", "expected an object");
  const result: Record<string, unknown> = {};
  const prefix = path === "" ? "" : `${path}.`;
  for (const [key, item] of Object.entries(value)) {
    const field = schema.fields[key];
    if (field === undefined)
      throw new AmazonError("UnrecognizedField", `${prefix}${key} is not a recognized field.`);
    if (item === null) continue;
    result[key] = validateField(field, item, `${prefix}${key}`);
  }
  for (const key of schema.required ?? []) {
    if (result[key] === undefined)
      throw new AmazonError("MissingParameterValue", `${prefix}${key} is required.`);
  }
  return result;
}

/** Parses and validates a raw request body; an empty body is `{}`. */
export function parseBody<S extends ObjectSchema>(schema: S, raw: string): Validated<S> {
  let value: unknown = {};
  if (raw.trim() !== "") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new AmazonError("InvalidRequestFormat", "The request body is not valid JSON.");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AmazonError("InvalidRequestFormat", "The request body must be a JSON object.");
  }
  // validateObject checked every field against `schema`, which is what Validated<S> reads.
  return validateObject(schema, value, "") as Validated<S>;
}
