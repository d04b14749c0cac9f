/**
 * Request validation for the JSON API from the TypeBox schemas (`schemas.ts`), as Fastify's
 * validator compiler: parameters and query strings are converted from text first (`"50"` → 50),
 * bodies are checked as sent. Unknown fields are refused, not dropped: a typo in a field name is
 * an error the caller sees. The first fault becomes an `invalid_request` problem naming the field.
 */
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import type { FastifySchemaCompiler } from "fastify";
import { ApiError } from "./errors.js";

/** RFC 3339 date-time with a zone, as OpenAPI's `date-time` format means. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
}

const PART_NAMES: Readonly<Record<string, string>> = {
  body: "body",
  querystring: "query",
  params: "path",
  headers: "header",
};

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const convert = httpPart !== "body";
  const part = PART_NAMES[httpPart ?? "body"] ?? "body";
  return (data: unknown) => {
    // A missing body is an empty object to the schema (every field optional → fine).
    const input = data === null || data === undefined ? {} : data;
    const value = convert ? Value.Convert(schema, input) : input;
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const field = [part, ...(first?.path ?? "").split("/").filter((step) => step !== "")].join(".");
    const message = first?.message ?? "does not match its schema";
    return { error: new ApiError("invalid_request", `${field}: ${message}`, { field }) };
  };
};
