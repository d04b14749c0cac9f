import assert from "node:assert/strict";
import crypto, { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type AlgorithmName,
  candidateStringsToSign,
  canonicalRequest,
  formatAuthorization,
  parseAuthorization,
  SIGNATURE_ALGORITHMS,
  type SignableRequest,
  signatureAlgorithm,
  stringToSign,
} from "./canonical.js";

const require = createRequire(import.meta.url);

interface SdkOptions {
  method: string;
  urlFragment: string;
  payload?: unknown;
  headers?: Record<string, string>;
  queryParams?: Record<string, string> | null;
}

interface SdkHelper {
  prepareOptions(config: object, options: SdkOptions): SdkOptions;
  signHeaders(config: object, options: SdkOptions): Record<string, string>;
  invokeApi(config: object, options: SdkOptions, maxRedirects: number): unknown;
}

const sdk: SdkHelper = require("@amazonpay/amazon-pay-api-sdk-nodejs/src/clientHelper.js");

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

/**
 * Runs the official SDK's own signing on `options` and records, by wrapping `crypto.createHash`
 * and `crypto.createSign` (the SDK reaches them through the shared `crypto` object), the
 * canonical request and string to sign it computed; `invokeApi` with a stubbed `retryLogic`
 * returns the URL and body axios would send. Nothing goes on the network.
 */
function sdkRequest(config: Record<string, unknown>, options: SdkOptions) {
  const hashed: string[] = [];
  const signedTexts: string[] = [];
  const { createHash, createSign } = crypto;
  crypto.createHash = ((algorithm: string) => {
    const hash = createHash(algorithm);
    const update = hash.update.bind(hash);
    hash.update = ((data: string) => {
      hashed.push(String(data));
      return update(data);
    }) as typeof hash.update;
    return hash;
  }) as typeof crypto.createHash;
  crypto.createSign = ((algorithm: string) => {
    const signer = createSign(algorithm);
    const update = signer.update.bind(signer);
    signer.update = ((data: string) => {
      signedTexts.push(String(data));
      return update(data);
    }) as typeof signer.update;
    return signer;
  }) as typeof crypto.createSign;
  try {
    const prepared = sdk.prepareOptions(config, options);
    const headers = sdk.signHeaders(config, prepared);
    const sent = sdk.invokeApi.call(
      { retryLogic: (axiosOptions: unknown) => axiosOptions },
      config,
      { ...prepared, headers },
      5,
    ) as { url: string; data: string | undefined };
    const canonical = hashed.find((text) => text.startsWith(`${options.method}\n`));
    assert.ok(canonical, "the SDK hashed a canonical request");
    return {
      headers,
      canonical,
      stringToSign: signedTexts[0] as string,
      url: new URL(sent.url),
      body: sent.data ?? "",
    };
  } finally {
    crypto.createHash = createHash;
    crypto.createSign = createSign;
  }
}

