import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  admin,
  checkoutUntilResult,
  createMerchant,
  failure,
  headers,
  RESULT_URL,
  REVIEW_URL,
  type SdkClient,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

let emulator: RunningEmulator;
let merchant: TestMerchant;
let client: SdkClient;

before(async () => {
  emulator = await startTestEmulator();
  merchant = await createMerchant(emulator, { region: "eu" });
  client = sdkClient(emulator, merchant);
});
after(() => emulator.close());

describe("checkout with review page (official SDK)", () => {
  it("create → sign in → update → amazonPayRedirectUrl → complete → charge Authorized", async () => {
    const created = await client.createCheckoutSession(
      { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId },
      headers(),
    );
    assert.equal(created.status, 201);
    assert.ok(created.headers["x-amz-pay-request-id"]);
    const session = created.data;
    const id = session.checkoutSessionId as string;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual((session.statusDetails as { state: string }).state, "Open");
    assert.deepEqual(
      (session.constraints as { constraintId: string }[]).map((c) => c.constraintId),
      ["BuyerNotAssociated", "ChargeAmountNotSet", "CheckoutResultReturnUrlNotSet", "PaymentIntentNotSet"],
    );
    assert.equal(session.buyer, null);
    assert.match(session.creationTimestamp as string, /^\d{8}T\d{6}Z$/);

    const approved = await admin(emulator, `/__admin/checkout-sessions/${id}/approve`, {
      buyer: { card: "1111" },
    });
    assert.equal(approved.redirectUrl, `${REVIEW_URL}?amazonCheckoutSessionId=${id}`);
    const review = await client.getCheckoutSession(id);
    assert.equal((review.data.buyer as { name: string }).name, "Anna Schmidt");
    assert.equal((review.data.shippingAddress as { city: string }).city, "Berlin");
    assert.match(
      (review.data.paymentPreferences as { paymentDescriptor: string }[])[0]?.paymentDescriptor ?? "",
      /1111/,
    );

    const updated = await client.updateCheckoutSession(id, {
      webCheckoutDetails: { checkoutResultReturnUrl: RESULT_URL },
      paymentDetails: { paymentIntent: "Authorize", chargeAmount: { amount: 49.9, currencyCode: "EUR" } },
      merchantMetadata: { merchantReferenceId: "order-1", merchantStoreName: "Shop" },
    });
    assert.deepEqual(updated.data.constraints, []);
    assert.deepEqual((updated.data.paymentDetails as { chargeAmount: unknown }).chargeAmount, {
      amount: "49.90",
      currencyCode: "EUR",
    });
    const redirect = (updated.data.webCheckoutDetails as { amazonPayRedirectUrl: string })
      .amazonPayRedirectUrl;
    assert.ok(redirect.startsWith(emulator.url));

    // Completing before the buyer went through amazonPayRedirectUrl is refused.
    const early = await failure(
      client.completeCheckoutSession(id, { chargeAmount: { amount: "49.90", currencyCode: "EUR" } }),
    );
    assert.equal(early.reasonCode, "InvalidCheckoutSessionStatus");

    await admin(emulator, `/__admin/checkout-sessions/${id}/authenticate`);
    const mismatch = await failure(
      client.completeCheckoutSession(id, { chargeAmount: { amount: "49.91", currencyCode: "EUR" } }),
    );
    assert.deepEqual([mismatch.status, mismatch.reasonCode], [409, "AmountMismatch"]);

    const completed = await client.completeCheckoutSession(id, {
      chargeAmount: { amount: "49.90", currencyCode: "EUR" },
    });
    assert.equal(completed.status, 200);
    assert.equal((completed.data.statusDetails as { state: string }).state, "Completed");
    const chargeId = completed.data.chargeId as string;
    const permissionId = completed.data.chargePermissionId as string;
    assert.match(permissionId, /^S01-\d{7}-\d{7}$/);
    assert.match(chargeId, /^S01-\d{7}-\d{7}-C\d{6}$/);

    const charge = await client.getCharge(chargeId);
    assert.equal((charge.data.statusDetails as { state: string }).state, "Authorized");
    assert.deepEqual(charge.data.chargeAmount, { amount: "49.90", currencyCode: "EUR" });
    const permission = await client.getChargePermission(permissionId);
    assert.equal((permission.data.statusDetails as { state: string }).state, "Chargeable");
    assert.equal(
      (permission.data.merchantMetadata as { merchantReferenceId: string }).merchantReferenceId,
      "order-1",
    );

    const again = await failure(
      client.completeCheckoutSession(id, { chargeAmount: { amount: "49.90", currencyCode: "EUR" } }),
    );
    assert.deepEqual([again.status, again.reasonCode], [422, "InvalidCheckoutSessionStatus"]);
    const late = await failure(client.updateCheckoutSession(id, { merchantMetadata: { noteToBuyer: "x" } }));
    assert.equal(late.reasonCode, "InvalidCheckoutSessionStatus");
  });

  it("changing the address from the review page shows the new address", async () => {
    const created = await client.createCheckoutSession(
      { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId },
      headers(),
    );
    const id = created.data.checkoutSessionId as string;
    await admin(emulator, `/__admin/checkout-sessions/${id}/approve`, { buyer: { card: "1111" } });
    await admin(emulator, `/__admin/checkout-sessions/${id}/change`, { changeAction: "changeAddress" });
    const session = await client.getCheckoutSession(id);
    assert.equal((session.data.shippingAddress as { city: string }).city, "München");
  });

  it("AuthorizeWithCapture captures at completion; Confirm creates only the permission", async () => {
    const captureId = await checkoutUntilResult(emulator, client, merchant, {
      paymentIntent: "AuthorizeWithCapture",
      chargeAmount: { amount: "20.00", currencyCode: "EUR" },
    });
    const captured = await client.completeCheckoutSession(captureId, {
      chargeAmount: { amount: "20", currencyCode: "EUR" },
    });
    const charge = await client.getCharge(captured.data.chargeId);
    assert.equal((charge.data.statusDetails as { state: string }).state, "Captured");
    assert.deepEqual(charge.data.captureAmount, { amount: "20.00", currencyCode: "EUR" });

    const confirmId = await checkoutUntilResult(emulator, client, merchant, {
      paymentIntent: "Confirm",
      chargeAmount: { amount: "30.00", currencyCode: "EUR" },
    });
    const confirmed = await client.completeCheckoutSession(confirmId, {
      chargeAmount: { amount: "30.00", currencyCode: "EUR" },
    });
    assert.equal(confirmed.data.chargeId, null);
    const permission = await client.getChargePermission(confirmed.data.chargePermissionId);
    assert.deepEqual(permission.data.limits, {
      amountLimit: { amount: "30.00", currencyCode: "EUR" },
      amountBalance: { amount: "30.00", currencyCode: "EUR" },
    });
  });

  it("card 3064: the buyer cancels, complete answers CheckoutSessionCanceled", async () => {
    const id = await checkoutUntilResult(
      emulator,
      client,
      merchant,
      { paymentIntent: "Authorize", chargeAmount: { amount: "10.00", currencyCode: "EUR" } },
      "3064",
    );
    const refused = await failure(
      client.completeCheckoutSession(id, { chargeAmount: { amount: "10.00", currencyCode: "EUR" } }),
    );
    assert.deepEqual([refused.status, refused.reasonCode], [422, "CheckoutSessionCanceled"]);
    const session = await client.getCheckoutSession(id);
    assert.deepEqual(
      [
        (session.data.statusDetails as { state: string }).state,
        (session.data.statusDetails as { reasonCode: string }).reasonCode,
      ],
      ["Canceled", "BuyerCanceled"],
    );
  });

  it("card 3434 declines; simulation code Declined cancels at complete", async () => {
    const declined = await checkoutUntilResult(
      emulator,
      client,
      merchant,
      { paymentIntent: "Authorize", chargeAmount: { amount: "10.00", currencyCode: "EUR" } },
      "3434",
    );
    const session = await client.getCheckoutSession(declined);
    assert.equal((session.data.statusDetails as { reasonCode: string }).reasonCode, "Declined");

    const simulated = await checkoutUntilResult(emulator, client, merchant, {
      paymentIntent: "Authorize",
      chargeAmount: { amount: "10.00", currencyCode: "EUR" },
    });
    const refused = await failure(
      client.completeCheckoutSession(
        simulated,
        { chargeAmount: { amount: "10.00", currencyCode: "EUR" } },
        { "x-amz-pay-simulation-code": "Declined" },
      ),
    );
    assert.equal(refused.reasonCode, "CheckoutSessionCanceled");
    const unknown = await failure(
      client.completeCheckoutSession(
        simulated,
        { chargeAmount: { amount: "10.00", currencyCode: "EUR" } },
        { "x-amz-pay-simulation-code": "NoSuchCode" },
      ),
    );
    assert.deepEqual([unknown.status, unknown.reasonCode], [400, "InvalidSandboxSimulationSpecified"]);
  });

  it("a session not completed within 24 h is Canceled/Expired", async () => {
    const created = await client.createCheckoutSession(
      { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId },
      headers(),
    );
    const id = created.data.checkoutSessionId as string;
    await admin(emulator, "/__admin/clock", { advanceSeconds: 24 * 3600 });
    const session = await client.getCheckoutSession(id);
    assert.deepEqual(session.data.statusDetails, {
      state: "Canceled",
      reasonCode: "Expired",
      reasonDescription: "The checkout session expired.",
      lastUpdatedTimestamp: created.data.expirationTimestamp,
    });
  });
});

