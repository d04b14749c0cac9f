/**
 * The shop side of the Paygate wire protocol, as pure functions: build a request
 * (`MerchantID`/`Len`/`Data` with the MAC inside), and read an answer (`Len=…&Data=…` body,
 * redirect query or URLNotify form) with its MAC verified. No HTTP here: the caller sends the
 * form with whatever client it likes. Kasse's own tests and demo shop use this module.
 */

import { CODES, type CodeCategory, categoryOf } from "./codes.js";
import { type DataKeys, type DataScheme, decryptData, type EncryptOptions, encryptData } from "./crypto.js";
import { macMatches, requestMac, responseMacInput } from "./mac.js";
import { type BuildValue, buildParameters, parseData, type Refusal, readParameters } from "./parameters.js";
import type { ParameterTable, ParameterValues } from "./tables.js";

/** What a shop holds for its Paygate account. */
export interface ShopCredentials {
  readonly merchantId: string;
  readonly hmacKey: string;
  readonly blowfishKey: string;
  /** Only when AES is enabled for the merchant. */
  readonly aesKey?: string;
  /** Scheme for requests; default Blowfish. */
  readonly scheme?: DataScheme;
}

export interface PaygateRequest {
  /** The three outer fields, for a GET query or a POST form. */
  readonly fields: { readonly MerchantID: string; readonly Len: string; readonly Data: string };
  /** `MerchantID=…&Len=…&Data=…`, form-encoded: the POST body or the query string. */
  readonly body: string;
  /** The plaintext inside Data (for logs in tests; contains the MAC, not the keys). */
  readonly plaintext: string;
}

/** Values for a request table; MerchantID and MAC are filled in from the credentials. */
export type RequestValues<T extends ParameterTable> = Omit<
  { readonly [K in keyof ParameterValues<T>]: BuildValue },
  "MerchantID" | "MAC"
>;

export interface BuildRequestOptions extends Pick<EncryptOptions, "randomIv" | "hexCase"> {
  /** Parameters outside the table, e.g. `["ReqId", "r1"]`, `["Response", "encrypt"]`. */
  readonly extra?: ReadonlyArray<readonly [string, BuildValue]>;
}

function keysOf(credentials: ShopCredentials): DataKeys {
  return credentials.aesKey === undefined
    ? { blowfish: credentials.blowfishKey }
    : { blowfish: credentials.blowfishKey, aes: credentials.aesKey };
}

function hasRow(table: ParameterTable, key: string): boolean {
  return table.rows.some((row) => row.key === key);
}

/**
 * Builds a request for a page: fills in MerchantID and the request MAC
 * `PayID*TransID*MerchantID*Amount*Currency` where the table has them, writes Data in the
 * table's order, encrypts it.
 *
 * @example buildRequest(shop, captureRequest, { PayID, TransID: "T1", Amount: 100, Currency: "EUR" })
 */
export function buildRequest<T extends ParameterTable>(
  credentials: ShopCredentials,
  table: T,
  values: RequestValues<T>,
  options: BuildRequestOptions = {},
): PaygateRequest {
  const given = values as Readonly<Record<string, BuildValue>>;
  const complete: Record<string, BuildValue> = { ...given };
  if (hasRow(table, "MerchantID")) complete.MerchantID = credentials.merchantId;
  if (hasRow(table, "MAC")) {
    complete.MAC = requestMac(credentials.hmacKey, {
      payId: given.PayID as string | undefined,
      transId: given.TransID as string | undefined,
      merchantId: credentials.merchantId,
      amount: given.Amount,
      currency: given.Currency as string | undefined,
    });
  }
  const plaintext = buildParameters(table, complete as never, options.extra);
  const encrypted = encryptData(plaintext, keysOf(credentials), {
    scheme: credentials.scheme ?? "blowfish",
    ...options,
  });
  const fields = { MerchantID: credentials.merchantId, Len: String(encrypted.len), Data: encrypted.data };
  return { fields, body: new URLSearchParams(fields).toString(), plaintext };
}

export type AnswerFailure =
  /** No `Len`/`Data` in the answer. */
  | "envelope"
  /** `Data` did not decrypt with the shop's keys, or `Len` did not fit. */
  | "decrypt"
  /** The answer is for another merchant (`mid`). */
  | "merchant"
  /** The MAC is missing where it is required, or wrong. */
  | "mac";

