import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { checkPrivateKeyPem } from "./private-key.js";

const rsa = (modulusLength: number) =>
  generateKeyPairSync("rsa", {
    modulusLength,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });

describe("checkPrivateKeyPem", () => {
  const { privateKey, publicKey } = rsa(2048);

  it("accepts an RSA-2048 private key in PKCS#8 and PKCS#1, with CRLF line ends too", () => {
    assert.equal(checkPrivateKeyPem(privateKey).ok, true);
    const pkcs1 = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    }).privateKey;
    assert.equal(checkPrivateKeyPem(pkcs1).ok, true);
    assert.equal(checkPrivateKeyPem(privateKey.replaceAll("\n", "\r\n")).ok, true);
  });

  const refused: Array<[string, () => string, string]> = [
    ["empty", () => "  \n", "empty"],
    ["no PEM at all", () => "just some text", "not-pem"],
    ["the public key", () => publicKey, "public-key"],
    ["a certificate", () => "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "certificate"],
    [
      "an encrypted key",
      () =>
        generateKeyPairSync("rsa", {
          modulusLength: 2048,
          publicKeyEncoding: { type: "spki", format: "pem" },
          privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" },
        }).privateKey,
      "encrypted",
    ],
    ["literal \\n sequences", () => privateKey.replaceAll("\n", "\\n"), "escaped-line-breaks"],
    ["lines joined by spaces", () => privateKey.replaceAll("\n", " "), "joined-lines"],
    ["a damaged body", () => privateKey.replace(/\n[A-Za-z0-9+/]{12}/, "\n"), "unreadable"],
    [
      "an EC key",
      () =>
        generateKeyPairSync("ec", {
          namedCurve: "P-256",
          publicKeyEncoding: { type: "spki", format: "pem" },
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
        }).privateKey,
      "not-rsa",
    ],
    ["RSA-1024", () => rsa(1024).privateKey, "too-short"],
  ];
  for (const [what, pem, code] of refused) {
    it(`refuses ${what} (${code}) with a message that names it`, () => {
      const check = checkPrivateKeyPem(pem());
      assert.equal(check.ok, false);
      if (!check.ok) {
        assert.equal(check.code, code);
        assert.ok(check.message.length > 10);
        assert.doesNotMatch(check.message, /MII/, "the message never echoes key material");
      }
    });
  }
});