describe("finalize and sign-in buyers (official SDK)", () => {
  it("finalize processes and completes in one call", async () => {
    const created = await client.createCheckoutSession(
      {
        webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL, checkoutResultReturnUrl: RESULT_URL },
        storeId: merchant.storeId,
        paymentDetails: { chargeAmount: { amount: "5.00", currencyCode: "EUR" } },
      },
      headers(),
    );
    const id = created.data.checkoutSessionId;
    await admin(emulator, `/__admin/checkout-sessions/${id}/approve`, { buyer: { card: "4444" } });
    const mismatch = await failure(
      client.finalizeCheckoutSession(
        id,
        { chargeAmount: { amount: "5.01", currencyCode: "EUR" }, paymentIntent: "Authorize" },
        headers(),
      ),
    );
    assert.equal(mismatch.reasonCode, "AmountMismatch");
    const finalized = await client.finalizeCheckoutSession(
      id,
      { chargeAmount: { amount: "5.00", currencyCode: "EUR" }, paymentIntent: "AuthorizeWithCapture" },
      headers(),
    );
    assert.equal(finalized.status, 200);
    assert.equal(finalized.data.statusDetails.state, "Completed");
    assert.equal((await client.getCharge(finalized.data.chargeId)).data.statusDetails.state, "Captured");
  });

  it("Get Buyer answers a SignIn token with the scopes asked for", async () => {
    const { resolveBuyer } = await import("../src/emulator/buyer/wallet.js");
    const token = await emulator.engine.buyers.issueBuyerToken(
      merchant.merchantId,
      "sandbox",
      resolveBuyer("eu", {}),
      ["name", "email", "postalCode"],
    );
    const buyer = await client.getBuyer(token);
    assert.deepEqual(Object.keys(buyer.data), [
      "buyerId",
      "name",
      "email",
      "postalCode",
      "countryCode",
      "phoneNumber",
      "shippingAddress",
      "billingAddress",
      "primeMembershipTypes",
    ]);
    assert.equal(buyer.data.postalCode, "10117");
    assert.equal(buyer.data.shippingAddress, null);
    const unknown = await failure(client.getBuyer("BTNOPE"));
    assert.equal(unknown.reasonCode, "ResourceNotFound");
  });
});

