/**
 * The steps every Paygate page runs before it does anything (request.ts, in order): outer fields,
 * merchant, decrypt and read against the page's tables, MAC. A refusal at any step becomes the
 * page's answer at once — nothing is stored, nothing is sent to Amazon.
 *
 * Refusals are answered with the refusal table (Status=FAILED, Code, Description naming the
 * parameter), encrypted with the merchant's keys in the scheme of the request. When no merchant
 * can be found for `MerchantID` there are no keys, so that answer is clear text
 * (`Status=FAILED&Code=20160001&Description=…`, like Paygate's unencrypted answers, §1.7).
 */

import { type AnswerValues, encodeAnswer } from "../answer.js";
import { type PaygateCode, paygateCode, refusalCode } from "../codes.js";
import { type DataKeys, type DataScheme, decryptData } from "../crypto.js";
import { type BuildValue, type DataPairs, parseData, type Refusal, readParameters } from "../parameters.js";
import { checkRequestMac, openRequest, readEnvelope } from "../request.js";
import type { PageOutcome } from "../routes.js";
import { generalRequest, type ParameterTable, type ParameterValues, refusalAnswer } from "../tables.js";

/** What the pages need to know of a merchant. */
export interface PaygateMerchant {
  readonly merchantId: string;
  readonly hmacKey: string;
  readonly blowfishKey: string;
  readonly aesKey?: string | undefined;
  /** Where the merchant's Amazon Pay account lives; emulator merchants get loopback notifies. */
  readonly environment: "emulator" | "sandbox" | "live";
}

export type FindMerchant = (merchantId: string) => Promise<PaygateMerchant | undefined>;

/** A request that passed every check, with what the answer needs to echo. */
export interface Received<T extends ParameterTable> {
  readonly merchant: PaygateMerchant;
  readonly values: ParameterValues<T>;
  readonly pairs: DataPairs;
  /** Answers go back in the request's scheme (reference §1.6, choice: AES answered in AES). */
  readonly scheme: DataScheme;
  readonly custom: string | undefined;
  readonly userData: string | undefined;
  readonly reqId: string | undefined;
}

export type ReceiveResult<T extends ParameterTable> =
  | ({ readonly ok: true } & Received<T>)
  | { readonly ok: false; readonly outcome: PageOutcome };

export interface MacRule {
  /** The table whose fields the MAC covers (reverse.aspx: only PayID and MerchantID). */
  readonly table: ParameterTable;
  /** False where the seed's table lists no MAC: checked only when sent (reference §2.1). */
  readonly required: boolean;
}

export function keysOf(merchant: PaygateMerchant): DataKeys {
  return merchant.aesKey === undefined
    ? { blowfish: merchant.blowfishKey }
    : { blowfish: merchant.blowfishKey, aes: merchant.aesKey };
}

/** The tables a request is read against and its MAC rule; `mac` undefined: no MAC (inquire, §2.1). */
export interface PageRule<T extends ParameterTable = ParameterTable> {
  readonly tables: readonly T[];
  readonly mac?: MacRule | undefined;
}

/**
 * Runs the inbound steps for a page. `rule` may depend on the decrypted pairs (amazonAPA.aspx
 * reads `EventToken` and `checkoutMode` to know which table applies); the general parameters are
 * always read too.
 */
