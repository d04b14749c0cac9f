import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ManualClock } from "../core/clock.js";
import { canonicalRequest, parseAuthorization, SIGNATURE_ALGORITHMS, stringToSign } from "./canonical.js";
import {
  parsePrivateKey,
  parsePublicKey,
  RequestSigner,
  stripCSlashes,
  verifyPayloadSignature,
  verifyRequestSignature,
  verifyText,
} from "./signer.js";

const require = createRequire(import.meta.url);
const sdk: {
  signPayload(config: object, payload: unknown): string;
} = require("@amazonpay/amazon-pay-api-sdk-nodejs/src/clientHelper.js");

const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pkcs8 = pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const pkcs1 = pair.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const publicKey = pair.publicKey;
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

const V1 = SIGNATURE_ALGORITHMS["AMZN-PAY-RSASSA-PSS"];
const V2 = SIGNATURE_ALGORITHMS["AMZN-PAY-RSASSA-PSS-V2"];

function signer(algorithm: "AMZN-PAY-RSASSA-PSS" | "AMZN-PAY-RSASSA-PSS-V2", pem = pkcs8) {
  return new RequestSigner({
    publicKeyId: "SANDBOX-AKEY",
    privateKey: pem,
    algorithm,
    region: "eu",
    host: "127.0.0.1:8444",
    clock: new ManualClock(Date.UTC(2026, 2, 4, 5, 6, 7)),
  });
}

describe("private keys", () => {
  it("accepts PKCS#8 and PKCS#1 PEM and refuses non-RSA keys", () => {
    assert.equal(parsePrivateKey(pkcs8).asymmetricKeyType, "rsa");
    assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
    assert.equal(parsePrivateKey(pkcs1).asymmetricKeyType, "rsa");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    assert.throws(() => parsePrivateKey(ec.privateKey), /RSA/);
  });
});

describe("request signing", () => {
  it("sends the compact date, the host and region, and signs the sorted header names", () => {
    const headers = signer("AMZN-PAY-RSASSA-PSS-V2").signRequest({
      method: "POST",
      path: "/v2/charges",
      query: "",
      body: "{}",
      headers: { "x-amz-pay-idempotency-key": "cap-1" },
    });
    assert.equal(headers["x-amz-pay-date"], "20260304T050607Z");
    assert.equal(headers["x-amz-pay-host"], "127.0.0.1:8444");
    assert.equal(headers["x-amz-pay-region"], "eu");
    const authorization = parseAuthorization(headers.authorization as string);
    assert.equal(authorization?.algorithm, V2);
    assert.equal(authorization?.publicKeyId, "SANDBOX-AKEY");
    assert.deepEqual(authorization?.signedHeaders, [
      "accept",
      "content-type",
      "x-amz-pay-date",
      "x-amz-pay-host",
      "x-amz-pay-idempotency-key",
      "x-amz-pay-region",
    ]);
  });

  it("verifies under the algorithm's salt, fails under the other, and with another key", () => {
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "PATCH", "DELETE"),
      id: fc.stringMatching(/^[A-Za-z0-9-]{1,24}$/),
      body: fc.string(),
      key: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/), { nil: undefined }),
    });
    for (const [name, algorithm, wrong] of [
      ["AMZN-PAY-RSASSA-PSS", V1, V2],
      ["AMZN-PAY-RSASSA-PSS-V2", V2, V1],
    ] as const) {
      const s = signer(name, pkcs1);
      fc.assert(
        fc.property(request, ({ method, id, body, key }) => {
          const input = {
            method,
            path: `/v2/charges/${id}`,
            query: "",
            body,
            headers: key ? { "x-amz-pay-idempotency-key": key } : ({} as Record<string, string>),
          };
          const headers = s.signRequest(input);
          const authorization = parseAuthorization(headers.authorization as string);
          assert.ok(authorization);
          const text = stringToSign(
            name,
            canonicalRequest({
              ...input,
              header: (h) => headers[h],
              signedHeaders: authorization.signedHeaders,
            }),
          );
          assert.equal(verifyText(publicKey, algorithm, text, authorization.signature), true);
          assert.equal(verifyText(publicKey, wrong, text, authorization.signature), false);
          assert.equal(verifyText(other.publicKey, algorithm, text, authorization.signature), false);
        }),
        { numRuns: 20 },
      );
    }
  });

  it("verifyRequestSignature accepts the signed request and names what is wrong otherwise", () => {
    const headers = signer("AMZN-PAY-RSASSA-PSS-V2").signRequest({
      method: "PATCH",
      path: "/v2/checkoutSessions/abc",
      query: "",
      body: '{"a":1}',
    });
    const keyFor = (id: string) => (id === "SANDBOX-AKEY" ? parsePublicKey(pkcs8) : undefined);
    const received = (body: string, h: Record<string, string> = headers) => ({
      method: "PATCH",
      path: "/v2/checkoutSessions/abc",
      query: "",
      header: (name: string) => h[name],
      body,
    });
    assert.deepEqual(verifyRequestSignature(received('{"a":1}'), keyFor), {
      ok: true,
      publicKeyId: "SANDBOX-AKEY",
      algorithm: V2,
    });
    const tampered = verifyRequestSignature(received('{"a":2}'), keyFor);
    assert.equal(tampered.ok, false);
    assert.equal(!tampered.ok && tampered.reason, "badSignature");
    assert.match(
      !tampered.ok && "stringToSign" in tampered ? tampered.stringToSign : "",
      /^AMZN-PAY-RSASSA-PSS-V2\n[0-9a-f]{64}$/,
    );
    const unknown = {
      ...headers,
      authorization: (headers.authorization as string).replace("SANDBOX-AKEY", "LIVE-X"),
    };
    assert.deepEqual(verifyRequestSignature(received('{"a":1}', unknown), keyFor), {
      ok: false,
      reason: "unknownKey",
      publicKeyId: "LIVE-X",
    });
    assert.deepEqual(
      verifyRequestSignature(received('{"a":1}', { ...headers, authorization: "Bearer x" }), keyFor),
      {
        ok: false,
        reason: "malformedAuthorization",
      },
    );
  });
});

