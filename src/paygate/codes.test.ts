import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CODES,
  type CodeDefinition,
  type CodeName,
  categoryOf,
  PARAMETER_IDS,
  paygateCode,
  refusalCode,
} from "./codes.js";
import type { RefusalReason } from "./parameters.js";

const entries = Object.entries(CODES) as Array<[CodeName, CodeDefinition]>;

describe("code registry", () => {
  it("holds well-formed codes: 8 characters, or class+module for per-parameter codes", () => {
    for (const [name, definition] of entries) {
      const pattern = definition.perParameter ? /^[0-9A-Z]{4}$/ : /^[0-9A-Z]{8}$/;
      assert.match(definition.code, pattern, name);
      assert.ok(definition.message.length > 0, name);
      assert.equal(definition.message.includes("{parameter}"), definition.perParameter === true, name);
    }
  });

  it("emits 00000000 for success and nothing else with a leading 0", () => {
    const successes = entries.filter(([, d]) => d.code.startsWith("0"));
    assert.deepEqual(
      successes.map(([name]) => name),
      ["OK"],
    );
    assert.equal(CODES.OK.code, "00000000");
  });

  it("gives every code one meaning (the two named 016 codes are the family's MerchantID/PayID members)", () => {
    const fixed = entries.filter(([, d]) => !d.perParameter).map(([, d]) => d.code);
    assert.equal(new Set(fixed).size, fixed.length);
    const families = entries.filter(([, d]) => d.perParameter).map(([, d]) => d.code);
    assert.equal(new Set(families).size, families.length);
    assert.equal(CODES.MERCHANT_UNKNOWN.code, paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "MerchantID").code);
    assert.equal(CODES.PAYMENT_UNKNOWN.code, paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "PayID").code);
    for (const code of fixed) {
      if (code === CODES.MERCHANT_UNKNOWN.code || code === CODES.PAYMENT_UNKNOWN.code) continue;
      assert.ok(!families.includes(code.slice(0, 4)), `${code} collides with a per-parameter family`);
    }
  });

  it("uses the parameter modules 010–019 with class 4 for missing and 2 for malformed", () => {
    const parameterFamilies = entries.filter(([, d]) => d.perParameter).map(([, d]) => d.code);
    assert.deepEqual(parameterFamilies.map((c) => c.slice(1)).sort(), [
      "010",
      "011",
      "012",
      "013",
      "014",
      "015",
      "016",
      "017",
      "018",
      "019",
    ]);
    for (const code of parameterFamilies) {
      assert.equal(code[0], code.slice(1) === "010" || code.slice(1) === "015" ? "4" : "2", code);
    }
  });

  it("keeps HTTP statuses in line with the code class", () => {
    for (const [name] of entries) {
      const resolved = paygateCode(name, CODES[name].code.length === 4 ? "Amount" : undefined);
      if (resolved.category === "success") assert.equal(resolved.httpStatus, 200, name);
      else if (resolved.category === "pending") assert.equal(resolved.httpStatus, 202, name);
      else assert.ok(resolved.httpStatus >= 400, name);
    }
  });

  it("fills the affected parameter into code and description", () => {
    assert.deepEqual(paygateCode("PARAMETER_MISSING", "TransID"), {
      name: "PARAMETER_MISSING",
      code: "40100006",
      description: "Parameter TransID is missing",
      httpStatus: 400,
      category: "fatal",
    });
    assert.equal(paygateCode("PARAMETER_TOO_LONG", "sdStreet").code, "20140033");
    assert.equal(paygateCode("PARAMETER_FORMAT", "amount").code, "20110007");
    assert.throws(() => paygateCode("PARAMETER_MISSING"), RangeError);
    assert.throws(() => paygateCode("PARAMETER_MISSING", "NoSuchParameter"), RangeError);
    assert.equal(paygateCode("CREDIT_PENDING").category, "pending");
  });

  it("maps every refusal reason of parameters.ts to its module", () => {
    const expected: Readonly<Record<RefusalReason, string>> = {
      missing: "40100008",
      empty: "40150008",
      characters: "20110008",
      invalid: "20120008",
      tooShort: "20130008",
      tooLong: "20140008",
      notAllowed: "20160008",
      repeated: "20170008",
    };
    for (const [reason, code] of Object.entries(expected) as Array<[RefusalReason, string]>) {
      const refusal = { key: "Currency", reason, kind: "malformed" as const };
      const resolved = refusalCode(refusal);
      assert.equal(resolved.code, code, reason);
      assert.match(resolved.description, /Currency/);
    }
  });

  it("classifies any Paygate code by its first character", () => {
    assert.equal(categoryOf("00000000"), "success");
    assert.equal(categoryOf("22060203"), "error");
    assert.equal(categoryOf("2206014H"), "error");
    assert.equal(categoryOf("40100001"), "fatal");
    assert.equal(categoryOf("6A200001"), "pending");
    assert.equal(categoryOf("70000000"), "emv3ds");
    assert.equal(categoryOf("10000000"), undefined);
    assert.equal(categoryOf("0000000"), undefined);
    assert.equal(categoryOf("0000000a"), undefined);
  });

  it("numbers parameters with four characters each", () => {
    for (const [key, id] of Object.entries(PARAMETER_IDS)) {
      assert.match(id, /^[0-9A-Z]{4}$/, key);
      assert.equal(key, key.toLowerCase());
    }
  });
});