describe("key order after a reload from the store", () => {
  it("nested objects (addresses, metadata) keep Amazon's key order", async () => {
    const id = await checkoutUntilResult(emulator, client, merchant, {
      paymentIntent: "Confirm",
      chargeAmount: { amount: "1.00", currencyCode: "EUR" },
    });
    const session = await client.getCheckoutSession(id);
    assert.deepEqual(Object.keys(session.data.shippingAddress), [
      "name",
      "addressLine1",
      "addressLine2",
      "addressLine3",
      "city",
      "county",
      "district",
      "stateOrRegion",
      "postalCode",
      "countryCode",
      "phoneNumber",
    ]);
    assert.deepEqual(Object.keys(session.data.merchantMetadata), [
      "merchantReferenceId",
      "merchantStoreName",
      "noteToBuyer",
      "customInformation",
    ]);
    assert.deepEqual(Object.keys(session.data.paymentDetails.chargeAmount), ["amount", "currencyCode"]);
    const completed = await client.completeCheckoutSession(id, {
      chargeAmount: { amount: "1.00", currencyCode: "EUR" },
    });
    const permission = await client.getChargePermission(completed.data.chargePermissionId);
    assert.deepEqual(Object.keys(permission.data.buyer), [
      "buyerId",
      "name",
      "email",
      "phoneNumber",
      "primeMembershipTypes",
    ]);
    assert.deepEqual(Object.keys(permission.data.billingAddress)[0], "name");
    assert.deepEqual(Object.keys(permission.data.statusDetails), [
      "state",
      "reasons",
      "lastUpdatedTimestamp",
    ]);
  });
});

