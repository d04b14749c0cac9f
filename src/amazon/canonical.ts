/**
 * The canonical request and string to sign of Amazon Pay v2 (reference/amazon-pay-v2.md §2.2),
 * shared by the signer (client side) and by the emulator (verifying a received request).
 *
 * The SDKs disagree on how the path and query enter the canonical request (§2.2 table), and a
 * server has to accept all of them. Two dialects are therefore implemented, both computed from
 * the request *as it arrived on the wire*:
 * - `rfc3986` (JAVA/NET, what Amazon documents): path and query percent-decoded and re-encoded
 *   per RFC 3986 (unreserved characters kept, `/` kept, runs of `/` collapsed); query pairs sorted
 *   by name, then by value, in byte order. Reproduces the JAVA test vectors of §2.3.
 * - `node` (the official NODE SDK): the SDK signs `'/' + urlFragment` and its query before
 *   WHATWG URL parsing percent-encodes them for the wire; this dialect undoes exactly that
 *   encoding. Its query is `name=encodeURIComponent(value)`, names raw, sorted by name.
 * A third candidate, the path exactly as received, covers PHP ("URL path as sent").
 * For the ASCII ids Amazon uses, and for everything Kasse's client sends, all three coincide.
 */
import { createHash } from "node:crypto";

export interface SignatureAlgorithm {
  readonly name: AlgorithmName;
  /** RSASSA-PSS salt length in bytes (§2.1). */
  readonly saltLength: number;
}

export type AlgorithmName = "AMZN-PAY-RSASSA-PSS" | "AMZN-PAY-RSASSA-PSS-V2";

/** Both algorithms of §2.1: RSASSA-PSS, SHA-256, MGF1(SHA-256), salt 20 or 32 bytes. */
export const SIGNATURE_ALGORITHMS: Readonly<Record<AlgorithmName, SignatureAlgorithm>> = {
  "AMZN-PAY-RSASSA-PSS": { name: "AMZN-PAY-RSASSA-PSS", saltLength: 20 },
  "AMZN-PAY-RSASSA-PSS-V2": { name: "AMZN-PAY-RSASSA-PSS-V2", saltLength: 32 },
};

/** The algorithm with this exact name, or `undefined`. */
export function signatureAlgorithm(name: string): SignatureAlgorithm | undefined {
  return Object.hasOwn(SIGNATURE_ALGORITHMS, name) ? SIGNATURE_ALGORITHMS[name as AlgorithmName] : undefined;
}

/** A request as it is (or will be) on the wire. */
export interface SignableRequest {
  method: string;
  /** The raw path exactly as sent, without the query, e.g. `/v2/charges/S01-1-2-C3`. */
  path: string;
  /** The raw query string without `?`; `""` when there is none. */
  query: string;
  /** Header value by lower-case name; `undefined` when absent. */
  header(name: string): string | undefined;
  /** Signed header names in the order the Authorization header lists them. */
  signedHeaders: readonly string[];
  /** The body bytes as sent; `""` when there is none. */
  body: string | Uint8Array;
}

export type CanonicalDialect = "rfc3986" | "node";

/**
 * The canonical request of §2.2:
 * `Method \n URI \n Query \n (name:value \n)* \n SignedHeaders \n hex(sha256(body))`.
 */
export function canonicalRequest(request: SignableRequest, dialect: CanonicalDialect = "rfc3986"): string {
  const uri = dialect === "node" ? nodePath(request.path) : rfc3986Path(request.path);
  const query = dialect === "node" ? nodeQuery(request.query) : rfc3986Query(request.query);
  return assemble(request, uri, query, dialect);
}

/** `AlgorithmName \n hex(sha256(text))`: for a canonical request (§2.2) and a button payload (§2.5). */
export function stringToSign(algorithm: AlgorithmName, text: string): string {
  return `${algorithm}\n${sha256Hex(text)}`;
}

/**
 * Every distinct string to sign a correct client may have signed for this received request
 * (the dialects above plus the raw path). A verifier accepts the signature if it matches any.
 */
export function candidateStringsToSign(request: SignableRequest, algorithm: AlgorithmName): string[] {
  const rfcQuery = rfc3986Query(request.query);
  const canonicals = new Set([
    assemble(request, rfc3986Path(request.path), rfcQuery, "rfc3986"),
    assemble(request, nodePath(request.path), nodeQuery(request.query), "node"),
    assemble(request, request.path === "" ? "/" : request.path, rfcQuery, "rfc3986"),
  ]);
  return [...canonicals].map((canonical) => stringToSign(algorithm, canonical));
}

function assemble(request: SignableRequest, uri: string, query: string, dialect: CanonicalDialect): string {
  let headers = "";
  for (const name of request.signedHeaders) {
    const lower = name.toLowerCase();
    const raw = request.header(lower) ?? "";
    // JAVA/NET trim and collapse inner whitespace; NODE signs the value untouched, and a wire
    // parser has already trimmed it, so NODE's inner whitespace is kept.
    const value = dialect === "node" ? raw.trim() : raw.trim().replace(/\s+/g, " ");
    headers += `${lower}:${value}\n`;
  }
  return [
    request.method.toUpperCase(),
    uri,
    query,
    `${headers}`,
    // The SignedHeaders line repeats the names as the client listed them: NODE keeps the caller's
    // spelling of header names there (only the header lines are lower-cased).
    request.signedHeaders.join(";"),
    sha256Hex(request.body),
  ].join("\n");
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

// ─── RFC 3986 dialect ────────────────────────────────────────────────────────────────────────

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Raw text → bytes, with each `%XX` taken as the byte it names (a stray `%` stays a `%`). */
function percentDecodeBytes(text: string): number[] {
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    const codePoint = text.codePointAt(i) as number;
    const whole = String.fromCodePoint(codePoint);
    for (const byte of utf8.encode(whole)) bytes.push(byte);
    i += whole.length - 1;
  }
  return bytes;
}

