/**
 * The OpenAPI 3.1 document of `/api/v1`, generated from the same route records (and so the same
 * schemas) that Fastify validates requests with. OpenAPI 3.1 schemas are JSON Schema 2020-12,
 * which TypeBox schemas are; TypeBox's own symbol-keyed metadata does not survive JSON.
 */
import type { TSchema } from "@sinclair/typebox";
import { API_ERRORS, PROBLEM_TYPE_BASE } from "./errors.js";
import type { ApiRoute } from "./route.js";

export const API_PREFIX = "/api/v1";

/** A plain JSON copy of a schema (drops TypeBox's symbols and `undefined`s). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

function parametersOf(route: ApiRoute): unknown[] {
  const parameters: unknown[] = [];
  const add = (schema: TSchema | undefined, where: "path" | "query" | "header") => {
    if (schema === undefined) return;
    const object = plain(schema) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = property as { description?: string };
      parameters.push({
        name,
        in: where,
        required: where === "path" || (object.required ?? []).includes(name),
        ...(description === undefined ? {} : { description }),
        schema: rest,
      });
    }
  };
  add(route.params, "path");
  add(route.query, "query");
  add(route.headers, "header");
  return parameters;
}

export function openApiDocument(routes: readonly ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operations = paths[route.path] ?? {};
    paths[route.path] = operations;
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const media =
        response.mediaType ?? (Number(status) >= 400 ? "application/problem+json" : "application/json");
      responses[status] = {
        description: response.description,
        ...(response.schema === undefined
          ? {}
          : { content: { [media]: { schema: plain(response.schema) } } }),
      };
    }
    if (!route.public) {
      responses["401"] = {
        description: "no valid credentials",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
    const parameters = parametersOf(route);
    operations[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(route.public ? { security: [] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body === undefined
        ? {}
        : {
            requestBody: { required: true, content: { "application/json": { schema: plain(route.body) } } },
          }),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Kasse JSON API",
      version,
      description:
        "Payments, notifications, subscriptions and merchants of a Kasse gateway. Amounts are integers " +
        `in minor units with their currency. Errors are RFC 9457 problem details whose \`type\` is ` +
        `\`${PROBLEM_TYPE_BASE}<code>\`; the codes: ${Object.keys(API_ERRORS).join(", ")}.`,
    },
    servers: [{ url: API_PREFIX }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "the gateway's admin token (operator) or a merchant API key (kasse_sk_…)",
        },
      },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "detail", "code"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            code: { type: "string", enum: Object.keys(API_ERRORS) },
            field: { type: "string" },
          },
        },
      },
    },
    paths,
  };
}
