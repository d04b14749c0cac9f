import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { blowfishEcbEncrypt } from "./blowfish.js";
import { decryptData, encryptData } from "./crypto.js";

// Published demo credentials of the Axepta test MID BNP_DEMO_AXEPTA (reference §2.3).
const BLOWFISH_KEY = "Tc5*2D_xs7B[6E?w";
const keys = { blowfish: BLOWFISH_KEY };

const B1_PLAIN =
  "MerchantID=BNP_DEMO_AXEPTA&MsgVer=2.0&TransID=1&RefNr=0000000AB123&Amount=2000&Currency=EUR&URLNotify=https://axepta.bnpparibas/&URLSuccess=https://axepta.bnpparibas/&URLFailure=https://group.bnpparibas&OrderDesc=Test:0000&MAC=529c65ce765e684d42a29ca255ad99ae40b78715abc8ee958bfdbafd2597d30a";
const B1_DATA =
  "43ad07f58ff6a5f9ebbdd42e361d2c85ce4ad41fcd63c697c9ca59076fb5cb782237a2e862a97bb24d949911bb701d698dfed6901f1bcb92404f53b8f5336525167ac5b8a9b89c5fb88d79967366e99e59d95f3f3f0c37126a52495115e28f938e76748a5dc703f7ccbda6ccb4fc253b255c06e0df990fdd94f4313ec2b94142f9978adb9d1079a36a9dbb83e9638e3e58a124d532ece1b7bc175fa340bd0c73c33d4f78374420091e90735bb014a5163d86bfe38795decacf0358075a85c0fbf80c5535046e7f8df64d204c7a4755e07700d4d17c9ef0bdc6e8bbd9c377e3ee0493a0ad2d3a9a624d693d04fe0bdfb3ebb2ef5badb63291ab8d7ad29b4f19b2b0f87dbc0bdb38f282816fe694ac2d512ba741d76a830b2083232246763aa006472661aeb2acf126";
const B2_PLAIN = "MerchantID=Test&TransID=T1&Amount=100&Currency=EUR";
const B2_DATA =
  "43AD07F58FF6A5F9DB9DA1C01A60380D63CC9A9B21ECEA877EC98511F1A1D81567B0032DF1524FE9A9103C629C0E5D7F7D4480FE06C036CF";
const FIXED_IV = () => Uint8Array.from({ length: 16 }, (_, i) => i);
const AES_256_KEY = "0123456789abcdef0123456789abcdef";
const AES_128_KEY = "0123456789abcdef";
const AES_256_DATA =
  "000102030405060708090a0b0c0d0e0f-8ec76da10ad2a752bfe9368dba22658b559edbe268a55fdd6f9736de4bfbf7c1e798d8aae5d9a5ac3836916c3fcbcc51fdf225f300c663f6acd0afc19ac7ee3f";
const AES_128_DATA =
  "000102030405060708090a0b0c0d0e0f-0374769e3c4675665af17250f446a2bcef6361eb2aa467349853c162056cef003e97ee3c7b65275738f50d50c5bf01f6e0fae951b8de66464a0a3a9f9ff06ffe";

const printable = fc.string({ unit: "grapheme", maxLength: 300 }).map((s) => s.replace(/[\p{Cc}]/gu, ""));

describe("Data codec — Blowfish", () => {
  it("encrypts the published vector B1 (Len 291, five zero pad bytes)", () => {
    assert.deepEqual(encryptData(B1_PLAIN, keys), { data: B1_DATA, len: 291 });
  });

  it("decrypts B1 in lower and upper case", () => {
    for (const data of [B1_DATA, B1_DATA.toUpperCase()]) {
      assert.deepEqual(decryptData(data, 291, keys), {
        ok: true,
        plaintext: B1_PLAIN,
        scheme: "blowfish",
        charset: "utf-8",
      });
    }
  });

  it("encrypts B2 (upper case on request) and decrypts it", () => {
    assert.deepEqual(encryptData(B2_PLAIN, keys, { hexCase: "upper" }), { data: B2_DATA, len: 50 });
    const result = decryptData(B2_DATA, 50, keys);
    assert.ok(result.ok);
    assert.equal(result.plaintext, B2_PLAIN);
  });

  it("round-trips any printable text, counting Len in characters", () => {
    fc.assert(
      fc.property(printable, fc.constantFrom("lower" as const, "upper" as const), (text, hexCase) => {
        fc.pre(text.length > 0);
        const encrypted = encryptData(text, keys, { hexCase });
        assert.equal(encrypted.len, [...text].length);
        assert.equal(encrypted.data.length % 16, 0);
        const decrypted = decryptData(encrypted.data, encrypted.len, keys);
        assert.ok(decrypted.ok);
        assert.equal(decrypted.plaintext, text);
      }),
    );
  });

  it("accepts Len counted in UTF-8 bytes too (WooCommerce SDK uses strlen)", () => {
    const text = "Name=Jürgen Groß&City=東京";
    const { data } = encryptData(text, keys);
    const result = decryptData(data, Buffer.byteLength(text), keys);
    assert.ok(result.ok);
    assert.equal(result.plaintext, text);
  });

  it("accepts PKCS#5-padded requests (pretix) as well as zero-padded ones", () => {
    const bytes = Buffer.from(B2_PLAIN);
    const pad = 8 - (bytes.length % 8);
    const padded = Buffer.concat([bytes, Buffer.alloc(pad, pad)]);
    const data = Buffer.from(blowfishEcbEncrypt(Buffer.from(BLOWFISH_KEY), padded)).toString("hex");
    const result = decryptData(data, 50, keys);
    assert.ok(result.ok);
    assert.equal(result.plaintext, B2_PLAIN);
  });

  it("reads Latin-1 plaintext that is not valid UTF-8", () => {
    const bytes = Buffer.from("Name=Müller", "latin1");
    const padded = Buffer.concat([bytes, Buffer.alloc(8 - (bytes.length % 8))]);
    const data = Buffer.from(blowfishEcbEncrypt(Buffer.from(BLOWFISH_KEY), padded)).toString("hex");
    assert.deepEqual(decryptData(data, 11, keys), {
      ok: true,
      plaintext: "Name=Müller",
      scheme: "blowfish",
      charset: "latin1",
    });
  });

  it("refuses Data that is not hex of whole blocks", () => {
    for (const data of [
      "",
      "zz",
      "43ad07f58ff6a5f",
      "43ad07f58ff6a5f9eb",
      "43ad07f58ff6a5fg",
      " 43ad07f58ff6a5f9",
    ]) {
      assert.deepEqual(decryptData(data, undefined, keys), { ok: false, failure: "encoding" }, data);
    }
  });

  it("refuses a Len that does not describe the text", () => {
    for (const len of [49, 0, 58, -1, 50.5, Number.NaN]) {
      assert.deepEqual(decryptData(B2_DATA, len, keys), { ok: false, failure: "length" }, String(len));
    }
    // Len pointing into the zero padding (less than one block past the text) is tolerated.
    assert.ok(decryptData(B2_DATA, 56, keys).ok);
    assert.ok(decryptData(B2_DATA, 51, keys).ok);
  });

  it("decrypts garbage, not the plaintext, under the wrong key", () => {
    const result = decryptData(B2_DATA, undefined, { blowfish: "another-key-16ch" });
    assert.ok(!result.ok || result.plaintext !== B2_PLAIN);
  });

  it("tells a wrong key (failure key) from a Len that does not fit (failure length)", () => {
    assert.deepEqual(decryptData(B1_DATA, 291, { blowfish: "another-key-16ch" }), {
      ok: false,
      failure: "key",
    });
    assert.deepEqual(decryptData(B1_DATA, 250, keys), { ok: false, failure: "length" });
  });
});

