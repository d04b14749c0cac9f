import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tickCharge } from "./charge.js";
import {
  associateBuyer,
  authenticateSession,
  completeSession,
  constraintsOf,
  createSession,
  renderSession,
  resultRedirectUrl,
  type SessionRecord,
  type SessionSpec,
  tickSession,
  updateSession,
  withCartDetails,
} from "./checkout-session.js";
import { DAY, PENDING_DELAY } from "./common.js";
import { EUR, refusal, T0, walletChoice } from "./test-support.js";

const CONTEXT = {
  id: "bd504926-f659-4ad7-a1a9-9a747aaf5275",
  merchantId: "AMERCHANT",
  environment: "sandbox" as const,
  region: "eu" as const,
  storeId: "amzn1.application-oa2-client.store",
  ledgerCurrency: "EUR",
};
const SPEC: SessionSpec = {
  webCheckoutDetails: { checkoutReviewReturnUrl: "https://shop.example/review" },
  storeId: CONTEXT.storeId,
};
const IDS = { chargePermissionId: "S01-0000001-0000001", chargeId: "S01-0000001-0000001-C000001" };

function readySession(
  card = "1111",
  paymentDetails: SessionSpec["paymentDetails"] = { paymentIntent: "Authorize", chargeAmount: EUR(50_00) },
): SessionRecord {
  const created = createSession(SPEC, CONTEXT, T0);
  const signedIn = associateBuyer(created, walletChoice(card));
  return updateSession(
    signedIn,
    { webCheckoutDetails: { checkoutResultReturnUrl: "https://shop.example/result?x=1" }, paymentDetails },
    "EUR",
  );
}

function complete(
  session: SessionRecord,
  amount = EUR(50_00),
  simulation?: Parameters<typeof completeSession>[2],
) {
  return completeSession(
    session,
    { chargeAmount: amount, totalOrderAmount: null },
    simulation,
    IDS,
    T0 + 1000,
  );
}

describe("create", () => {
  it("starts Open with 24 h expiry and the constraints of what is missing", () => {
    const session = createSession(SPEC, CONTEXT, T0);
    assert.equal(session.status.state, "Open");
    assert.equal(session.expiresAt, T0 + DAY);
    assert.deepEqual(
      constraintsOf(session).map((c) => c.constraintId),
      ["BuyerNotAssociated", "ChargeAmountNotSet", "CheckoutResultReturnUrlNotSet", "PaymentIntentNotSet"],
    );
    const recurring = createSession({ ...SPEC, chargePermissionType: "Recurring" }, CONTEXT, T0);
    assert.ok(constraintsOf(recurring).some((c) => c.constraintId === "RecurringFrequencyNotSet"));
  });
  it("refuses another store, a missing review URL, incomplete ProcessOrder and foreign currencies", () => {
    assert.equal(
      refusal(() => createSession({ ...SPEC, storeId: "other" }, CONTEXT, T0)),
      "InvalidParameterValue",
    );
    assert.equal(
      refusal(() => createSession({ ...SPEC, webCheckoutDetails: {} }, CONTEXT, T0)),
      "MissingParameterValue",
    );
    assert.equal(
      refusal(() =>
        createSession(
          {
            ...SPEC,
            webCheckoutDetails: { checkoutMode: "ProcessOrder", checkoutResultReturnUrl: "https://r" },
          },
          CONTEXT,
          T0,
        ),
      ),
      "MissingParameterValue",
    );
    const usd = { ...SPEC, paymentDetails: { chargeAmount: { minor: 1, currency: "USD" } } };
    assert.equal(createSession(usd, CONTEXT, T0).paymentDetails.presentmentCurrency, "USD");
    assert.equal(
      refusal(() => createSession(usd, { ...CONTEXT, ledgerCurrency: "JPY" }, T0)),
      "CurrencyMismatch",
    );
    assert.equal(
      refusal(() =>
        createSession(
          {
            ...SPEC,
            paymentDetails: { chargeAmount: EUR(1), totalOrderAmount: { minor: 1, currency: "GBP" } },
          },
          CONTEXT,
          T0,
        ),
      ),
      "CurrencyMismatch",
    );
    assert.equal(
      refusal(() =>
        createSession({ ...SPEC, recurringMetadata: { frequency: null, amount: null } }, CONTEXT, T0),
      ),
      "InvalidParameterCombination",
    );
  });
});

