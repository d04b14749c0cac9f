/**
 * The fields of a back-office POST: url-encoded, or multipart (the .pem and settlement file
 * uploads), read once. A file is also kept as its bytes ({@link uploadedFile}): a settlement file
 * is stored as uploaded, byte for byte.
 */
import type { FastifyRequest } from "fastify";

type Form = Record<string, string>;

export function formBody(request: FastifyRequest): Form {
  return (request.body ?? {}) as Form;
}

/** The form fields of a POST: url-encoded, or multipart (the .pem upload). */
export async function readForm(request: FastifyRequest): Promise<Form> {
  if (request.isMultipart()) {
    const cached = multipartForms.get(request);
    if (cached) return cached;
    const form: Form = {};
    for await (const part of request.parts()) {
      if (part.type === "file") {
        const content = await part.toBuffer();
        if (content.length > 0) {
          form[part.fieldname] = content.toString("utf8");
          files.set(request, { ...files.get(request), [part.fieldname]: content });
        }
      } else if (typeof part.value === "string") {
        form[part.fieldname] = part.value;
      }
    }
    multipartForms.set(request, form);
    return form;
  }
  return formBody(request);
}

const multipartForms = new WeakMap<FastifyRequest, Form>();
const files = new WeakMap<FastifyRequest, Readonly<Record<string, Buffer>>>();

/** The bytes of an uploaded file field (after {@link readForm}), unchanged. */
export async function uploadedFile(request: FastifyRequest, field: string): Promise<Buffer | undefined> {
  await readForm(request);
  return files.get(request)?.[field];
}
