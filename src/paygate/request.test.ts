import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { buildRequest, type ShopCredentials } from "./client.js";
import { encryptData } from "./crypto.js";
import { computeMac } from "./mac.js";
import { checkRequestMac, type Envelope, openRequest, readEnvelope } from "./request.js";
import { captureRequest, generalRequest, reverseRequest, updateAmountRequest } from "./tables.js";

const shop: ShopCredentials = {
  merchantId: "BNP_DEMO_AXEPTA",
  hmacKey: "4n!BmF3_?9oJ2Q*z(iD7q6[RSb5)a]A8",
  blowfishKey: "Tc5*2D_xs7B[6E?w",
};
const keys = { blowfish: shop.blowfishKey };
const PAY_ID = "5dd8384e42d340d092d51bb49eee46d5";

function envelopeOf(body: string): Envelope {
  const read = readEnvelope(new URLSearchParams(body));
  assert.ok(read.ok);
  return read.envelope;
}

function sealed(plaintext: string): Envelope {
  const { data, len } = encryptData(plaintext, keys);
  return { merchantId: shop.merchantId, len, data };
}

describe("gateway request steps", () => {
  it("read the envelope with keys in any case", () => {
    const read = readEnvelope(new URLSearchParams("merchantID=M1&LEN=50&data=00ff"));
    assert.deepEqual(read, { ok: true, envelope: { merchantId: "M1", len: 50, data: "00ff" } });
  });

  it("refuse a missing, empty or malformed envelope field with its parameter code", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["Len=50&Data=00", "40100001"],
      ["MerchantID=M1&Data=00", "40100002"],
      ["MerchantID=M1&Len=50", "40100003"],
      ["MerchantID=&Len=50&Data=00", "40150001"],
      ["MerchantID=M1&Len=-5&Data=00", "20110002"],
    ];
    for (const [body, code] of cases) {
      const read = readEnvelope(new URLSearchParams(body));
      assert.ok(!read.ok);
      assert.equal(read.code.code, code, body);
    }
  });

  it("open a capture built by the shop client and accept its MAC", () => {
    const request = buildRequest(shop, captureRequest, {
      PayID: PAY_ID,
      TransID: "T1",
      Amount: 100,
      Currency: "EUR",
    });
    const opened = openRequest(envelopeOf(request.body), keys, captureRequest, generalRequest);
    assert.ok(opened.ok);
    assert.equal(opened.values.Amount, "100");
    assert.equal(opened.scheme, "blowfish");
    assert.equal(
      checkRequestMac(shop.hmacKey, shop.merchantId, opened, captureRequest, { required: true }),
      undefined,
    );
  });

  it("answer undecryptable Data and a wrong Len with the cryptography codes", () => {
    const garbage = openRequest({ merchantId: shop.merchantId, len: 8, data: "zz" }, keys, captureRequest);
    assert.ok(!garbage.ok);
    assert.equal(garbage.code.code, "20010003");
    const { data } = encryptData("MerchantID=BNP_DEMO_AXEPTA", keys);
    const wrongLen = openRequest({ merchantId: shop.merchantId, len: 3, data }, keys, captureRequest);
    assert.ok(!wrongLen.ok);
    assert.equal(wrongLen.code.code, "20010002");
  });

  it("answer the first refused parameter with its code and a Description naming it", () => {
    const opened = openRequest(
      sealed(`MerchantID=BNP_DEMO_AXEPTA&PayID=${PAY_ID}&Amount=1x`),
      keys,
      captureRequest,
    );
    assert.ok(!opened.ok);
    assert.equal(opened.code.code, "40100006");
    assert.equal(opened.code.description, "Parameter TransID is missing");
  });

  it("refuse Data whose MerchantID differs from the clear one", () => {
    const request = buildRequest(shop, captureRequest, {
      PayID: PAY_ID,
      TransID: "T1",
      Amount: 100,
      Currency: "EUR",
    });
    const opened = openRequest({ ...envelopeOf(request.body), merchantId: "OTHER" }, keys, captureRequest);
    assert.ok(!opened.ok);
    assert.equal(opened.code.code, "20120001");
  });

  it("refuse a wrong, missing or tampered MAC", () => {
    const request = buildRequest(shop, captureRequest, {
      PayID: PAY_ID,
      TransID: "T1",
      Amount: 100,
      Currency: "EUR",
    });
    const tampered = sealed(request.plaintext.replace("Amount=100", "Amount=999"));
    const opened = openRequest(tampered, keys, captureRequest);
    assert.ok(opened.ok);
    assert.equal(
      checkRequestMac(shop.hmacKey, shop.merchantId, opened, captureRequest, { required: true })?.code,
      "20010004",
    );
    assert.equal(
      checkRequestMac(
        "wrong key",
        shop.merchantId,
        openRequest(envelopeOf(request.body), keys, captureRequest) as never,
        captureRequest,
        {
          required: true,
        },
      )?.code,
      "20010004",
    );
    const withoutMac = sealed(
      `PayID=${PAY_ID}&EventToken=UpdateAuthorizeAmount&Amount=1&Currency=EUR&CountryCode=EU`,
    );
    const update = openRequest(withoutMac, keys, updateAmountRequest);
    assert.ok(update.ok);
    assert.equal(
      checkRequestMac(shop.hmacKey, shop.merchantId, update, updateAmountRequest, { required: false }),
      undefined,
    );
    assert.equal(
      checkRequestMac(shop.hmacKey, shop.merchantId, update, updateAmountRequest, { required: true })?.code,
      "40100004",
    );
  });

  it("accept reverse.aspx signed with or without TransID/Amount/Currency", () => {
    const short = computeMac(shop.hmacKey, `${PAY_ID}**BNP_DEMO_AXEPTA**`);
    const full = computeMac(shop.hmacKey, `${PAY_ID}*T1*BNP_DEMO_AXEPTA*100*EUR`);
    for (const mac of [short, full, full.toLowerCase()]) {
      const opened = openRequest(
        sealed(`MerchantID=BNP_DEMO_AXEPTA&PayID=${PAY_ID}&TransID=T1&Amount=100&Currency=EUR&MAC=${mac}`),
        keys,
        reverseRequest,
      );
      assert.ok(opened.ok);
      assert.equal(
        checkRequestMac(shop.hmacKey, shop.merchantId, opened, reverseRequest, { required: true }),
        undefined,
      );
    }
  });

  it("refuse any envelope or Data from outside with a code, never a throw (property)", () => {
    const field = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.stringMatching(/^[0-9a-fA-F-]{0,96}$/),
      fc.constant("\u0000"),
    );
    fc.assert(
      fc.property(field, field, field, (merchantId, len, data) => {
        const read = readEnvelope(
          new URLSearchParams([
            ["MerchantID", merchantId],
            ["Len", len],
            ["Data", data],
          ]),
        );
        if (!read.ok) return /^\d{8}$/.test(read.code.code);
        const opened = openRequest(read.envelope, keys, captureRequest, generalRequest);
        return opened.ok || /^\d{8}$/.test(opened.code.code);
      }),
      { numRuns: 2_000 },
    );
  });

  it("never accept a capture whose Data was altered in transit: refused, or its MAC fails (property)", () => {
    const request = buildRequest(shop, captureRequest, {
      PayID: PAY_ID,
      TransID: "T1",
      Amount: 100,
      Currency: "EUR",
    });
    const { len, data } = envelopeOf(request.body);
    fc.assert(
      fc.property(fc.nat(data.length - 1), fc.constantFrom(..."0123456789ABCDEF"), (at, digit) => {
        fc.pre(data[at]?.toUpperCase() !== digit);
        const altered = `${data.slice(0, at)}${digit}${data.slice(at + 1)}`;
        const opened = openRequest(
          { merchantId: shop.merchantId, len, data: altered },
          keys,
          captureRequest,
          generalRequest,
        );
        if (!opened.ok) return true;
        const macRefusal = checkRequestMac(shop.hmacKey, shop.merchantId, opened, captureRequest, {
          required: true,
        });
        const unchanged =
          opened.values.Amount === "100" && opened.values.PayID === PAY_ID && opened.values.TransID === "T1";
        return macRefusal !== undefined || unchanged;
      }),
      { numRuns: 2_000 },
    );
  });
});