describe("Data codec — AES", () => {
  it("reproduces the reference's AES-256 and AES-128 vectors", () => {
    assert.deepEqual(
      encryptData(
        B2_PLAIN,
        { blowfish: BLOWFISH_KEY, aes: AES_256_KEY },
        { scheme: "aes", randomIv: FIXED_IV },
      ),
      { data: AES_256_DATA, len: 50 },
    );
    assert.deepEqual(
      encryptData(
        B2_PLAIN,
        { blowfish: BLOWFISH_KEY, aes: AES_128_KEY },
        { scheme: "aes", randomIv: FIXED_IV },
      ),
      { data: AES_128_DATA, len: 50 },
    );
  });

  it("detects AES by the dash and decrypts either case", () => {
    for (const data of [AES_256_DATA, AES_256_DATA.toUpperCase()]) {
      assert.deepEqual(decryptData(data, 50, { blowfish: BLOWFISH_KEY, aes: AES_256_KEY }), {
        ok: true,
        plaintext: B2_PLAIN,
        scheme: "aes",
        charset: "utf-8",
      });
    }
  });

  it("tolerates FATCHIP's zero padding plus PKCS#7 block", () => {
    const bytes = Buffer.from(B2_PLAIN);
    const zeroPadded = Buffer.concat([bytes, Buffer.alloc(16 - (bytes.length % 16))]);
    const cipher = createCipheriv("aes-128-cbc", AES_128_KEY, FIXED_IV());
    const body = Buffer.concat([cipher.update(zeroPadded), cipher.final()]);
    assert.equal(body.length, zeroPadded.length + 16);
    const data = `${Buffer.from(FIXED_IV()).toString("hex")}-${body.toString("hex")}`;
    const result = decryptData(data, 50, { blowfish: BLOWFISH_KEY, aes: AES_128_KEY });
    assert.ok(result.ok);
    assert.equal(result.plaintext, B2_PLAIN);
  });

  it("round-trips with fresh IVs and every key length", () => {
    fc.assert(
      fc.property(
        printable,
        fc.constantFrom(16, 24, 32),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (text, size, iv) => {
          fc.pre(text.length > 0);
          const aes = "k".repeat(size);
          const encrypted = encryptData(
            text,
            { blowfish: BLOWFISH_KEY, aes },
            { scheme: "aes", randomIv: () => iv },
          );
          const result = decryptData(encrypted.data, encrypted.len, { blowfish: BLOWFISH_KEY, aes });
          assert.ok(result.ok);
          assert.equal(result.plaintext, text);
        },
      ),
    );
  });

  it("refuses AES Data when the merchant has no (valid) AES key", () => {
    assert.deepEqual(decryptData(AES_256_DATA, 50, keys), { ok: false, failure: "scheme" });
    assert.deepEqual(decryptData(AES_256_DATA, 50, { blowfish: BLOWFISH_KEY, aes: "short" }), {
      ok: false,
      failure: "scheme",
    });
    assert.throws(
      () => encryptData("a=b", { blowfish: BLOWFISH_KEY, aes: "short" }, { scheme: "aes" }),
      RangeError,
    );
  });

  it("refuses malformed AES envelopes", () => {
    const aesKeys = { blowfish: BLOWFISH_KEY, aes: AES_256_KEY };
    for (const data of [
      "-",
      "00-00",
      `${AES_256_DATA.slice(0, 30)}-${AES_256_DATA.slice(33)}`,
      `${AES_256_DATA}0`,
    ]) {
      assert.deepEqual(decryptData(data, undefined, aesKeys), { ok: false, failure: "encoding" }, data);
    }
  });
});
