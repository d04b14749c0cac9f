import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeAnswer, FILLER_KEY, withFiller } from "./answer.js";
import { decryptData } from "./crypto.js";
import { parseData } from "./parameters.js";
import { refusalAnswer } from "./tables.js";

const printable = fc.string({ unit: "grapheme", maxLength: 200 }).map((s) => s.replace(/[\p{Cc}&=]/gu, ""));

describe("withFiller", () => {
  it("fills whole 8-byte blocks, and a Len-bytes cut keeps every real pair and the filler's =", () => {
    fc.assert(
      fc.property(printable, (value) => {
        const plaintext = `mid=M&Name=${value}&MAC=ABC`;
        const sealed = withFiller(plaintext);
        const bytes = Buffer.from(sealed);
        assert.equal(bytes.length % 8, 0);
        assert.ok(sealed.startsWith(plaintext));
        // A reader that takes Len (characters) bytes of the UTF-8 text:
        const cut = bytes.subarray(0, [...sealed].length).toString("utf8");
        assert.ok(cut.startsWith(`${plaintext}&${FILLER_KEY}=`) || cut === plaintext, cut);
      }),
    );
  });

  it("adds nothing to ASCII text that already fills its blocks", () => {
    assert.equal(withFiller("mid=M&a=12345678"), "mid=M&a=12345678");
    assert.equal(withFiller("mid=M&a=123"), "mid=M&a=123&Filler=xxxxx");
  });

  it("encodeAnswer seals Blowfish answers (no padding left to strip) but not AES ones", () => {
    const keys = { blowfish: "0123456789abcdef", aes: "0123456789abcdef" };
    const values = { mid: "M", Status: "FAILED", Code: "20010003", Description: "Straße €" };
    const blowfish = encodeAnswer(keys, refusalAnswer, values);
    const data = new URLSearchParams(blowfish.body).get("Data") as string;
    assert.equal(Buffer.byteLength(blowfish.plaintext), data.length / 2, "no padding bytes");
    const read = decryptData(data, Number(new URLSearchParams(blowfish.body).get("Len")), keys);
    assert.ok(read.ok);
    assert.equal(parseData(read.plaintext).pairs.get("description")?.value, "Straße €");
    const aes = encodeAnswer(keys, refusalAnswer, values, { scheme: "aes" });
    assert.ok(!aes.plaintext.includes(FILLER_KEY));
  });
});
