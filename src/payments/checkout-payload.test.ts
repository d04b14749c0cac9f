import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildCheckoutPayload,
  parseAddressRestriction,
  parseScopes,
  payloadJson,
} from "./checkout-payload.js";

/** Seed 004's own example (base64 of JSON with spaces and blank lines). */
const SEED_RESTRICTION =
  "eyAidHlwZSI6ICJBbGxvd2VkIiwgInJlc3RyaWN0aW9ucyI6IHsgIlVTIjoKCnsgInN0YXRlc09yUmVnaW9ucyI6IFsiV0EiXSwgInppcENvZGVzIjogWyI5NTA1MCIsICI5MzQwNSJdIH0KCiwgIkdCIjoKCnsgInppcENvZGVzIjogWyI3MjA0NiIsICI3MjA0NyJdIH0KCiwgIklOIjoKCnsgInN0YXRlc09yUmVnaW9ucyI6IFsiQVAiXSB9CgosICJKUCI6IHt9IH0gfQ==";

const returns = {
  review: "https://kasse.example/amazonAPAReview.aspx?PayID=p",
  result: "https://kasse.example/amazonAPAResult.aspx?PayID=p",
  cancel: "https://kasse.example/amazonAPACancel.aspx?PayID=p",
};

describe("checkout payload", () => {
  it("reads the seed's addressRestriction example into deliverySpecifications", () => {
    assert.deepEqual(parseAddressRestriction(SEED_RESTRICTION), {
      addressRestrictions: {
        type: "Allowed",
        restrictions: {
          US: { statesOrRegions: ["WA"], zipCodes: ["95050", "93405"] },
          GB: { zipCodes: ["72046", "72047"] },
          IN: { statesOrRegions: ["AP"] },
          JP: {},
        },
      },
    });
  });

  it("refuses restrictions that are not base64 JSON of the documented shape", () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");
    assert.equal(parseAddressRestriction("not base64!"), undefined);
    assert.equal(parseAddressRestriction(encode({ type: "Allowed" })), undefined);
    assert.equal(parseAddressRestriction(encode({ type: "Some", restrictions: {} })), undefined);
    assert.equal(parseAddressRestriction(encode({ type: "Allowed", restrictions: { de: {} } })), undefined);
    assert.equal(
      parseAddressRestriction(encode({ type: "Allowed", restrictions: { DE: { zipCodes: [1] } } })),
      undefined,
    );
    assert.deepEqual(parseAddressRestriction(encode({ type: "NotAllowed", restriction: { DE: {} } })), {
      addressRestrictions: { type: "NotAllowed", restrictions: { DE: {} } },
    });
  });

  it("reads Scope lists with any of the usual separators, refuses unknown scopes", () => {
    assert.deepEqual(parseScopes("name email"), ["name", "email"]);
    assert.deepEqual(parseScopes("name,phoneNumber;billingAddress|email"), [
      "name",
      "phoneNumber",
      "billingAddress",
      "email",
    ]);
    assert.deepEqual(parseScopes("NAME name"), ["name"]);
    assert.equal(parseScopes("name shippingAddress"), undefined);
  });

  it("builds the standard and the APB payload; JPY without decimals; no literal &", () => {
    const base = {
      storeId: "amzn1.application-oa2-client.x",
      intent: "Authorize" as const,
      amount: 1500,
      currency: "JPY",
      softDescriptor: "Shop",
      merchantReferenceId: "T1",
      noteToBuyer: "Tea & cake",
      returns,
    };
    const standard = buildCheckoutPayload({ ...base, processOrder: false });
    assert.deepEqual(standard.webCheckoutDetails, {
      checkoutReviewReturnUrl: returns.review,
      checkoutCancelUrl: returns.cancel,
    });
    assert.deepEqual(standard.paymentDetails?.chargeAmount, { amount: "1500", currencyCode: "JPY" });
    assert.equal(standard.paymentDetails?.softDescriptor, undefined, "only with AuthorizeWithCapture");
    const json = payloadJson(standard);
    assert.equal(json.includes("&"), false);
    assert.equal(JSON.parse(json).merchantMetadata.noteToBuyer, "Tea & cake");
    const apb = buildCheckoutPayload({ ...base, intent: "AuthorizeWithCapture", processOrder: true });
    assert.deepEqual(apb.webCheckoutDetails, {
      checkoutMode: "ProcessOrder",
      checkoutResultReturnUrl: returns.result,
      checkoutCancelUrl: returns.cancel,
    });
    assert.equal(apb.paymentDetails?.softDescriptor, "Shop");
  });
});