describe("button payload signature (§2.5)", () => {
  it("verifies our signatures and the official SDK's, each only under its own algorithm", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, v2) => {
        const payloadJSON = JSON.stringify(value);
        const name = v2 ? "AMZN-PAY-RSASSA-PSS-V2" : "AMZN-PAY-RSASSA-PSS";
        const otherName = v2 ? "AMZN-PAY-RSASSA-PSS" : "AMZN-PAY-RSASSA-PSS-V2";
        const ours = signer(name).signButtonPayload(payloadJSON);
        const theirs = sdk.signPayload({ privateKey: pkcs8, algorithm: name }, payloadJSON);
        for (const signature of [ours, theirs]) {
          assert.equal(verifyPayloadSignature(publicKey, payloadJSON, signature, name), true);
          assert.equal(verifyPayloadSignature(publicKey, payloadJSON, signature, otherName), false);
          assert.equal(verifyPayloadSignature(publicKey, `${payloadJSON} `, signature, name), false);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("defaults to AMZN-PAY-RSASSA-PSS when no algorithm is given", () => {
    const signature = signer("AMZN-PAY-RSASSA-PSS").signButtonPayload('{"storeId":"x"}');
    assert.equal(verifyPayloadSignature(publicKey, '{"storeId":"x"}', signature), true);
  });

  it("accepts a payload a PHP shop signed after stripcslashes", () => {
    const sent = '{"webCheckoutDetails":{"checkoutReviewReturnUrl":"https:\\/\\/shop.example\\/review"}}';
    const signedByPhp = signer("AMZN-PAY-RSASSA-PSS-V2").signButtonPayload(stripCSlashes(sent));
    assert.equal(stripCSlashes(sent).includes("https://shop.example/review"), true);
    assert.equal(verifyPayloadSignature(publicKey, sent, signedByPhp, "AMZN-PAY-RSASSA-PSS-V2"), true);
  });

  it("decodes C escapes like PHP's stripcslashes", () => {
    assert.equal(stripCSlashes("a\\/b\\n\\x41\\101\\\\\\q"), "a/b\nAA\\q");
  });
});