/** What a server sees of the SDK's request: the wire form, as axios sends it. */
function received(
  sdkResult: ReturnType<typeof sdkRequest>,
  method: string,
): SignableRequest & { algorithm: AlgorithmName } {
  const lower = new Map(
    Object.entries(sdkResult.headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  const authorization = parseAuthorization(lower.get("authorization") ?? "");
  assert.ok(authorization, "the SDK's Authorization header parses");
  return {
    method,
    path: sdkResult.url.pathname,
    query: sdkResult.url.search.slice(1),
    header: (name) => lower.get(name),
    signedHeaders: authorization.signedHeaders,
    body: sdkResult.body,
    algorithm: authorization.algorithm.name,
  };
}

const JAVA_HEADERS: Record<string, string> = {
  accept: "application/json",
  "content-type": "application/json",
  "x-amz-pay-date": "20180524T223710Z",
  "x-amz-pay-host": "pay-api.amazon.eu",
  "x-amz-pay-region": "EU",
};

function javaVector(method: string, path: string, query: string): SignableRequest {
  return {
    method,
    path,
    query,
    header: (name) => JAVA_HEADERS[name],
    signedHeaders: Object.keys(JAVA_HEADERS),
    body: "",
  };
}

describe("canonical request", () => {
  // reference §2.3: JAVA tst/com/amazon/pay/api/testdata.js; wire-encoded inputs.
  const vectors = [
    [
      "get-vanilla",
      "GET",
      "/",
      "",
      "/",
      "",
      "bb49552975c396f1e49d5510e1555b8b0627dc491bc61aaefdb561f202ad8020",
    ],
    [
      "get-utf8",
      "GET",
      "/%E1%88%B4",
      "",
      "/%E1%88%B4",
      "",
      "77f6544c8fb336d430895659da1e30415a1558b4b013f4d7926bb3a6275f701d",
    ],
    [
      "utf8 query",
      "GET",
      "/",
      "%E1%88%B4=bar",
      "/",
      "%E1%88%B4=bar",
      "ef1007307504f2ca9f0b6310b04056f5d3d6d18e7bf3d90663133f19ec132ecc",
    ],
    [
      "value order",
      "GET",
      "/",
      "foo=b&foo=a",
      "/",
      "foo=a&foo=b",
      "a33266ec31c7f0ca8a0738eb49fb8c81319f14374a0b86d52e6911a9748a6d42",
    ],
    [
      "key order",
      "GET",
      "/",
      "A.1=foo&A.2=foo&A.10=foo",
      "/",
      "A.1=foo&A.10=foo&A.2=foo",
      "29d908d70c4bb50d62272976787245b52ed52e569fdae56ef3aa6d8979978ee7",
    ],
    [
      "space (POST)",
      "POST",
      "/",
      "f%20oo=b%20ar",
      "/",
      "f%20oo=b%20ar",
      "99be3aeb19b5a1aebafc807d59f3740d3e604ae31cf928592fa70739ea64bb32",
    ],
  ] as const;

  for (const [name, method, path, query, uri, canonicalQuery, hash] of vectors) {
    it(`reproduces the JAVA vector ${name} under both algorithm names`, () => {
      const canonical = canonicalRequest(javaVector(method, path, query));
      const lines = canonical.split("\n");
      assert.deepEqual(lines.slice(0, 3), [method, uri, canonicalQuery]);
      assert.equal(lines.at(-1), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
      assert.equal(stringToSign("AMZN-PAY-RSASSA-PSS", canonical), `AMZN-PAY-RSASSA-PSS\n${hash}`);
      assert.equal(stringToSign("AMZN-PAY-RSASSA-PSS-V2", canonical), `AMZN-PAY-RSASSA-PSS-V2\n${hash}`);
    });
  }

  it("encodes a raw unicode path and query the way JAVA does", () => {
    const canonical = canonicalRequest(javaVector("GET", "/ሴ", "ሴ=bar"));
    assert.deepEqual(canonical.split("\n").slice(1, 3), ["/%E1%88%B4", "%E1%88%B4=bar"]);
  });

  it("offers PHP's combination (path as sent, RFC 3986 query) among the candidates", () => {
    const request = javaVector("GET", "/v2/buyers/x:y@z", "a=%2A");
    const php = ["GET", "/v2/buyers/x:y@z", "a=%2A"];
    const viaRfc = canonicalRequest(request).split("\n");
    const viaNode = canonicalRequest(request, "node").split("\n");
    assert.deepEqual(viaRfc.slice(0, 3), ["GET", "/v2/buyers/x%3Ay%40z", "a=%2A"]);
    assert.deepEqual(viaNode.slice(0, 3), ["GET", "/v2/buyers/x:y@z", "a=*"]);
    const phpCanonical = [...php, ...viaRfc.slice(3)].join("\n");
    const candidates = candidateStringsToSign(request, "AMZN-PAY-RSASSA-PSS-V2");
    assert.equal(candidates.length, 3);
    assert.ok(candidates.includes(stringToSign("AMZN-PAY-RSASSA-PSS-V2", phpCanonical)));
  });

  it("lays out the docs' example with the blank line after the headers (§2.2)", () => {
    const headers: Record<string, string> = {
      accept: "application/json",
      "content-type": "application/json",
      "x-amz-pay-date": "20190923T231908Z",
      "x-amz-pay-host": "pay-api.amazon.com",
      "x-amz-pay-idempotency-key": "cllHyiNvS8cJ8Zas",
      "x-amz-pay-region": "us",
    };
    const canonical = canonicalRequest({
      method: "POST",
      path: "/live/v2/checkoutSessions",
      query: "",
      header: (name) => headers[name],
      signedHeaders: Object.keys(headers),
      body: "{}",
    });
    assert.equal(
      canonical,
      [
        "POST",
        "/live/v2/checkoutSessions",
        "",
        "accept:application/json",
        "content-type:application/json",
        "x-amz-pay-date:20190923T231908Z",
        "x-amz-pay-host:pay-api.amazon.com",
        "x-amz-pay-idempotency-key:cllHyiNvS8cJ8Zas",
        "x-amz-pay-region:us",
        "",
        "accept;content-type;x-amz-pay-date;x-amz-pay-host;x-amz-pay-idempotency-key;x-amz-pay-region",
        crypto.createHash("sha256").update("{}").digest("hex"),
      ].join("\n"),
    );
  });

  it("sorts repeated keys by value and is independent of the order pairs arrive in", () => {
    const pair = fc.tuple(fc.constantFrom("a", "b", "ሴ", "A.1", "A.10"), fc.string({ maxLength: 4 }));
    const pairsTwice = fc
      .array(pair, { maxLength: 6 })
      .chain((pairs) =>
        fc.tuple(
          fc.constant(pairs),
          fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length }),
        ),
      );
    const query = (list: [string, string][]) =>
      list.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    fc.assert(
      fc.property(pairsTwice, ([pairs, shuffled]) => {
        const a = canonicalRequest(javaVector("GET", "/", query(pairs)));
        const b = canonicalRequest(javaVector("GET", "/", query(shuffled)));
        assert.equal(a, b);
        const line = a.split("\n")[2] as string;
        const names = line === "" ? [] : line.split("&").map((p) => p.split("=") as [string, string]);
        const inOrder = names.every(
          ([name, value], i) =>
            i === 0 ||
            (names[i - 1] as [string, string])[0] < name ||
            ((names[i - 1] as [string, string])[0] === name &&
              (names[i - 1] as [string, string])[1] <= value),
        );
        assert.ok(inOrder, line);
      }),
    );
  });
});

// Inputs the SDK can be handed intact: no `%`, `?`, `#`, `\` or tab/newline in the path (the URL
// parser would read or strip them), no dot segments; names without `&`, `=`, `#`, `%`.
const UNICODE = ["ሴ", "ü", "€", "😀", "日本"];
const PATH_CHARS = [..."aZ09-_.~ \"<>`{}+=,;:@!$&'()*", ...UNICODE];
const NAME_CHARS = [..."aZ09-_.~ \"<>`{}+,;:@!$'()*/?", ...UNICODE];
const VALUE_CHARS = [..."aZ09-_.~ %&=#+/?\"'<>`", ...UNICODE];
const textOf = (chars: string[], minLength: number) =>
  fc.array(fc.constantFrom(...chars), { minLength, maxLength: 8 }).map((list) => list.join(""));
const segment = textOf(PATH_CHARS, 1).filter((s) => s !== "." && s !== "..");

const sdkInput = fc.record({
  method: fc.constantFrom("GET", "POST", "PATCH", "DELETE"),
  // The URL parser trims trailing spaces off the whole URL: a path cannot end in one.
  urlFragment: fc
    .array(segment, { minLength: 1, maxLength: 4 })
    .map((list) => list.join("/"))
    .filter((path) => !path.endsWith(" ")),
  queryParams: fc.option(fc.dictionary(textOf(NAME_CHARS, 1), textOf(VALUE_CHARS, 0), { maxKeys: 5 }), {
    nil: null,
  }),
  payload: fc.option(fc.jsonValue(), { nil: undefined }),
  headers: fc.record(
    {
      "x-amz-pay-idempotency-key": fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
      "X-Amz-Pay-Simulation-Code": fc.constantFrom("HardDeclined", "ChargePermissionExpired"),
      "x-amz-pay-authtoken": fc.stringMatching(/^[A-Za-z0-9+/=]{1,20}$/),
    },
    { requiredKeys: [] },
  ),
  sandbox: fc.boolean(),
  publicKeyId: fc.constantFrom("AEXAMPLEKEYID", "SANDBOX-AEXAMPLE", "LIVE-AEXAMPLE"),
  algorithm: fc.constantFrom(undefined, "AMZN-PAY-RSASSA-PSS", "AMZN-PAY-RSASSA-PSS-V2"),
  region: fc.constantFrom("us", "na", "de", "uk", "eu", "jp"),
});

type SdkInput = typeof sdkInput extends fc.Arbitrary<infer T> ? T : never;

function sdkConfig(input: SdkInput): Record<string, unknown> {
  // No overrideServiceUrl here: the SDK would set NODE_TLS_REJECT_UNAUTHORIZED=0 process-wide.
  const config: Record<string, unknown> = {
    publicKeyId: input.publicKeyId,
    privateKey,
    region: input.region,
    sandbox: input.sandbox,
  };
  if (input.algorithm) config.algorithm = input.algorithm;
  return config;
}

describe("canonical request against the official NODE SDK", () => {
  it("rebuilds from the wire exactly the canonical request and string to sign the SDK signed", () => {
    fc.assert(
      fc.property(sdkInput, (input) => {
        const payload = input.method === "GET" ? undefined : input.payload;
        const result = sdkRequest(sdkConfig(input), {
          method: input.method,
          urlFragment: input.urlFragment,
          payload,
          headers: { ...input.headers },
          queryParams: input.queryParams,
        });
        const request = received(result, input.method);
        assert.equal(canonicalRequest(request, "node"), result.canonical);
        assert.equal(stringToSign(request.algorithm, result.canonical), result.stringToSign);
        assert.ok(candidateStringsToSign(request, request.algorithm).includes(result.stringToSign));
      }),
      { numRuns: 300 },
    );
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined);
  });

  it("agrees with the RFC 3986 dialect on what real calls carry (ASCII ids, encoded values)", () => {
    const id = fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/);
    fc.assert(
      fc.property(
        sdkInput,
        fc.array(id, { minLength: 1, maxLength: 3 }),
        fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,12}$/), textOf(VALUE_CHARS, 0), {
          maxKeys: 4,
        }),
        (input, ids, queryParams) => {
          const method = input.method;
          const result = sdkRequest(sdkConfig(input), {
            method,
            urlFragment: ids.join("/"),
            payload: method === "GET" ? undefined : input.payload,
            headers: { ...input.headers },
            queryParams,
          });
          // encodeURIComponent leaves !'()* alone where RFC 3986 encodes them; values free of them agree.
          fc.pre(!Object.values(queryParams).some((v) => /[!'()*]/.test(v)));
          assert.equal(canonicalRequest(received(result, method), "rfc3986"), result.canonical);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("Authorization header", () => {
  it("round-trips through format and parse", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<AlgorithmName>("AMZN-PAY-RSASSA-PSS", "AMZN-PAY-RSASSA-PSS-V2"),
        fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/),
        fc.array(fc.stringMatching(/^[a-z][a-z-]{0,20}$/), { minLength: 1, maxLength: 8 }),
        fc.base64String({ minLength: 4 }),
        (name, publicKeyId, signedHeaders, signature) => {
          const authorization = {
            algorithm: SIGNATURE_ALGORITHMS[name],
            publicKeyId,
            signedHeaders,
            signature,
          };
          assert.deepEqual(parseAuthorization(formatAuthorization(authorization)), authorization);
        },
      ),
    );
  });

  it("rejects other schemes and missing parts", () => {
    for (const header of [
      "",
      "AWS4-HMAC-SHA256 Credential=x",
      "AMZN-PAY-RSASSA-PSS-V3 PublicKeyId=a, SignedHeaders=b, Signature=c",
      "AMZN-PAY-RSASSA-PSS PublicKeyId=a, Signature=c",
      "AMZN-PAY-RSASSA-PSS PublicKeyId=a, SignedHeaders=b, Signature=",
    ]) {
      assert.equal(parseAuthorization(header), undefined, header);
    }
  });

  it("exports the algorithms as data", () => {
    assert.equal(signatureAlgorithm("AMZN-PAY-RSASSA-PSS")?.saltLength, 20);
    assert.equal(signatureAlgorithm("AMZN-PAY-RSASSA-PSS-V2")?.saltLength, 32);
    assert.equal(signatureAlgorithm("toString"), undefined);
  });
});
