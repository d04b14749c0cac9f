import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { cp1252CodePoint, decodeCp1252, encodeCp1252, isCp1252Encodable, toCp1252Text } from "./cp1252.js";

// The Windows-1252 table as Microsoft publishes it (bestfit1252.txt), written out independently of
// the implementation: every byte and its code point, the five undefined bytes as -1.
const EXPECTED_HIGH = [
  0x20ac, -1, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, -1,
  0x017d, -1, -1, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, -1, 0x017e, 0x0178,
];

test("all 256 bytes map to their Windows-1252 code point and back", () => {
  for (let byte = 0; byte < 256; byte += 1) {
    const expected = byte >= 0x80 && byte <= 0x9f ? (EXPECTED_HIGH[byte - 0x80] as number) : byte;
    const actual = cp1252CodePoint(byte);
    if (expected === -1) {
      assert.equal(actual, undefined, `byte 0x${byte.toString(16)} is undefined`);
      assert.equal(decodeCp1252(Uint8Array.of(byte)), undefined);
      continue;
    }
    assert.equal(actual, expected, `byte 0x${byte.toString(16)}`);
    const char = String.fromCodePoint(expected);
    assert.deepEqual([...encodeCp1252(char)], [byte], `encode U+${expected.toString(16)}`);
    assert.equal(decodeCp1252(Uint8Array.of(byte)), char);
  }
});

test("€, German quotes, dashes and umlauts get their single bytes", () => {
  assert.deepEqual(
    [...encodeCp1252("€„“–…äöüÄÖÜß")],
    [0x80, 0x84, 0x93, 0x96, 0x85, 0xe4, 0xf6, 0xfc, 0xc4, 0xd6, 0xdc, 0xdf],
  );
});

test("characters outside Windows-1252 become their base letter or ?, never vanish", () => {
  assert.equal(toCp1252Text("Ștefan Łódź 😀 Grüße €"), "Stefan ?ódz ? Grüße €");
  assert.throws(() => encodeCp1252("Ł"), /no Windows-1252 byte/);
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (text) => {
      const safe = toCp1252Text(text);
      assert.ok(isCp1252Encodable(safe));
      assert.equal(decodeCp1252(encodeCp1252(safe)), safe);
    }),
    { numRuns: 300 },
  );
});
