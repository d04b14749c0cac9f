/**
 * What every emulator request must be before any route sees it (issue 12): a URL and a body
 * whose text can be stored (no NUL byte, which PostgreSQL cannot keep in text, no lone UTF-16
 * surrogate, valid percent-encoding), a body nested no deeper than any Amazon or admin body
 * needs. Anything else, and every other client error of the HTTP layer (malformed JSON, a body
 * over its limit), is answered 400 in Amazon's error shape `{"reasonCode","message"}`; nothing
 * unexpected leaves as a bare 500 with internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AmazonError } from "./errors.js";

/** Deeper than any body the emulator takes (admin faults: body → failures → item → field). */
export const MAXIMUM_BODY_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text PostgreSQL can store and JSON can carry: no NUL, no lone surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && !LONE_SURROGATE.test(text);
}

function refuse(what: string): AmazonError {
  return new AmazonError(
    "InvalidParameterValue",
    `${what} holds a NUL byte or text that is not valid Unicode.`,
  );
}

function checkUrl(rawUrl: string): void {
  if (/%00/i.test(rawUrl) || !isStorableText(rawUrl)) throw refuse("The request URL");
  try {
    for (const part of rawUrl.split(/[?&=]/)) decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    throw new AmazonError("InvalidRequestFormat", "The request URL is not valid percent-encoded UTF-8.");
  }
}

/** Walks a parsed body without recursion: every key and string storable, depth bounded. */
function checkBody(body: unknown): void {
  if (typeof body === "string") {
    if (!isStorableText(body)) throw refuse("The request body");
    return;
  }
  const pending: Array<{ value: unknown; depth: number }> = [{ value: body, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === "string") {
      if (!isStorableText(value)) throw refuse("A value of the request body");
    } else if (typeof value === "object" && value !== null) {
      if (depth >= MAXIMUM_BODY_DEPTH) {
        throw new AmazonError(
          "InvalidRequestFormat",
          `The request body is nested deeper than ${MAXIMUM_BODY_DEPTH}.`,
        );
      }
      for (const [key, item] of Object.entries(value)) {
        if (!isStorableText(key)) throw refuse("A key of the request body");
        pending.push({ value: item, depth: depth + 1 });
      }
    }
  }
}

function sendAmazonError(reply: FastifyReply, error: AmazonError): FastifyReply {
  return reply.code(error.status).type("application/json").send(error.toBody());
}

/** The HTTP layer's own client errors (fastify's `FST_ERR_CTP_*`, JSON syntax) as Amazon's 400. */
function clientError(error: FastifyError): AmazonError | undefined {
  const status = error.statusCode ?? 500;
  if (status >= 500) return undefined;
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new AmazonError("InvalidRequestFormat", "The request body is too large.", 400);
  }
  return new AmazonError("InvalidRequestFormat", error.message, status);
}

/** Registers the checks and the error handler on the emulator's root instance (before the routes). */
export function guardInput(app: FastifyInstance): void {
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      checkUrl(request.raw.url ?? "/");
    } catch (error) {
      return sendAmazonError(reply, error as AmazonError);
    }
  });
  app.addHook("preValidation", async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      checkBody(request.body);
    } catch (error) {
      return sendAmazonError(reply, error as AmazonError);
    }
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AmazonError) return sendAmazonError(reply, error);
    const client = clientError(error);
    if (client !== undefined) return sendAmazonError(reply, client);
    request.log.error({ err: error }, "emulator request failed");
    return reply
      .code(500)
      .type("application/json")
      .send({ reasonCode: "InternalServerError", message: "Internal error." });
  });
}