function rfc3986Encode(bytes: readonly number[]): string {
  let out = "";
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function rfc3986Component(raw: string): string {
  return rfc3986Encode(percentDecodeBytes(raw));
}

function rfc3986Path(rawPath: string): string {
  const encoded = rawPath.split("/").map(rfc3986Component).join("/");
  const collapsed = encoded.replace(/\/{2,}/g, "/");
  return collapsed.startsWith("/") ? collapsed : `/${collapsed}`;
}

function rfc3986Query(rawQuery: string): string {
  const pairs = splitQuery(rawQuery).map(
    ([name, value]) => [rfc3986Component(name), rfc3986Component(value)] as const,
  );
  pairs.sort(([aName, aValue], [bName, bValue]) =>
    aName === bName ? compare(aValue, bValue) : compare(aName, bName),
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

function splitQuery(rawQuery: string): [string, string][] {
  return rawQuery
    .split("&")
    .filter((piece) => piece !== "")
    .map((piece) => {
      const equals = piece.indexOf("=");
      return equals < 0 ? [piece, ""] : [piece.slice(0, equals), piece.slice(equals + 1)];
    });
}

/** Code-unit order; equal to byte order on the ASCII strings RFC 3986 encoding yields. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ─── NODE SDK dialect ────────────────────────────────────────────────────────────────────────

/**
 * Bytes the WHATWG URL parser percent-encodes in a path (C0 controls, space, `"`, `<`, `>`,
 * `` ` ``, `{`, `}`, DEL and non-ASCII; `#` and `?` cannot occur raw in a path) and, in a query
 * of a special scheme, additionally `'`. Undoing exactly these recovers what the SDK signed.
 */
function encodedByWhatwg(byte: number, inQuery: boolean): boolean {
  if (byte < 0x21 || byte > 0x7e) return true;
  if (inQuery) return byte === 0x22 || byte === 0x27 || byte === 0x3c || byte === 0x3e;
  return byte === 0x22 || byte === 0x3c || byte === 0x3e || byte === 0x60 || byte === 0x7b || byte === 0x7d;
}

function undoWhatwgEncoding(raw: string, inQuery: boolean): string {
  const decoder = new TextDecoder();
  let out = "";
  let pending: number[] = [];
  const flush = () => {
    if (pending.length > 0) out += decoder.decode(new Uint8Array(pending));
    pending = [];
  };
  for (let i = 0; i < raw.length; i++) {
    const hex = raw.slice(i + 1, i + 3);
    if (raw[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      const byte = Number.parseInt(hex, 16);
      if (encodedByWhatwg(byte, inQuery)) {
        pending.push(byte);
        i += 2;
        continue;
      }
    }
    flush();
    out += raw[i];
  }
  flush();
  return out;
}

function nodePath(rawPath: string): string {
  const path = undoWhatwgEncoding(rawPath, false);
  return path.startsWith("/") ? path : `/${path}`;
}

function nodeQuery(rawQuery: string): string {
  const pairs = splitQuery(rawQuery).map(([name, value]) => {
    let signedValue = value;
    try {
      signedValue = encodeURIComponent(decodeURIComponent(value));
    } catch {
      // Not something the SDK can have produced; keep it as sent.
    }
    return [undoWhatwgEncoding(name, true), signedValue] as const;
  });
  // `Object.keys(params).sort()`: UTF-16 code-unit order on the names; stable for equal names.
  pairs.sort(([a], [b]) => compare(a, b));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

// ─── Authorization header ────────────────────────────────────────────────────────────────────

export interface Authorization {
  algorithm: SignatureAlgorithm;
  publicKeyId: string;
  /** Names exactly as listed (NODE may keep the caller's capitalisation). */
  signedHeaders: string[];
  /** Base64 signature. */
  signature: string;
}

/** `Alg PublicKeyId=…, SignedHeaders=…, Signature=…` (§2.2). */
export function formatAuthorization(authorization: Authorization): string {
  return `${authorization.algorithm.name} PublicKeyId=${authorization.publicKeyId}, SignedHeaders=${authorization.signedHeaders.join(";")}, Signature=${authorization.signature}`;
}

const AUTHORIZATION =
  /^\s*(AMZN-PAY-RSASSA-PSS(?:-V2)?)\s+PublicKeyId=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([A-Za-z0-9+/=]+)\s*$/;

/** Parses an Authorization header; `undefined` when it is not in Amazon's form. */
export function parseAuthorization(header: string): Authorization | undefined {
  const match = AUTHORIZATION.exec(header);
  if (!match) return undefined;
  const [, name, publicKeyId, signedHeaders, signature] = match as unknown as [
    string,
    AlgorithmName,
    string,
    string,
    string,
  ];
  return {
    algorithm: SIGNATURE_ALGORITHMS[name],
    publicKeyId,
    signedHeaders: signedHeaders.split(";").filter((name) => name !== ""),
    signature,
  };
}