describe("Additional Payment Button (checkoutMode ProcessOrder)", () => {
  it("processes the payment at sign-in and ships to the merchant's addressDetails", async () => {
    const created = await client.createCheckoutSession(
      {
        webCheckoutDetails: { checkoutMode: "ProcessOrder", checkoutResultReturnUrl: RESULT_URL },
        storeId: merchant.storeId,
        paymentDetails: {
          paymentIntent: "AuthorizeWithCapture",
          chargeAmount: { amount: "9.99", currencyCode: "EUR" },
        },
        addressDetails: {
          name: "Max Muster",
          addressLine1: "Hauptstraße 1",
          city: "Köln",
          postalCode: "50667",
          countryCode: "de",
          phoneNumber: "0221 123456",
        },
      },
      headers(),
    );
    const id = created.data.checkoutSessionId;
    const approved = await admin(emulator, `/__admin/checkout-sessions/${id}/approve`, {
      buyer: { card: "1111" },
    });
    assert.equal(approved.redirectUrl, `${RESULT_URL}?amazonCheckoutSessionId=${id}`);
    const session = await client.getCheckoutSession(id);
    assert.deepEqual(
      [session.data.shippingAddress.name, session.data.shippingAddress.countryCode],
      ["Max Muster", "DE"],
    );
    const completed = await client.completeCheckoutSession(id, {
      chargeAmount: { amount: "9.99", currencyCode: "EUR" },
    });
    assert.equal((await client.getCharge(completed.data.chargeId)).data.statusDetails.state, "Captured");
  });

  it("refuses a ProcessOrder session without result URL or payment details", async () => {
    const missing = await failure(
      client.createCheckoutSession(
        {
          webCheckoutDetails: { checkoutMode: "ProcessOrder", checkoutResultReturnUrl: RESULT_URL },
          storeId: merchant.storeId,
        },
        headers(),
      ),
    );
    assert.deepEqual([missing.status, missing.reasonCode], [400, "MissingParameterValue"]);
  });
});
