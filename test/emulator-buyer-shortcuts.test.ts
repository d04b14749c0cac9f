/**
 * The admin shortcuts of CONTRACT.md over real HTTPS against the real emulator, with the
 * outcome of each sandbox card read back through the signed REST API (reference §9, §11).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AmazonPayClient, AmazonPayError } from "../src/amazon/index.js";
import type { Charge, ChargePermission, CheckoutSession } from "../src/amazon/wire.js";
import { type EmulatorUnderTest, startEmulatorUnderTest } from "../src/emulator/buyer/test-support.js";

const SHOP = "https://shop.example";

function payload(storeId: string, overrides: Record<string, unknown> = {}) {
  return {
    webCheckoutDetails: {
      checkoutReviewReturnUrl: `${SHOP}/review`,
      checkoutResultReturnUrl: `${SHOP}/result`,
      checkoutCancelUrl: `${SHOP}/cart`,
    },
    storeId,
    paymentDetails: {
      paymentIntent: "Authorize",
      canHandlePendingAuthorization: true,
      chargeAmount: { amount: "14.00", currencyCode: "EUR" },
    },
    merchantMetadata: { merchantReferenceId: "order-1", merchantStoreName: "Testladen" },
    ...overrides,
  };
}

describe("emulator buyer shortcuts over HTTPS", () => {
  let emulator: EmulatorUnderTest;
  let amazon: AmazonPayClient;

  before(async () => {
    emulator = await startEmulatorUnderTest();
    amazon = emulator.client;
  });
  after(async () => {
    await emulator?.close();
  });

  function signedButton(body: unknown) {
    const payloadJSON = JSON.stringify(body);
    return {
      payloadJSON,
      signature: amazon.signButtonPayload(payloadJSON),
      publicKeyId: emulator.merchant.publicKeyId,
      algorithm: "AMZN-PAY-RSASSA-PSS-V2",
    };
  }

  async function session(id: string): Promise<CheckoutSession> {
    return (await amazon.getCheckoutSession(id)).body;
  }

  it("button-checkout with a correctly signed payload answers the review URL; the session shows the buyer", async () => {
    const answer = await emulator.admin(
      "/__admin/button-checkout",
      signedButton(payload(emulator.merchant.storeId)),
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const { checkoutSessionId, redirectUrl } = answer.body as {
      checkoutSessionId: string;
      redirectUrl: string;
    };
    assert.deepEqual(Object.keys(answer.body as object), ["checkoutSessionId", "redirectUrl"]);
    assert.equal(redirectUrl, `${SHOP}/review?amazonCheckoutSessionId=${checkoutSessionId}`);
    const current = await session(checkoutSessionId);
    assert.equal(current.statusDetails.state, "Open");
    assert.equal(current.buyer?.name, "Anna Schmidt");
    assert.equal(current.shippingAddress?.city, "Berlin");
    assert.equal(current.paymentPreferences?.[0]?.paymentDescriptor, "Visa ****1111 (Amazon Pay)");
    assert.deepEqual(current.constraints, []);
    assert.match(
      current.webCheckoutDetails.amazonPayRedirectUrl ?? "",
      /\/buyer\/confirm\?amazonCheckoutSessionId=/,
    );
  });

  it("button-checkout with a bad signature answers 403 with Amazon's error body", async () => {
    const button = signedButton(payload(emulator.merchant.storeId));
    const tampered = { ...button, payloadJSON: button.payloadJSON.replace("14.00", "1.00") };
    const answer = await emulator.admin("/__admin/button-checkout", tampered);
    assert.equal(answer.status, 403);
    assert.deepEqual(Object.keys(answer.body as object), ["reasonCode", "message"]);
    assert.equal((answer.body as { reasonCode: string }).reasonCode, "InvalidRequestSignature");
    const noAlgorithm = await emulator.admin("/__admin/button-checkout", { ...button, algorithm: undefined });
    assert.equal(
      noAlgorithm.status,
      403,
      "a V2 signature does not verify as the default AMZN-PAY-RSASSA-PSS",
    );
  });

  it("button-checkout refuses a correctly signed payload that Amazon would refuse, with Amazon's codes", async () => {
    const review = { checkoutReviewReturnUrl: `${SHOP}/review` };
    const cases: [unknown, string][] = [
      [{ webCheckoutDetails: review }, "MissingParameterValue"],
      [
        { webCheckoutDetails: review, storeId: "amzn1.application-oa2-client.someoneelse" },
        "InvalidParameterValue",
      ],
      [
        { webCheckoutDetails: review, storeId: emulator.merchant.storeId, surprise: true },
        "UnrecognizedField",
      ],
      [[1, 2], "InvalidRequestFormat"],
    ];
    for (const [body, reasonCode] of cases) {
      const answer = await emulator.admin("/__admin/button-checkout", signedButton(body));
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal((answer.body as { reasonCode: string }).reasonCode, reasonCode);
    }
  });

  it("button-checkout with ProcessOrder processes the payment and answers the result URL", async () => {
    const body = payload(emulator.merchant.storeId, {
      webCheckoutDetails: { checkoutResultReturnUrl: `${SHOP}/apb-result`, checkoutMode: "ProcessOrder" },
      addressDetails: {
        name: "Max Mustermann",
        addressLine1: "Hauptstraße 1",
        city: "Köln",
        postalCode: "50667",
        countryCode: "DE",
        phoneNumber: "0221 123456",
      },
    });
    const answer = await emulator.admin("/__admin/button-checkout", signedButton(body));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const { checkoutSessionId, redirectUrl } = answer.body as {
      checkoutSessionId: string;
      redirectUrl: string;
    };
    assert.equal(redirectUrl, `${SHOP}/apb-result?amazonCheckoutSessionId=${checkoutSessionId}`);
    const completed = await amazon.completeCheckoutSession(checkoutSessionId, {
      chargeAmount: { amount: "14.00", currencyCode: "EUR" },
    });
    assert.equal(completed.body.statusDetails.state, "Completed");
    const permission = (await amazon.getChargePermission(completed.body.chargePermissionId as string)).body;
    assert.equal(permission.shippingAddress?.name, "Max Mustermann");
  });

  it("approve, change and authenticate drive a session created through the API", async () => {
    const created = await amazon.createCheckoutSession(
      {
        webCheckoutDetails: { checkoutReviewReturnUrl: `${SHOP}/review` },
        storeId: emulator.merchant.storeId,
      },
      { idempotencyKey: "buyer-shortcuts-approve" },
    );
    const id = created.body.checkoutSessionId;
    const approve = await emulator.admin(`/__admin/checkout-sessions/${id}/approve`, {
      buyer: { email: "oliver.brown@example.co.uk" },
    });
    assert.deepEqual(approve.body, { redirectUrl: `${SHOP}/review?amazonCheckoutSessionId=${id}` });
    assert.equal((await session(id)).buyer?.name, "Oliver Brown");

    const address = await emulator.admin(`/__admin/checkout-sessions/${id}/change`, {
      changeAction: "changeAddress",
    });
    assert.equal(address.status, 200);
    assert.equal((await session(id)).shippingAddress?.city, "Paris");
    const payment = await emulator.admin(`/__admin/checkout-sessions/${id}/change`, {
      changeAction: "changePayment",
      buyer: { card: "3434" },
    });
    assert.equal(payment.status, 200);
    assert.equal(
      (await session(id)).paymentPreferences?.[0]?.paymentDescriptor,
      "Mastercard ****3434 (Amazon Pay)",
    );
    const back = await emulator.admin(`/__admin/checkout-sessions/${id}/change`, {
      changeAction: "changePayment",
      buyer: { card: "4444" },
    });
    assert.equal(back.status, 200);

    const early = await emulator.admin(`/__admin/checkout-sessions/${id}/authenticate`, {});
    assert.equal(early.status, 422, "constraints (chargeAmount, result URL) still block the Amazon page");
    await amazon.updateCheckoutSession(id, {
      webCheckoutDetails: { checkoutResultReturnUrl: `${SHOP}/result` },
      paymentDetails: {
        paymentIntent: "AuthorizeWithCapture",
        chargeAmount: { amount: "20.00", currencyCode: "EUR" },
      },
    });
    const authenticate = await emulator.admin(`/__admin/checkout-sessions/${id}/authenticate`, {});
    assert.deepEqual(authenticate.body, { redirectUrl: `${SHOP}/result?amazonCheckoutSessionId=${id}` });
    const completed = await amazon.completeCheckoutSession(id, {
      chargeAmount: { amount: "20.00", currencyCode: "EUR" },
    });
    const charge = (await amazon.getCharge(completed.body.chargeId as string)).body;
    assert.equal(charge.statusDetails.state, "Captured");
  });

  it("refuses an unknown session and an unknown buyer selection", async () => {
    const unknown = await emulator.admin(
      "/__admin/checkout-sessions/00000000-0000-4000-8000-000000000000/approve",
      {},
    );
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { reasonCode: string }).reasonCode, "ResourceNotFound");
    const answer = await emulator.admin("/__admin/button-checkout", {
      ...signedButton(payload(emulator.merchant.storeId)),
      buyer: { card: "1234" },
    });
    assert.equal(answer.status, 400);
    assert.match((answer.body as { message: string }).message, /card ending 1234/);
  });

  describe("sandbox cards (reference §9), as the merchant sees them after complete", () => {
    async function checkoutWith(card: string) {
      const answer = await emulator.admin("/__admin/button-checkout", {
        ...signedButton(payload(emulator.merchant.storeId)),
        buyer: { card },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const { checkoutSessionId } = answer.body as { checkoutSessionId: string };
      const confirm = await emulator.admin(
        `/__admin/checkout-sessions/${checkoutSessionId}/authenticate`,
        {},
      );
      assert.deepEqual(confirm.body, {
        redirectUrl: `${SHOP}/result?amazonCheckoutSessionId=${checkoutSessionId}`,
      });
      return checkoutSessionId;
    }

    async function complete(id: string) {
      try {
        const answer = await amazon.completeCheckoutSession(id, {
          chargeAmount: { amount: "14.00", currencyCode: "EUR" },
        });
        return { status: answer.status, session: answer.body };
      } catch (error) {
        if (error instanceof AmazonPayError)
          return { status: error.httpStatus, reasonCode: error.reasonCode };
        throw error;
      }
    }

    async function charge(id: string): Promise<Charge> {
      return (await amazon.getCharge(id)).body;
    }

    for (const card of ["1111", "0005", "4444", "9424", "0000"]) {
      it(`${card}: success, Charge Authorized`, async () => {
        const result = await complete(await checkoutWith(card));
        assert.equal(result.status, 200);
        const completed = result.session as CheckoutSession;
        assert.equal((await charge(completed.chargeId as string)).statusDetails.state, "Authorized");
        const permission: ChargePermission = (
          await amazon.getChargePermission(completed.chargePermissionId as string)
        ).body;
        assert.equal(permission.statusDetails.state, "Chargeable");
      });
    }

    it("3064: buyer cancels, session Canceled/BuyerCanceled", async () => {
      const id = await checkoutWith("3064");
      const result = await complete(id);
      assert.equal(result.reasonCode, "CheckoutSessionCanceled");
      const current = await session(id);
      assert.equal(current.statusDetails.state, "Canceled");
      assert.equal(current.statusDetails.reasonCode, "BuyerCanceled");
    });

    it("3434: declined, session Canceled/Declined", async () => {
      const id = await checkoutWith("3434");
      assert.equal((await complete(id)).reasonCode, "CheckoutSessionCanceled");
      assert.equal((await session(id)).statusDetails.reasonCode, "Declined");
    });

    for (const [card, state, reasonCode] of [
      ["0701", "Authorized", null],
      ["4354", "Declined", "HardDeclined"],
    ] as const) {
      it(`${card}: AuthorizationInitiated, then ${state} after 30 s of the emulated clock`, async () => {
        const result = await complete(await checkoutWith(card));
        assert.equal(result.status, 202);
        const chargeId = (result.session as CheckoutSession).chargeId as string;
        assert.equal((await charge(chargeId)).statusDetails.state, "AuthorizationInitiated");
        await emulator.advanceClock(29);
        assert.equal((await charge(chargeId)).statusDetails.state, "AuthorizationInitiated");
        await emulator.advanceClock(1);
        const settled = await charge(chargeId);
        assert.equal(settled.statusDetails.state, state);
        assert.equal(settled.statusDetails.reasonCode, reasonCode);
      });
    }
  });
});