describe("update", () => {
  it("clears constraints; refuses once not Open and for creation-only fields", () => {
    const session = readySession();
    assert.deepEqual(constraintsOf(session), []);
    assert.equal(
      refusal(() => updateSession(session, { paymentDetails: { allowOvercharge: true } }, "EUR")),
      "InvalidParameterValue",
    );
    const expired = tickSession(session, T0 + DAY);
    assert.equal(
      refusal(() => updateSession(expired, {}, "EUR")),
      "InvalidCheckoutSessionStatus",
    );
  });
});

describe("amazonPayRedirectUrl page (authenticate)", () => {
  it("refuses while constraints remain", () => {
    assert.equal(
      refusal(() => authenticateSession(createSession(SPEC, CONTEXT, T0), T0)),
      "InvalidCheckoutSessionStatus",
    );
  });
  it("card 3064 cancels as BuyerCanceled, 3434 as Declined; pending cards need Authorize + canHandlePending", () => {
    assert.equal(authenticateSession(readySession("3064"), T0).status.reasonCode, "BuyerCanceled");
    assert.equal(authenticateSession(readySession("3434"), T0).status.reasonCode, "Declined");
    assert.equal(authenticateSession(readySession("0701"), T0).status.reasonCode, "Declined");
    const ok = authenticateSession(
      readySession("0701", {
        paymentIntent: "Authorize",
        canHandlePendingAuthorization: true,
        chargeAmount: EUR(1),
      }),
      T0,
    );
    assert.equal(ok.authenticated, true);
    assert.equal(
      resultRedirectUrl(ok),
      `https://shop.example/result?x=1&amazonCheckoutSessionId=${CONTEXT.id}`,
    );
  });
});

describe("complete", () => {
  it("Authorize: Completed with an Authorized charge", () => {
    const result = complete(authenticateSession(readySession(), T0));
    assert.equal(result.httpStatus, 200);
    assert.equal(result.session.status.state, "Completed");
    assert.equal(result.session.chargeId, IDS.chargeId);
    assert.equal(result.charge?.status.state, "Authorized");
    assert.equal(result.permission?.amountLimit, 50_00);
    assert.equal(result.notices.length, 2);
  });
  it("AuthorizeWithCapture captures; Confirm opens only the permission", () => {
    const captured = complete(
      authenticateSession(
        readySession("1111", { paymentIntent: "AuthorizeWithCapture", chargeAmount: EUR(50_00) }),
        T0,
      ),
    );
    assert.equal(captured.charge?.status.state, "Captured");
    const confirm = complete(
      authenticateSession(readySession("1111", { paymentIntent: "Confirm", chargeAmount: EUR(50_00) }), T0),
    );
    assert.equal(confirm.charge, null);
    assert.equal(confirm.session.chargeId, null);
    assert.equal(confirm.permission?.status.state, "Chargeable");
  });
  it("pending card: 202 with AuthorizationInitiated, declined 30 s later (4354)", () => {
    const session = readySession("4354", {
      paymentIntent: "Authorize",
      canHandlePendingAuthorization: true,
      chargeAmount: EUR(10_00),
    });
    const result = complete(authenticateSession(session, T0), EUR(10_00));
    assert.equal(result.httpStatus, 202);
    assert.equal(result.charge?.status.state, "AuthorizationInitiated");
    assert.ok(result.charge);
    const later = tickCharge(result.charge, T0 + 1000 + PENDING_DELAY).charge;
    assert.equal(later.status.state, "Declined");
    assert.equal(later.status.reasonCode, "HardDeclined");
  });
  it("refuses before the buyer went through the Amazon page, on mismatch, twice, and after cancel", () => {
    const session = readySession();
    assert.equal(
      refusal(() => complete(session)),
      "InvalidCheckoutSessionStatus",
    );
    const ready = authenticateSession(session, T0);
    assert.equal(
      refusal(() => complete(ready, EUR(49_99))),
      "AmountMismatch",
    );
    assert.equal(
      refusal(() =>
        completeSession(ready, { chargeAmount: null, totalOrderAmount: null }, undefined, IDS, T0),
      ),
      "MissingParameterValue",
    );
    const done = complete(ready).session;
    assert.equal(
      refusal(() => complete(done)),
      "InvalidCheckoutSessionStatus",
    );
    const canceled = authenticateSession(readySession("3064"), T0);
    assert.equal(
      refusal(() => complete(canceled)),
      "CheckoutSessionCanceled",
    );
    assert.equal(
      refusal(() => complete(tickSession(readySession(), T0 + DAY))),
      "InvalidCheckoutSessionStatus",
    );
  });
  it("simulation codes cancel the session but keep the change", () => {
    const result = complete(authenticateSession(readySession(), T0), EUR(50_00), {
      kind: "cancelSession",
      reasonCode: "AmazonCanceled",
    });
    assert.equal(result.error?.reasonCode, "CheckoutSessionCanceled");
    assert.equal(result.session.status.state, "Canceled");
    assert.equal(result.session.status.reasonCode, "AmazonCanceled");
    const declined = complete(authenticateSession(readySession(), T0), EUR(50_00), {
      kind: "decline",
      reasonCode: "HardDeclined",
    });
    assert.equal(declined.error?.reasonCode, "HardDeclined");
    assert.equal(declined.session.status.reasonCode, "Declined");
  });
  it("allowOvercharge raises the permission limit", () => {
    const created = createSession(
      {
        ...SPEC,
        paymentDetails: { paymentIntent: "Confirm", chargeAmount: EUR(10_00), allowOvercharge: true },
      },
      CONTEXT,
      T0,
    );
    const ready = updateSession(
      associateBuyer(created, walletChoice()),
      { webCheckoutDetails: { checkoutResultReturnUrl: "https://r" } },
      "EUR",
    );
    assert.equal(complete(authenticateSession(ready, T0), EUR(10_00)).permission?.amountLimit, 500_00);
  });
});

