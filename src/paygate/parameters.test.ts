import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type Format, parseFormat } from "./format.js";
import { buildParameters, parseData, readParameters } from "./parameters.js";
import {
  apbAddressEu,
  captureRequest,
  generalRequest,
  initRequest,
  PARAMETER_TABLES,
  type ParameterRow,
  type ParameterTable,
  reverseRequest,
  updateAmountRequest,
} from "./tables.js";

const PAY_ID = "5dd8384e42d340d092d51bb49eee46d5";
const MAC = "567C8CE905E2F388D916AF78FB0EF85FAE9B3EF14DD6E062B76D1E133BC50A14";
const CAPTURE = `MerchantID=Shop1&PayID=${PAY_ID}&TransID=T1&Amount=100&Currency=EUR&MAC=${MAC}`;

describe("parseData", () => {
  it("splits on & and on the first = only", () => {
    const { pairs } = parseData("addressRestriction=eyJ0eXBlIjoiQWxsb3dlZCJ9==&a=b=c&flag&&x=");
    assert.equal(pairs.get("addressrestriction")?.value, "eyJ0eXBlIjoiQWxsb3dlZCJ9==");
    assert.equal(pairs.get("a")?.value, "b=c");
    assert.equal(pairs.get("flag")?.value, "");
    assert.equal(pairs.get("x")?.value, "");
    assert.equal(pairs.size, 4);
  });

  it("keeps values raw (no URL-decoding, reference §1.3)", () => {
    const { pairs } = parseData("Name=%E5%90%8D+x&URLSuccess=https://shop.example/ok?");
    assert.equal(pairs.get("name")?.value, "%E5%90%8D+x");
    assert.equal(pairs.get("urlsuccess")?.value, "https://shop.example/ok?");
  });

  it("remembers keys that come twice, in any case, and keeps the first", () => {
    const { pairs, repeated } = parseData("Amount=100&amount=1");
    assert.equal(pairs.get("amount")?.value, "100");
    assert.deepEqual([...repeated], ["amount"]);
  });
});

describe("readParameters", () => {
  it("returns the values under the seed's spelling whatever case the shop used", () => {
    const result = readParameters(
      `merchantid=Shop1&payID=${PAY_ID}&transId=T1&AMOUNT=100&currency=EUR&mac=${MAC}&RefNr=R-1&Foo=bar`,
      captureRequest,
    );
    assert.ok(result.ok);
    assert.equal(result.values.MerchantID, "Shop1");
    assert.equal(result.values.PayID, PAY_ID);
    assert.equal(result.values.Amount, "100");
    assert.equal(result.values.refnr, "R-1");
    assert.equal(result.values.ChDesc, undefined);
    assert.deepEqual([...result.extra], [["foo", "bar"]]);
  });

  it("treats an empty optional value as absent", () => {
    const result = readParameters(`${CAPTURE}&refnr=&ReqId=`, captureRequest);
    assert.ok(result.ok);
    assert.equal(result.values.refnr, undefined);
    assert.equal("refnr" in result.values, false);
  });

  const refusalCases: ReadonlyArray<readonly [string, string, string, string, "missing" | "malformed"]> = [
    ["missing", CAPTURE.replace("&TransID=T1", ""), "TransID", "missing", "missing"],
    ["empty", CAPTURE.replace("TransID=T1", "TransID="), "TransID", "empty", "missing"],
    [
      "wrong charset (letter in n..10)",
      CAPTURE.replace("Amount=100", "Amount=10O"),
      "Amount",
      "characters",
      "malformed",
    ],
    [
      "wrong charset (negative)",
      CAPTURE.replace("Amount=100", "Amount=-100"),
      "Amount",
      "characters",
      "malformed",
    ],
    [
      "wrong charset (digit in a3)",
      CAPTURE.replace("Currency=EUR", "Currency=EU1"),
      "Currency",
      "characters",
      "malformed",
    ],
    [
      "wrong charset (dash in an32)",
      CAPTURE.replace(PAY_ID, `${PAY_ID.slice(0, 31)}-`),
      "PayID",
      "characters",
      "malformed",
    ],
    [
      "too long",
      CAPTURE.replace("TransID=T1", `TransID=${"T".repeat(65)}`),
      "TransID",
      "tooLong",
      "malformed",
    ],
    [
      "too long (n..10)",
      CAPTURE.replace("Amount=100", "Amount=12345678901"),
      "Amount",
      "tooLong",
      "malformed",
    ],
    ["too short (an32)", CAPTURE.replace(PAY_ID, PAY_ID.slice(1)), "PayID", "tooShort", "malformed"],
    ["too short (a3)", CAPTURE.replace("Currency=EUR", "Currency=EU"), "Currency", "tooShort", "malformed"],
    ["given twice", `${CAPTURE}&amount=100`, "Amount", "repeated", "malformed"],
    [
      "control character",
      CAPTURE.replace("TransID=T1", "TransID=T\n1"),
      "TransID",
      "characters",
      "malformed",
    ],
  ];
  for (const [name, data, key, reason, kind] of refusalCases) {
    it(`refuses a parameter that is ${name}`, () => {
      assert.deepEqual(readParameters(data, captureRequest), {
        ok: false,
        refusals: [{ key, reason, kind }],
      });
    });
  }

  it("refuses a value outside the seed's list", () => {
    const data = `PayID=${PAY_ID}&EventToken=UpdateAmount&Amount=100&Currency=EUR&CountryCode=DE`;
    const result = readParameters(data, updateAmountRequest);
    assert.deepEqual(result, {
      ok: false,
      refusals: [
        { key: "EventToken", reason: "notAllowed", kind: "malformed" },
        { key: "CountryCode", reason: "notAllowed", kind: "malformed" },
      ],
    });
  });

  it("reports every refusal, in table order", () => {
    const result = readParameters("Amount=x&Currency=EURO", captureRequest);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.refusals.map((r) => `${r.key}:${r.reason}`),
      [
        "MerchantID:missing",
        "PayID:missing",
        "TransID:missing",
        "Amount:characters",
        "Currency:tooLong",
        "MAC:missing",
      ],
    );
  });

  it("accepts what the seed's own examples send where the printed format would refuse it", () => {
    // Seed 001's US example address; sdStreet is printed a..180, the example has digits.
    const data =
      "Name=Paul Smith&sdStreet=9999 First Avenue&sdCity=New York&sdState=NY&SDZipcode=10016&sdCountryCode=US&sdPhone=212555555";
    assert.ok(readParameters(data, apbAddressEu).ok);
  });

  it("merges tables and checks a key shared by two of them once", () => {
    const init =
      "MerchantID=Shop1&TransID=T1&MAC=" +
      MAC +
      "&CountryCode=EU&Amount=100&Currency=EUR&URLSuccess=https://s/ok&URLFailure=https://s/f&URLNotify=https://s/n" +
      "&URLCancel=https://s/c&ShopUrl=https://s/review&ReqId=R1&UserData=abc&Response=encrypt";
    const result = readParameters(init, initRequest, generalRequest);
    assert.ok(result.ok);
    assert.equal(result.values.ReqId, "R1");
    assert.equal(result.values.Response, "encrypt");
  });

  it("lets reverse.aspx through without TransID and Amount (seed 004 does not list them)", () => {
    assert.ok(readParameters(`MerchantID=Shop1&PayID=${PAY_ID}&MAC=${MAC}`, reverseRequest).ok);
  });
});

