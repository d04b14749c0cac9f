import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type CharacterClass, checkFormat, codePointLength, parseFormat } from "./format.js";

const CLASSES: readonly CharacterClass[] = ["a", "n", "an", "as", "ns", "ans"];
const letter = fc.constantFrom(..."abcXYZäöüßé名前テスト");
const digit = fc.constantFrom(..."0123456789");
const special = fc.constantFrom(..." -_.:/*@#%+,;!?()[]{}'\"|~$");

function member(kind: "letter" | "digit" | "special") {
  return kind === "letter" ? letter : kind === "digit" ? digit : special;
}

const allowed: Readonly<Record<CharacterClass, ReadonlyArray<"letter" | "digit" | "special">>> = {
  a: ["letter"],
  n: ["digit"],
  an: ["letter", "digit"],
  as: ["letter", "special"],
  ns: ["digit", "special"],
  ans: ["letter", "digit", "special"],
};

describe("parseFormat", () => {
  it("reads every shape the seeds use", () => {
    assert.deepEqual(parseFormat("ans..30"), { kind: "text", characters: "ans", min: 0, max: 30 });
    assert.deepEqual(parseFormat("an32"), { kind: "text", characters: "an", min: 32, max: 32 });
    assert.deepEqual(parseFormat("a3"), { kind: "text", characters: "a", min: 3, max: 3 });
    assert.deepEqual(parseFormat("ans1"), { kind: "text", characters: "ans", min: 1, max: 1 });
    assert.deepEqual(parseFormat("ns..30"), { kind: "text", characters: "ns", min: 0, max: 30 });
    assert.deepEqual(parseFormat("as..1024"), { kind: "text", characters: "as", min: 0, max: 1024 });
    assert.deepEqual(parseFormat("ans.."), { kind: "text", characters: "ans", min: 0, max: undefined });
    assert.deepEqual(parseFormat("a"), { kind: "text", characters: "a", min: 0, max: undefined });
    assert.deepEqual(parseFormat("enum"), { kind: "enum" });
    assert.deepEqual(parseFormat("bool"), { kind: "bool" });
    assert.deepEqual(parseFormat("dttm"), { kind: "dttm" });
  });

  it("refuses notations that are not in the seeds' grammar", () => {
    for (const bad of ["", "x..3", "ans..3..4", "an0", "n..0", "ANS..30", "ans...30", "base64", " ans..3"]) {
      assert.throws(() => parseFormat(bad), SyntaxError, bad);
    }
  });

  it("round-trips generated notations", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLASSES),
        fc.integer({ min: 1, max: 5000 }),
        fc.boolean(),
        (c, n, fixed) => {
          const format = parseFormat(fixed ? `${c}${n}` : `${c}..${n}`);
          assert.deepEqual(format, { kind: "text", characters: c, min: fixed ? n : 0, max: n });
        },
      ),
    );
  });
});

describe("checkFormat", () => {
  it("accepts exactly the characters of each class", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLASSES),
        fc.constantFrom("letter" as const, "digit" as const, "special" as const),
        (characters, kind) => {
          const format = parseFormat(`${characters}..50`);
          fc.assert(
            fc.property(fc.array(member(kind), { minLength: 1, maxLength: 50 }), (chars) => {
              const verdict = checkFormat(format, chars.join(""));
              if (allowed[characters].includes(kind)) assert.equal(verdict, undefined);
              else assert.equal(verdict, "characters");
            }),
            { numRuns: 20 },
          );
        },
      ),
    );
  });

  it("refuses a single wrong character anywhere in an otherwise valid value", () => {
    fc.assert(
      fc.property(fc.array(digit, { maxLength: 9 }), fc.nat(9), letter, (digits, at, intruder) => {
        const value = [...digits];
        value.splice(Math.min(at, value.length), 0, intruder);
        assert.equal(checkFormat(parseFormat("n..10"), value.join("")), "characters");
      }),
    );
  });

  it("never allows control characters, not even in ans", () => {
    for (const control of ["\u0000", "\n", "\r", "\t", "\u007f"]) {
      assert.equal(checkFormat(parseFormat("ans.."), `a${control}b`), "characters");
    }
  });

  it("enforces maximum and fixed lengths in code points", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 60 }), (max, length) => {
        const value = "名".repeat(length);
        const upTo = checkFormat(parseFormat(`a..${max}`), value);
        assert.equal(upTo, length > max ? "tooLong" : undefined);
        const fixed = checkFormat(parseFormat(`a${max}`), value);
        assert.equal(fixed, length > max ? "tooLong" : length < max ? "tooShort" : undefined);
      }),
    );
  });

  it("counts a character outside the BMP once", () => {
    assert.equal(codePointLength("𝔘𝔫"), 2);
    assert.equal(checkFormat(parseFormat("a2"), "𝔘𝔫"), undefined);
  });

  it("has no upper bound for `ans..`", () => {
    assert.equal(checkFormat(parseFormat("ans.."), "x".repeat(100_000)), undefined);
  });

  it("checks bool and dttm", () => {
    assert.equal(checkFormat(parseFormat("bool"), "true"), undefined);
    assert.equal(checkFormat(parseFormat("bool"), "false"), undefined);
    assert.equal(checkFormat(parseFormat("bool"), "TRUE"), "invalid");
    assert.equal(checkFormat(parseFormat("dttm"), "2026-02-28T23:59:59"), undefined);
    assert.equal(checkFormat(parseFormat("dttm"), "2024-02-29T00:00:00"), undefined);
    assert.equal(checkFormat(parseFormat("dttm"), "2026-02-29T00:00:00"), "invalid");
    assert.equal(checkFormat(parseFormat("dttm"), "2026-13-01T00:00:00"), "invalid");
    assert.equal(checkFormat(parseFormat("dttm"), "2026-01-01T24:00:00"), "invalid");
    assert.equal(checkFormat(parseFormat("dttm"), "2026-01-01 10:00:00"), "invalid");
  });

  it("accepts any printable value for enum (the row lists the allowed values)", () => {
    assert.equal(checkFormat(parseFormat("enum"), "UpdateAuthorizeAmount"), undefined);
    assert.equal(checkFormat(parseFormat("enum"), "a\nb"), "characters");
  });
});