export async function receive<T extends ParameterTable>(
  fields: URLSearchParams,
  findMerchant: FindMerchant,
  rule: PageRule<T> | ((pairs: DataPairs) => PageRule<T> | PaygateCode),
): Promise<ReceiveResult<T>> {
  const envelope = readEnvelope(fields);
  if (!envelope.ok) return { ok: false, outcome: clearRefusal(fieldOf(fields, "merchantid"), envelope.code) };
  const merchant = await findMerchant(envelope.envelope.merchantId);
  if (merchant === undefined) {
    return {
      ok: false,
      outcome: clearRefusal(envelope.envelope.merchantId, paygateCode("MERCHANT_UNKNOWN")),
    };
  }
  const keys = keysOf(merchant);
  const opened = openRequest(envelope.envelope, keys, generalRequest);
  if (!opened.ok) {
    const readable = decryptData(envelope.envelope.data, undefined, keys);
    const pairs = readable.ok ? parseData(readable.plaintext).pairs : new Map<string, { value: string }>();
    return {
      ok: false,
      outcome: refusal(merchant, opened.code, {
        scheme: readable.ok ? readable.scheme : schemeOf(envelope.envelope.data),
        transId: pairs.get("transid")?.value || undefined,
        custom: pairs.get("custom")?.value || undefined,
      }),
    };
  }
  const get = (key: string) => opened.pairs.pairs.get(key)?.value || undefined;
  const echo = { scheme: opened.scheme, transId: get("transid"), custom: get("custom"), payId: get("payid") };
  const chosen = typeof rule === "function" ? rule(opened.pairs) : rule;
  if ("code" in chosen) return { ok: false, outcome: refusal(merchant, chosen, echo) };
  const read = readParameters(opened.pairs, ...chosen.tables, generalRequest);
  if (!read.ok) {
    const first = read.refusals[0] as Refusal;
    return { ok: false, outcome: refusal(merchant, refusalCode(first), echo) };
  }
  if (chosen.mac !== undefined) {
    const macRefusal = checkRequestMac(
      merchant.hmacKey,
      merchant.merchantId,
      opened,
      chosen.mac.table,
      chosen.mac,
    );
    if (macRefusal !== undefined) return { ok: false, outcome: refusal(merchant, macRefusal, echo) };
  }
  return {
    ok: true,
    merchant,
    values: read.values as ParameterValues<T>,
    pairs: opened.pairs,
    scheme: opened.scheme,
    custom: echo.custom,
    userData: get("userdata"),
    reqId: get("reqid"),
  };
}

export interface RefusalEcho {
  readonly scheme?: DataScheme | undefined;
  readonly payId?: string | undefined;
  readonly xid?: string | undefined;
  readonly transId?: string | undefined;
  readonly custom?: string | undefined;
  readonly codeExt?: string | undefined;
  readonly errorText?: string | undefined;
}

/** An S2S refusal encrypted for the merchant. */
export function refusal(merchant: PaygateMerchant, code: PaygateCode, echo: RefusalEcho = {}): PageOutcome {
  return {
    kind: "answer",
    body: refusalBody(merchant, code, echo),
    refused: { code: code.code, description: code.description },
  };
}

/** The refusal as `Len=…&Data=…`, for S2S bodies and redirects alike. */
function refusalBody(merchant: PaygateMerchant, code: PaygateCode, echo: RefusalEcho = {}): string {
  return encodeAnswer(
    keysOf(merchant),
    refusalAnswer,
    {
      mid: merchant.merchantId,
      PayID: echo.payId,
      XID: echo.xid,
      TransID: echo.transId,
      Status: "FAILED",
      Code: code.code,
      Description: code.description,
      CodeExt: echo.codeExt,
      ErrorText: echo.errorText,
    },
    {
      // An AES-looking Data for a merchant without AES is answered in Blowfish, the one scheme it has.
      scheme: echo.scheme === "aes" && merchant.aesKey !== undefined ? "aes" : "blowfish",
      ...(echo.custom === undefined ? {} : { custom: echo.custom }),
    },
  ).body;
}

function clearRefusal(merchantId: string | undefined, code: PaygateCode): PageOutcome {
  const body = new URLSearchParams({
    ...(merchantId === undefined ? {} : { mid: merchantId }),
    Status: "FAILED",
    Code: code.code,
    Description: code.description,
  });
  return {
    kind: "answer",
    body: body.toString(),
    refused: { code: code.code, description: code.description },
  };
}

export interface AnswerContext {
  readonly merchant: PaygateMerchant;
  readonly scheme: DataScheme;
  readonly custom: string | undefined;
  readonly userData: string | undefined;
}

/**
 * Encodes a page's answer (S2S body, or the query of a redirect): `UserData` echoed inside Data,
 * `Custom` in clear after it; `mac` adds the response MAC (browser returns and notifies, §2.2).
 */
export function answerBody<T extends ParameterTable>(
  context: AnswerContext,
  table: T,
  values: AnswerValues<T>,
  options: { readonly mac?: boolean; readonly extra?: ReadonlyArray<readonly [string, BuildValue]> } = {},
): string {
  return encodeAnswer(keysOf(context.merchant), table, values, {
    scheme: context.scheme,
    ...(options.mac ? { hmacKey: context.merchant.hmacKey } : {}),
    extra: [...(options.extra ?? []), ["UserData", context.userData]],
    ...(context.custom === undefined ? {} : { custom: context.custom }),
  }).body;
}

export function answered(body: string): PageOutcome {
  return { kind: "answer", body };
}

function fieldOf(fields: URLSearchParams, lower: string): string | undefined {
  for (const [key, value] of fields) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function schemeOf(data: string): DataScheme {
  return data.includes("-") ? "aes" : "blowfish";
}