describe("buildParameters", () => {
  it("writes the table's order and spelling and omits unset optional values", () => {
    const built = buildParameters(
      captureRequest,
      {
        Currency: "EUR",
        MAC,
        Amount: 100,
        TransID: "T1",
        PayID: PAY_ID,
        MerchantID: "Shop1",
        refnr: undefined,
      },
      [["UserData", "u1"]],
    );
    assert.equal(built, `${CAPTURE}&UserData=u1`);
  });

  it("refuses to drop a mandatory value or to send a value that would split on the wire", () => {
    assert.throws(() => buildParameters(captureRequest, { MerchantID: "x" } as never), /TransID|PayID/);
    assert.throws(
      () =>
        buildParameters(captureRequest, {
          MerchantID: "a&b",
          PayID: PAY_ID,
          TransID: "T",
          Amount: 1,
          Currency: "EUR",
          MAC,
        }),
      /cannot be sent/,
    );
  });
});

// Values that fit a row: generated from the row's enforced format.
const letters = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüÄÖÜß名前"];
const digits = [..."0123456789"];
const specials = [..." -_.:/*@%+,;!?()'=|~"]; // `=` inside values is legal: split on the first one

function valueFor(row: ParameterRow): fc.Arbitrary<string> {
  if (row.values !== undefined) return fc.constantFrom(...row.values);
  const format: Format = parseFormat(row.accept ?? row.format);
  if (format.kind === "bool") return fc.constantFrom("true", "false");
  if (format.kind !== "text") return fc.constant("x");
  const pool = [
    ...(format.characters.includes("a") ? letters : []),
    ...(format.characters.includes("n") ? digits : []),
    ...(format.characters.includes("s") ? specials : []),
  ];
  return fc
    .array(fc.constantFrom(...pool), {
      minLength: Math.max(1, format.min),
      maxLength: Math.min(format.max ?? 80, 80),
    })
    .map((chars) => chars.join(""));
}

function valuesFor(table: ParameterTable): fc.Arbitrary<Record<string, string | undefined>> {
  const seen = new Set<string>();
  const entries: Array<[string, fc.Arbitrary<string | undefined>]> = [];
  for (const row of table.rows) {
    if (seen.has(row.key.toLowerCase())) continue;
    seen.add(row.key.toLowerCase());
    entries.push([
      row.key,
      row.presence === "M" ? valueFor(row) : fc.option(valueFor(row), { nil: undefined }),
    ]);
  }
  return fc.record(Object.fromEntries(entries));
}

const shuffleCase = (key: string, flips: readonly boolean[]) =>
  [...key].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join("");

describe("build and read", () => {
  for (const table of PARAMETER_TABLES) {
    it(`round-trip ${table.id}, whatever the case of the keys`, () => {
      fc.assert(
        fc.property(
          valuesFor(table),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
          (values, flips) => {
            const built = buildParameters(table, values as never);
            const recased = built
              .split("&")
              .map((pair) => {
                const at = pair.indexOf("=");
                return shuffleCase(pair.slice(0, at), flips) + pair.slice(at);
              })
              .join("&");
            const result = readParameters(recased, table);
            assert.ok(result.ok, JSON.stringify(!result.ok && result.refusals));
            const expected = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
            assert.deepEqual({ ...result.values }, expected);
          },
        ),
        { numRuns: 50 },
      );
    });
  }
});