describe("expiry and render", () => {
  it("cancels as Expired after 24 h", () => {
    const session = readySession();
    assert.equal(tickSession(session, T0 + DAY - 1), session);
    const expired = tickSession(session, T0 + 2 * DAY);
    assert.equal(expired.status.state, "Canceled");
    assert.equal(expired.status.reasonCode, "Expired");
    assert.equal(expired.status.lastUpdated, T0 + DAY);
  });
  it("renders every key in Amazon's order, the redirect URL only without constraints", () => {
    const wire = renderSession(readySession(), "https://emu/pay", "Sandbox");
    assert.deepEqual(Object.keys(wire), [
      "checkoutSessionId",
      "webCheckoutDetails",
      "productType",
      "paymentDetails",
      "chargePermissionType",
      "orderType",
      "recurringMetadata",
      "paymentMethodOnFileMetadata",
      "merchantDetails",
      "merchantMetadata",
      "supplementaryData",
      "buyer",
      "billingAddress",
      "paymentPreferences",
      "statusDetails",
      "shippingAddress",
      "platformId",
      "chargePermissionId",
      "chargeId",
      "constraints",
      "creationTimestamp",
      "expirationTimestamp",
      "storeId",
      "providerMetadata",
      "releaseEnvironment",
      "checkoutButtonText",
      "deliverySpecifications",
      "tokens",
    ]);
    const finalized = withCartDetails(wire);
    assert.deepEqual(Object.keys(finalized).slice(0, 6), [
      "checkoutSessionId",
      "webCheckoutDetails",
      "productType",
      "paymentDetails",
      "cartDetails",
      "chargePermissionType",
    ]);
    assert.equal(Object.keys(finalized).length, Object.keys(wire).length + 1);
    assert.equal(wire.webCheckoutDetails.amazonPayRedirectUrl, "https://emu/pay");
    assert.equal(wire.expirationTimestamp, "20260116T120000Z");
    assert.equal(
      renderSession(createSession(SPEC, CONTEXT, T0), "https://emu/pay", "Sandbox").webCheckoutDetails
        .amazonPayRedirectUrl,
      null,
    );
  });
});
