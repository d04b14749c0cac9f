import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeAnswer } from "./answer.js";
import { buildRequest, readAnswer, type ShopCredentials } from "./client.js";
import { CODES, paygateCode } from "./codes.js";
import { decryptData } from "./crypto.js";
import { macMatches, requestMacInput } from "./mac.js";
import { readParameters } from "./parameters.js";
import {
  captureRequest,
  captureResponse,
  completionResult,
  reverseRequest,
  updateAmountRequest,
} from "./tables.js";

// Demo credentials of the Axepta test MID (reference §2.3).
const shop: ShopCredentials = {
  merchantId: "BNP_DEMO_AXEPTA",
  hmacKey: "4n!BmF3_?9oJ2Q*z(iD7q6[RSb5)a]A8",
  blowfishKey: "Tc5*2D_xs7B[6E?w",
};
const keys = { blowfish: shop.blowfishKey };
const PAY_ID = "5dd8384e42d340d092d51bb49eee46d5";
const XID = "b1de0f447c664d8898ef61aa6815b785";

/** What the gateway will do with a request: decrypt, read the table, check the MAC. */
function receive(fields: { MerchantID: string; Len: string; Data: string }) {
  const decrypted = decryptData(fields.Data, Number(fields.Len), keys);
  assert.ok(decrypted.ok);
  const read = readParameters(decrypted.plaintext, captureRequest);
  assert.ok(read.ok, JSON.stringify(!read.ok && read.refusals));
  const { values } = read;
  const input = requestMacInput({
    payId: values.PayID,
    transId: values.TransID,
    merchantId: values.MerchantID,
    amount: values.Amount,
    currency: values.Currency,
  });
  return { plaintext: decrypted.plaintext, values, macOk: macMatches(shop.hmacKey, values.MAC, input) };
}

describe("buildRequest", () => {
  it("writes MerchantID and the request MAC (vector H5) into Data, in the table's order", () => {
    const request = buildRequest(shop, captureRequest, {
      PayID: PAY_ID,
      TransID: "T1",
      Amount: 100,
      Currency: "EUR",
      ReqId: "C1",
    });
    assert.equal(
      request.plaintext,
      `MerchantID=BNP_DEMO_AXEPTA&PayID=${PAY_ID}&TransID=T1&Amount=100&Currency=EUR` +
        "&MAC=567C8CE905E2F388D916AF78FB0EF85FAE9B3EF14DD6E062B76D1E133BC50A14&ReqId=C1",
    );
    assert.equal(request.fields.MerchantID, "BNP_DEMO_AXEPTA");
    assert.equal(request.fields.Len, String(request.plaintext.length));
    assert.equal(request.body, new URLSearchParams(request.fields).toString());
    assert.equal(receive(request.fields).plaintext, request.plaintext);
  });

  it("signs reverse.aspx over PayID**MerchantID** when TransID and Amount are not sent", () => {
    const request = buildRequest(shop, reverseRequest, { PayID: PAY_ID, Reason: "Kunde hat storniert" });
    const mac = /MAC=([0-9A-F]{64})/.exec(request.plaintext)?.[1] as string;
    assert.ok(macMatches(shop.hmacKey, mac, `${PAY_ID}**BNP_DEMO_AXEPTA**`));
  });

  it("adds neither MerchantID nor MAC where the table has none (UpdateAuthorizeAmount)", () => {
    const request = buildRequest(shop, updateAmountRequest, {
      PayID: PAY_ID,
      EventToken: "UpdateAuthorizeAmount",
      Amount: 1500,
      Currency: "EUR",
      CountryCode: "EU",
    });
    assert.equal(
      request.plaintext,
      `PayID=${PAY_ID}&EventToken=UpdateAuthorizeAmount&Amount=1500&Currency=EUR&CountryCode=EU`,
    );
    assert.equal(request.fields.MerchantID, "BNP_DEMO_AXEPTA");
  });

  it("passes extra parameters after the table's and encrypts with AES when the shop uses it", () => {
    const aesShop = { ...shop, aesKey: "0123456789abcdef", scheme: "aes" as const };
    const request = buildRequest(
      aesShop,
      captureRequest,
      { PayID: PAY_ID, TransID: "T1", Amount: 100, Currency: "EUR" },
      { extra: [["Custom", "a=1|b=2"]], randomIv: () => new Uint8Array(16) },
    );
    assert.match(request.fields.Data, /^0{32}-[0-9a-f]+$/);
    assert.ok(request.plaintext.endsWith("&Custom=a=1|b=2"));
    const decrypted = decryptData(request.fields.Data, Number(request.fields.Len), {
      blowfish: shop.blowfishKey,
      aes: aesShop.aesKey,
    });
    assert.ok(decrypted.ok);
    assert.equal(decrypted.plaintext, request.plaintext);
  });

  it("round-trips through what the gateway reads, MAC included", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9\-_.]{1,64}$/),
        fc.integer({ min: 1, max: 9_999_999_999 }),
        fc.constantFrom("EUR", "GBP", "USD", "JPY"),
        fc.option(fc.stringMatching(/^[A-Za-z0-9 ]{1,30}$/), { nil: undefined }),
        (transId, amount, currency, refnr) => {
          const request = buildRequest(shop, captureRequest, {
            PayID: PAY_ID,
            TransID: transId,
            Amount: amount,
            Currency: currency,
            refnr,
          });
          const received = receive(request.fields);
          assert.ok(received.macOk);
          assert.equal(received.values.Amount, String(amount));
          assert.equal(received.values.TransID, transId);
          assert.equal(received.values.refnr, refnr);
        },
      ),
    );
  });
});

