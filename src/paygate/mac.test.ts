import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { computeMac, macMatches, requestMac, requestMacInput, responseMac, responseMacInput } from "./mac.js";

// Published demo HMAC key of the Axepta test MID BNP_DEMO_AXEPTA (reference §2.3).
const HMAC_KEY = "4n!BmF3_?9oJ2Q*z(iD7q6[RSb5)a]A8";
const PAY_ID = "5dd8384e42d340d092d51bb49eee46d5";

describe("MAC", () => {
  it("reproduces the reference's vectors H1–H5", () => {
    const vectors: ReadonlyArray<readonly [string, string]> = [
      ["*1*BNP_DEMO_AXEPTA*2000*EUR", "529c65ce765e684d42a29ca255ad99ae40b78715abc8ee958bfdbafd2597d30a"],
      ["*1*BNP_DEMO_AXEPTA*20*EUR", "FCCF8F2BEDC06E7C3C270B0D4DC4CEE9640E4B4A5577763C2E3CDDFC84913D56"],
      [
        "*TID-603512401222998545*BNP_DEMO_AXEPTA*20000*EUR",
        "5D32E54BC3628698E59B7A9830617AD9135AD3FAAC24FDC2D2ED6F554C40C719",
      ],
      [
        `${PAY_ID}*T1*BNP_DEMO_AXEPTA*OK*00000000`,
        "2B9ADBD7AADEF28B95E00CF8C7A893A04BAE3B4C68BDB67D441EBCC2C68B28C0",
      ],
      [
        `${PAY_ID}*T1*BNP_DEMO_AXEPTA*100*EUR`,
        "567C8CE905E2F388D916AF78FB0EF85FAE9B3EF14DD6E062B76D1E133BC50A14",
      ],
    ];
    for (const [input, expected] of vectors) {
      assert.equal(computeMac(HMAC_KEY, input), expected.toUpperCase(), input);
      assert.ok(macMatches(HMAC_KEY, expected, input));
      assert.ok(macMatches(HMAC_KEY, expected.toLowerCase(), input));
    }
  });

  it("builds the request input with empty fields keeping their separators", () => {
    assert.equal(
      requestMacInput({ transId: "1", merchantId: "BNP_DEMO_AXEPTA", amount: 2000, currency: "EUR" }),
      "*1*BNP_DEMO_AXEPTA*2000*EUR",
    );
    assert.equal(requestMacInput({ payId: "PAYID", transId: "T1", merchantId: "MID" }), "PAYID*T1*MID**");
    assert.equal(requestMacInput({ payId: "PAYID", merchantId: "MID" }), "PAYID**MID**");
    assert.equal(
      requestMac(HMAC_KEY, {
        payId: PAY_ID,
        transId: "T1",
        merchantId: "BNP_DEMO_AXEPTA",
        amount: "100",
        currency: "EUR",
      }),
      "567C8CE905E2F388D916AF78FB0EF85FAE9B3EF14DD6E062B76D1E133BC50A14",
    );
  });

  it("builds the response/notify input from mid, Status and Code", () => {
    const fields = { payId: PAY_ID, transId: "T1", mid: "BNP_DEMO_AXEPTA", status: "OK", code: "00000000" };
    assert.equal(responseMacInput(fields), `${PAY_ID}*T1*BNP_DEMO_AXEPTA*OK*00000000`);
    assert.equal(
      responseMac(HMAC_KEY, fields),
      "2B9ADBD7AADEF28B95E00CF8C7A893A04BAE3B4C68BDB67D441EBCC2C68B28C0",
    );
    assert.equal(
      responseMacInput({ ...fields, transId: undefined }),
      `${PAY_ID}**BNP_DEMO_AXEPTA*OK*00000000`,
    );
  });

  it("accepts any of several candidate inputs (reverse with or without TransID/Amount/Currency)", () => {
    const full = requestMacInput({
      payId: PAY_ID,
      transId: "T1",
      merchantId: "M",
      amount: 100,
      currency: "EUR",
    });
    const bare = requestMacInput({ payId: PAY_ID, merchantId: "M" });
    assert.ok(macMatches(HMAC_KEY, computeMac(HMAC_KEY, bare), full, bare));
    assert.ok(macMatches(HMAC_KEY, computeMac(HMAC_KEY, full), full, bare));
    assert.ok(!macMatches(HMAC_KEY, computeMac(HMAC_KEY, "other"), full, bare));
  });

  it("refuses malformed, truncated and wrong MACs", () => {
    const input = "*1*BNP_DEMO_AXEPTA*2000*EUR";
    const good = computeMac(HMAC_KEY, input);
    for (const bad of ["", good.slice(1), `${good}0`, `${good.slice(0, 63)}G`, ` ${good.slice(1)}`]) {
      assert.ok(!macMatches(HMAC_KEY, bad, input), bad);
    }
    assert.ok(!macMatches("another key", good, input));
    assert.ok(!macMatches(HMAC_KEY, good));
  });

  it("detects any single changed field", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 12 }).filter((s) => !s.includes("*")),
          { minLength: 5, maxLength: 5 },
        ),
        fc.nat(4),
        fc.string({ minLength: 1, maxLength: 3 }).filter((s) => !s.includes("*")),
        (fields, index, suffix) => {
          const input = fields.join("*");
          const changed = fields.map((f, i) => (i === index ? f + suffix : f)).join("*");
          assert.ok(macMatches(HMAC_KEY, computeMac(HMAC_KEY, input), input));
          assert.ok(!macMatches(HMAC_KEY, computeMac(HMAC_KEY, input), changed));
        },
      ),
    );
  });
});