export type PaygateAnswer<T extends ParameterTable> =
  | {
      readonly ok: true;
      /** Values under the table's spelling; whatever Kasse sent, even where it breaks a format. */
      readonly values: Partial<Record<keyof ParameterValues<T>, string>>;
      /** Decrypted pairs the table does not describe (lower-cased keys), e.g. `userdata`. */
      readonly extra: ReadonlyMap<string, string>;
      /** Outer pairs besides Len and Data: the `Custom` echo (reference §1.3). */
      readonly clear: ReadonlyMap<string, string>;
      /** Where the answer breaks its table (for diagnostics; the answer is still returned). */
      readonly deviations: readonly Refusal[];
      readonly macVerified: boolean;
      readonly code: string | undefined;
      readonly category: CodeCategory | undefined;
      /** True only for `Code=00000000` — the seed's advice: nothing else counts as success. */
      readonly succeeded: boolean;
    }
  | { readonly ok: false; readonly failure: AnswerFailure };

export interface ReadAnswerOptions {
  /**
   * MAC policy. Default: required for browser returns and notifies (reference §2.2 says Paygate
   * sends it there), checked if present on S2S answers (where it does not send one).
   */
  readonly mac?: "required" | "ifPresent";
}

/**
 * Reads an answer: an S2S body `Len=…&Data=…`, a redirect's query string (or the whole URL), or a
 * URLNotify form body.
 */
export function readAnswer<T extends ParameterTable>(
  credentials: ShopCredentials,
  table: T,
  answer: string | URL | URLSearchParams,
  options: ReadAnswerOptions = {},
): PaygateAnswer<T> {
  const outer = outerPairs(answer);
  const data = outer.get("data");
  const len = outer.get("len");
  if (data === undefined || len === undefined || !/^\d+$/.test(len))
    return { ok: false, failure: "envelope" };
  const decrypted = decryptData(data, Number(len), keysOf(credentials));
  if (!decrypted.ok) return { ok: false, failure: "decrypt" };

  const parsed = parseData(decrypted.plaintext);
  const get = (key: string) => parsed.pairs.get(key.toLowerCase())?.value;
  const mid = get("mid");
  if (mid !== undefined && mid !== credentials.merchantId) return { ok: false, failure: "merchant" };

  const given = get("MAC");
  const macPolicy = options.mac ?? (table.channels.includes("response") ? "ifPresent" : "required");
  let macVerified = false;
  if (given !== undefined) {
    const input = responseMacInput({
      payId: get("PayID") ?? "",
      transId: get("TransID"),
      mid: mid ?? "",
      status: get("Status") ?? "",
      code: get("Code") ?? "",
    });
    if (!macMatches(credentials.hmacKey, given, input)) return { ok: false, failure: "mac" };
    macVerified = true;
  } else if (macPolicy === "required") {
    return { ok: false, failure: "mac" };
  }

  const values: Record<string, string> = {};
  for (const row of table.rows) {
    const value = get(row.key);
    if (value !== undefined) values[row.key] = value;
  }
  const read = readParameters(parsed, table);
  const extra = new Map<string, string>();
  const described = new Set(table.rows.map((row) => row.key.toLowerCase()));
  for (const [key, pair] of parsed.pairs) if (!described.has(key)) extra.set(key, pair.value);
  const clear = new Map(
    [...params(answer)].filter(([key]) => key.toLowerCase() !== "len" && key.toLowerCase() !== "data"),
  );
  const code = get("Code");
  return {
    ok: true,
    values: values as Partial<Record<keyof ParameterValues<T>, string>>,
    extra,
    clear,
    deviations: read.ok ? [] : read.refusals,
    macVerified,
    code,
    category: code === undefined ? undefined : categoryOf(code),
    succeeded: code === CODES.OK.code,
  };
}

function params(answer: string | URL | URLSearchParams): URLSearchParams {
  if (answer instanceof URLSearchParams) return answer;
  if (answer instanceof URL) return answer.searchParams;
  if (/^https?:\/\//i.test(answer)) return new URL(answer).searchParams;
  return new URLSearchParams(answer.startsWith("?") ? answer.slice(1) : answer);
}

function outerPairs(answer: string | URL | URLSearchParams): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const [key, value] of params(answer)) {
    const lower = key.toLowerCase();
    if (!pairs.has(lower)) pairs.set(lower, value);
  }
  return pairs;
}
