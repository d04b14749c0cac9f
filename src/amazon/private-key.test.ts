import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { checkPrivateKeyPem } from "./private-key.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pkcs8 = rsa.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const pkcs1 = rsa.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const problem = (text: string) => {
  const check = checkPrivateKeyPem(text);
  return check.ok ? "ok" : check.problem;
};

describe("checkPrivateKeyPem", () => {
  it("accepts PKCS#8 and PKCS#1 RSA keys, also with CRLF line ends and surrounding blank lines", () => {
    assert.equal(problem(pkcs8), "ok");
    assert.equal(problem(pkcs1), "ok");
    assert.equal(problem(`\n\n${pkcs8.replace(/\n/g, "\r\n")}  \n`), "ok");
    const check = checkPrivateKeyPem(pkcs8.replace(/\n/g, "\r\n"));
    assert.ok(check.ok && !check.pem.includes("\r") && check.bits === 2048);
  });

  it("names what is wrong", () => {
    assert.equal(problem(""), "empty");
    assert.equal(problem("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), "notPem");
    assert.equal(problem(rsa.publicKey.export({ type: "spki", format: "pem" }) as string), "notPrivateKey");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    assert.equal(problem(ec.privateKey.export({ type: "pkcs8", format: "pem" }) as string), "notRsa");
    assert.equal(problem(ec.privateKey.export({ type: "sec1", format: "pem" }) as string), "notRsa");
    const encrypted = rsa.privateKey.export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: "secret",
    }) as string;
    assert.equal(problem(encrypted), "encrypted");
    assert.equal(problem(pkcs8.replace(/\n/g, " ")), "damagedWhitespace");
    assert.equal(problem(pkcs8.replace("-----END PRIVATE KEY-----", "")), "mismatchedEnd");
    const lines = pkcs8.split("\n");
    assert.equal(problem(lines.filter((_, index) => index !== 5).join("\n")), "damaged");
    assert.equal(problem(pkcs8.replace(/\n([A-Za-z])/, "\n!$1")), "damaged");
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
    assert.equal(problem(small.privateKey.export({ type: "pkcs8", format: "pem" }) as string), "tooShort");
  });
});