const captured = {
  mid: "BNP_DEMO_AXEPTA",
  PayID: PAY_ID,
  XID,
  TransID: "T1",
  Status: "OK",
  Description: "Operation successful",
  Code: "00000000",
  chargeid: "S02-1234567-1234567-C000001",
  AmazonStatus: "Completed",
  chargepermissionid: "S02-1234567-1234567",
  Amount: 100,
  Currency: "EUR",
  AmountAuth: 100,
  AmountCap: 100,
  AmountCred: 0,
};

describe("readAnswer", () => {
  it("reads an S2S answer (no MAC there, reference §2.2) and says whether it succeeded", () => {
    const { body } = encodeAnswer(keys, captureResponse, captured);
    assert.match(body, /^Len=\d+&Data=[0-9a-f]+$/);
    const answer = readAnswer(shop, captureResponse, body);
    assert.ok(answer.ok);
    assert.equal(answer.values.chargeid, captured.chargeid);
    assert.equal(answer.values.AmountCap, "100");
    assert.equal(answer.macVerified, false);
    assert.equal(answer.succeeded, true);
    assert.equal(answer.category, "success");
    assert.deepEqual(answer.deviations, []);
  });

  it("does not call a refusal a success", () => {
    const refused = paygateCode("ALREADY_CAPTURED");
    const { body } = encodeAnswer(keys, captureResponse, {
      ...captured,
      Status: "FAILED",
      Code: refused.code,
      Description: refused.description,
    });
    const answer = readAnswer(shop, captureResponse, body);
    assert.ok(answer.ok);
    assert.equal(answer.succeeded, false);
    assert.equal(answer.category, "error");
    assert.equal(answer.values.Description, refused.description);
  });

  const completion = {
    mid: "BNP_DEMO_AXEPTA",
    PayID: PAY_ID,
    XID,
    TransID: "T1",
    Status: "OK",
    Code: CODES.OK.code,
    AmountAuth: 100,
    AmountCap: 100,
    AmountCred: 0,
    buyerId: "amzn1.account.BUYER",
    buyerName: "Paul Smith",
    buyerEmail: "paul@example.com",
    buyerPhonenumber: "212555555",
    AmazonMerchantid: "A1B2C3",
    RTF: "OneTime",
    chargeid: "S02-1-1-C1",
    chargepermissionid: "S02-1-1",
    AmazonStatus: "Completed",
    AmazonpayRedirectUrl: "https://pay.example/redirect",
    AmazoncheckoutSessionid: "4e8f5bd6-1c2d-4f54-9c44-6e2b1d3f0a77",
    AddrStreet: "9999 First Avenue, Apartment 12, Building West Wing",
  };

  it("verifies the MAC of a browser return read from the redirect URL, Custom pairs in clear", () => {
    const { body } = encodeAnswer(keys, completionResult, completion, {
      hmacKey: shop.hmacKey,
      extra: [["UserData", "order-42"]],
      custom: "session=abc|lang=de",
    });
    const answer = readAnswer(shop, completionResult, new URL(`https://shop.example/success?${body}`));
    assert.ok(answer.ok);
    assert.equal(answer.macVerified, true);
    assert.equal(answer.succeeded, true);
    assert.equal(answer.extra.get("userdata"), "order-42");
    assert.deepEqual(
      [...answer.clear],
      [
        ["session", "abc"],
        ["lang", "de"],
      ],
    );
    // Amazon's street is longer than the seed's a..32: passed on, reported, not refused.
    assert.equal(answer.values.AddrStreet, completion.AddrStreet);
    assert.deepEqual(
      answer.deviations.map((d) => `${d.key}:${d.reason}`),
      ["AddrStreet:characters"],
    );
  });

  it("refuses a browser return without MAC, with a wrong MAC, or for another merchant", () => {
    const unsigned = encodeAnswer(keys, captureResponse, captured).body;
    assert.deepEqual(readAnswer(shop, completionResult, unsigned), { ok: false, failure: "mac" });
    const signed = encodeAnswer(keys, completionResult, completion, { hmacKey: "another key" }).body;
    assert.deepEqual(readAnswer(shop, completionResult, signed), { ok: false, failure: "mac" });
    const foreign = encodeAnswer(
      keys,
      completionResult,
      { ...completion, mid: "OTHER" },
      { hmacKey: shop.hmacKey },
    );
    assert.deepEqual(readAnswer(shop, completionResult, foreign.body), { ok: false, failure: "merchant" });
  });

  it("refuses answers without an envelope or with undecryptable Data", () => {
    assert.deepEqual(readAnswer(shop, captureResponse, "Code=00000000"), { ok: false, failure: "envelope" });
    assert.deepEqual(readAnswer(shop, captureResponse, "Len=x&Data=00"), { ok: false, failure: "envelope" });
    assert.deepEqual(readAnswer(shop, captureResponse, "Len=8&Data=zz"), { ok: false, failure: "decrypt" });
    const { body } = encodeAnswer({ blowfish: "not-the-shop-key" }, captureResponse, captured);
    const answer = readAnswer(shop, captureResponse, body);
    assert.ok(!answer.ok || answer.values.PayID !== PAY_ID);
  });

  it("insists on the MAC row's value being computed by the encoder", () => {
    assert.throws(() => encodeAnswer(keys, completionResult, completion), /hmacKey/);
  });
});
