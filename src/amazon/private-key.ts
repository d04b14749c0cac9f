/**
 * Checks an Amazon Pay private key as a merchant pastes or uploads it (the `.pem` Seller Central
 * downloads once: PKCS#8 `BEGIN PRIVATE KEY`, or PKCS#1 `BEGIN RSA PRIVATE KEY`) and says
 * precisely what is wrong: not a PEM at all, a PEM of something else (public key, certificate),
 * an encrypted key, a key that is not RSA, line breaks or spaces lost on the way (a key that
 * would parse once the whitespace is repaired), or a damaged body. Whether the key belongs to a
 * Public-Key-ID only Amazon can tell: that is the signed test call's job.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";

export type PrivateKeyProblem =
  | "empty"
  | "notPem"
  | "notPrivateKey"
  | "encrypted"
  | "notRsa"
  | "damagedWhitespace"
  | "mismatchedEnd"
  | "damaged"
  | "tooShort";

export type PrivateKeyCheck =
  | {
      readonly ok: true;
      readonly key: KeyObject;
      /** The PEM as stored: trimmed, `\n` line ends. */
      readonly pem: string;
      readonly bits: number;
    }
  | { readonly ok: false; readonly problem: PrivateKeyProblem; readonly label?: string };

/** Amazon's keys are RSA 2048; below that we refuse. */
const MIN_BITS = 2048;
/** A PEM is a few kB; anything far larger is not a key. */
const MAX_LENGTH = 16 * 1024;
const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;
const END = /-----END ([A-Z0-9 ]+)-----/;
const PRIVATE_LABELS = new Set(["PRIVATE KEY", "RSA PRIVATE KEY"]);

function parse(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

/** The PEM rebuilt from its label and base64 body, wrapped at 64 as RFC 7468 writes it. */
function rewrapped(label: string, body: string): string {
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----`;
}

export function checkPrivateKeyPem(input: string): PrivateKeyCheck {
  const text = input
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .trim();
  if (text === "") return { ok: false, problem: "empty" };
  if (text.length > MAX_LENGTH) return { ok: false, problem: "notPem" };
  const begin = BEGIN.exec(text);
  if (!begin) return { ok: false, problem: "notPem" };
  const label = begin[1] as string;
  if (label === "ENCRYPTED PRIVATE KEY") return { ok: false, problem: "encrypted", label };
  if (label === "EC PRIVATE KEY" || label === "DSA PRIVATE KEY")
    return { ok: false, problem: "notRsa", label };
  if (!PRIVATE_LABELS.has(label)) return { ok: false, problem: "notPrivateKey", label };
  const end = END.exec(text);
  if (!end || end[1] !== label || end.index < begin.index)
    return { ok: false, problem: "mismatchedEnd", label };
  const inner = text.slice(begin.index + begin[0].length, end.index);
  if (/Proc-Type:\s*4,ENCRYPTED/.test(inner)) return { ok: false, problem: "encrypted", label };
  const body = inner.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) return { ok: false, problem: "damaged", label };
  const asGiven = text.slice(begin.index, end.index + end[0].length);
  let key = parse(asGiven);
  if (!key) {
    // It parses once rebuilt: the content is whole but its line breaks were lost or mangled
    // (pasted through a one-line field, indented by an editor) — say so rather than "damaged".
    if (parse(rewrapped(label, body))) return { ok: false, problem: "damagedWhitespace", label };
    return { ok: false, problem: "damaged", label };
  }
  if (key.asymmetricKeyType !== "rsa") return { ok: false, problem: "notRsa", label };
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_BITS) return { ok: false, problem: "tooShort", label };
  key = createPrivateKey(asGiven);
  return { ok: true, key, pem: `${asGiven}\n`, bits };
}
