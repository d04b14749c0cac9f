import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import type { CheckoutSession } from "../../amazon/wire.js";
import { createFormTokens } from "./form-token.js";
import { MFA_CODE } from "./pages.js";
import { buyerRoutes } from "./routes.js";
import { FakeEngine, KEY_ID, signerFor } from "./test-support.js";

const PAYLOAD = {
  webCheckoutDetails: {
    checkoutReviewReturnUrl: "https://shop.example/review",
    checkoutResultReturnUrl: "https://shop.example/result?order=7",
    checkoutCancelUrl: "https://shop.example/cart",
  },
  storeId: "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
  merchantMetadata: { merchantStoreName: "<script>alert(1)</script> Laden" },
  paymentDetails: { chargeAmount: { amount: "14.00", currencyCode: "EUR" } },
};

describe("buyer routes", () => {
  let app: FastifyInstance;
  let engine: FakeEngine;
  const tokens = createFormTokens(Buffer.alloc(32, 7));

  beforeEach(async () => {
    engine = new FakeEngine();
    app = Fastify();
    await app.register(buyerRoutes, { engine, formTokens: tokens });
    await app.ready();
  });
  afterEach(() => app.close());

  function button(
    payloadJSON = JSON.stringify(PAYLOAD),
    algorithm?: "AMZN-PAY-RSASSA-PSS" | "AMZN-PAY-RSASSA-PSS-V2",
  ) {
    const signature = signerFor(algorithm ?? "AMZN-PAY-RSASSA-PSS").signButtonPayload(payloadJSON);
    return { payloadJSON, signature, publicKeyId: KEY_ID, ...(algorithm ? { algorithm } : {}) };
  }

  async function startSession(): Promise<string> {
    const response = await app.inject({ method: "POST", url: "/buyer/button", payload: button() });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().checkoutSessionId;
  }

  function form(fields: Record<string, string>) {
    return {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams(fields).toString(),
    };
  }

  async function signIn(id: string, card = "1111") {
    const token = tokens.issue(id);
    const response = await app.inject({
      method: "POST",
      url: "/buyer/select",
      ...form({
        amazonCheckoutSessionId: id,
        token,
        buyerId: "amzn1.account.AEMULATORANNA0SCHMIDT0DE01",
        addressId: "eu-anna-home",
        instrumentId: `eu-anna-card-${card}`,
      }),
    });
    return response;
  }

  it("serves checkout.js", async () => {
    const response = await app.inject({ method: "GET", url: "/checkout.js" });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers["content-type"] as string, /javascript/);
    assert.match(response.body, /renderButton/);
    assert.match(response.body, /bindChangeAction/);
  });

  it("answers the CORS preflight of the button post", async () => {
    const response = await app.inject({ method: "OPTIONS", url: "/buyer/button" });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers["access-control-allow-origin"], "*");
    assert.match(response.headers["access-control-allow-headers"] as string, /content-type/);
  });

  it("creates a session from a correctly signed button payload and sends the buyer to sign in", async () => {
    const response = await app.inject({ method: "POST", url: "/buyer/button", payload: button() });
    assert.equal(response.statusCode, 200);
    const { checkoutSessionId, redirectUrl } = response.json();
    assert.equal(redirectUrl, `/buyer/signin?amazonCheckoutSessionId=${checkoutSessionId}`);
    assert.equal(engine.sessions.size, 1);
  });

  it("verifies V2 signatures when the button names the algorithm, and PSS when it names none", async () => {
    const v2 = await app.inject({
      method: "POST",
      url: "/buyer/button",
      payload: button(undefined, "AMZN-PAY-RSASSA-PSS-V2"),
    });
    assert.equal(v2.statusCode, 200, v2.body);
    const v2Unnamed = button(undefined, "AMZN-PAY-RSASSA-PSS-V2");
    const { algorithm: _dropped, ...withoutAlgorithm } = v2Unnamed;
    const refused = await app.inject({ method: "POST", url: "/buyer/button", payload: withoutAlgorithm });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().reasonCode, "InvalidRequestSignature");
    assert.equal(engine.sessions.size, 1);
  });

  it("accepts a payload signed in its stripcslashes form (PHP SDKs, reference §2.5)", async () => {
    const escaped = JSON.stringify(PAYLOAD).replaceAll("/", "\\/");
    const signedUnescaped = signerFor("AMZN-PAY-RSASSA-PSS").signButtonPayload(JSON.stringify(PAYLOAD));
    const response = await app.inject({
      method: "POST",
      url: "/buyer/button",
      payload: { payloadJSON: escaped, signature: signedUnescaped, publicKeyId: KEY_ID },
    });
    assert.equal(response.statusCode, 200, response.body);
  });

  it("refuses a bad signature, an unknown key and malformed posts without creating anything", async () => {
    const tampered = { ...button(), payloadJSON: JSON.stringify({ ...PAYLOAD, storeId: "other" }) };
    const cases: [unknown, number, string][] = [
      [tampered, 403, "InvalidRequestSignature"],
      [{ ...button(), publicKeyId: "SANDBOX-UNKNOWN" }, 400, "InvalidParameterValue"],
      [{ ...button(), algorithm: "RSA-SHA1" }, 400, "InvalidParameterValue"],
      [{ ...button(), merchantId: "A3OTHERMERCHANT" }, 400, "InvalidParameterValue"],
      [{ ...button(), sandbox: false }, 400, "InvalidParameterValue"],
      [{ signature: "x", publicKeyId: KEY_ID }, 400, "MissingParameterValue"],
      [{ ...button(), payloadJSON: 5 }, 400, "InvalidParameterValue"],
      [{ ...button(), extra: 1 }, 400, "UnrecognizedField"],
    ];
    for (const [payload, status, reasonCode] of cases) {
      const response = await app.inject({ method: "POST", url: "/buyer/button", payload: payload as object });
      assert.equal(response.statusCode, status, JSON.stringify(payload));
      assert.equal(response.json().reasonCode, reasonCode);
      assert.equal(response.headers["access-control-allow-origin"], "*");
    }
    const notJson = await app.inject({
      method: "POST",
      url: "/buyer/button",
      headers: { "content-type": "application/json" },
      payload: "{",
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().reasonCode, "InvalidRequestFormat");
    assert.equal(engine.sessions.size, 0);
  });

  it("renders the sign-in page with escaped merchant data and the region's test buyers", async () => {
    const id = await startSession();
    const response = await app.inject({ method: "GET", url: `/buyer/signin?amazonCheckoutSessionId=${id}` });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /Emulator/);
    assert.match(response.body, /Anna Schmidt/);
    assert.doesNotMatch(response.body, /Jane Doe/);
    assert.doesNotMatch(response.body, /<script>alert/);
    assert.match(response.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt; Laden/);
    assert.match(response.body, new RegExp(`name="token" value="${tokens.issue(id)}"`));
  });

  it("shows a clear error page for unknown or malformed session ids", async () => {
    const unknown = await app.inject({
      method: "GET",
      url: "/buyer/signin?amazonCheckoutSessionId=11111111-2222-4333-8444-555555555555",
    });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.headers["content-type"] as string, /text\/html/);
    assert.match(unknown.body, /There is no checkout session 11111111-2222-4333-8444-555555555555/);
    for (const url of [
      "/buyer/signin",
      "/buyer/confirm?amazonCheckoutSessionId=%3Cb%3E",
      "/buyer/select?amazonCheckoutSessionId=a&amazonCheckoutSessionId=b",
    ]) {
      const response = await app.inject({ method: "GET", url });
      assert.equal(response.statusCode, 400, url);
      assert.match(response.body, /valid amazonCheckoutSessionId/);
    }
  });

  it("walks sign-in → select → review URL, with the chosen buyer, address and card", async () => {
    const id = await startSession();
    const signInPost = await app.inject({
      method: "POST",
      url: "/buyer/signin",
      ...form({
        amazonCheckoutSessionId: id,
        token: tokens.issue(id),
        buyerId: "amzn1.account.AEMULATOROLIVER0BROWN0UK02",
      }),
    });
    assert.equal(signInPost.statusCode, 303);
    const selectUrl = signInPost.headers.location as string;
    assert.match(selectUrl, /^\/buyer\/select\?/);
    const select = await app.inject({ method: "GET", url: selectUrl });
    assert.equal(select.statusCode, 200);
    assert.match(select.body, /221 Baker Street/);
    assert.match(select.body, /Mastercard \*\*\*\*3434 \(Amazon Pay\)/);
    const post = await app.inject({
      method: "POST",
      url: "/buyer/select",
      ...form({
        amazonCheckoutSessionId: id,
        token: tokens.issue(id),
        buyerId: "amzn1.account.AEMULATOROLIVER0BROWN0UK02",
        addressId: "eu-oliver-paris",
        instrumentId: "eu-oliver-card-3434",
      }),
    });
    assert.equal(post.statusCode, 303);
    assert.equal(post.headers.location, `https://shop.example/review?amazonCheckoutSessionId=${id}`);
    const session = engine.sessions.get(id);
    assert.equal(session?.buyer?.name, "Oliver Brown");
    assert.equal(session?.shippingAddress?.city, "Paris");
    assert.equal(engine.instruments.get(id)?.outcome.kind, "Declined");
  });

  it("refuses posts without the session's form token and changes nothing", async () => {
    const id = await startSession();
    const other = await startSession();
    for (const token of ["", "forged", tokens.issue(other)]) {
      const response = await app.inject({
        method: "POST",
        url: "/buyer/select",
        ...form({
          amazonCheckoutSessionId: id,
          token,
          buyerId: "amzn1.account.AEMULATORANNA0SCHMIDT0DE01",
          instrumentId: "eu-anna-card-1111",
        }),
      });
      assert.equal(response.statusCode, 403);
      assert.match(response.body, /not sent from the Amazon Pay page/);
    }
    assert.equal(engine.sessions.get(id)?.buyer, null);
  });

  it("refuses ids of another buyer or region in the select form", async () => {
    const id = await startSession();
    const cases: Record<string, string>[] = [
      { buyerId: "amzn1.account.AEMULATORJANE0DOE0US000003", instrumentId: "na-jane-card-1111" },
      { buyerId: "amzn1.account.AEMULATORANNA0SCHMIDT0DE01", instrumentId: "eu-oliver-card-4444" },
      {
        buyerId: "amzn1.account.AEMULATORANNA0SCHMIDT0DE01",
        addressId: "nowhere",
        instrumentId: "eu-anna-card-1111",
      },
      { buyerId: "amzn1.account.AEMULATORANNA0SCHMIDT0DE01" },
    ];
    for (const fields of cases) {
      const response = await app.inject({
        method: "POST",
        url: "/buyer/select",
        ...form({ amazonCheckoutSessionId: id, token: tokens.issue(id), ...fields }),
      });
      assert.equal(response.statusCode, 400, JSON.stringify(fields));
      assert.match(response.headers["content-type"] as string, /text\/html/);
    }
    assert.equal(engine.sessions.get(id)?.buyer, null);
  });

  it("confirms only with the right one-time code, then sends the buyer to the result URL", async () => {
    const id = await startSession();
    await signIn(id);
    const page = await app.inject({ method: "GET", url: `/buyer/confirm?amazonCheckoutSessionId=${id}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /14\.00 EUR/);
    assert.match(page.body, /Visa \*\*\*\*1111/);
    const wrong = await app.inject({
      method: "POST",
      url: "/buyer/confirm",
      ...form({ amazonCheckoutSessionId: id, token: tokens.issue(id), code: "000000" }),
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /one-time code is wrong/);
    assert.deepEqual(engine.authenticated, []);
    const right = await app.inject({
      method: "POST",
      url: "/buyer/confirm",
      ...form({ amazonCheckoutSessionId: id, token: tokens.issue(id), code: MFA_CODE }),
    });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, `https://shop.example/result?order=7&amazonCheckoutSessionId=${id}`);
    assert.deepEqual(engine.authenticated, [id]);
  });

  it("cancels on the confirm page: session BuyerCanceled, buyer back at checkoutCancelUrl", async () => {
    const id = await startSession();
    await signIn(id);
    const response = await app.inject({
      method: "POST",
      url: "/buyer/cancel",
      ...form({ amazonCheckoutSessionId: id, token: tokens.issue(id) }),
    });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, `https://shop.example/cart?amazonCheckoutSessionId=${id}`);
    assert.equal(engine.sessions.get(id)?.statusDetails.reasonCode, "BuyerCanceled");
    const again = await app.inject({ method: "GET", url: `/buyer/confirm?amazonCheckoutSessionId=${id}` });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /Canceled \(BuyerCanceled\)/);
  });

  it("keeps the confirm page closed before sign-in and while constraints remain", async () => {
    const id = await startSession();
    const before = await app.inject({ method: "GET", url: `/buyer/confirm?amazonCheckoutSessionId=${id}` });
    assert.equal(before.statusCode, 409);
    assert.match(before.body, /No buyer has signed in/);
    await signIn(id);
    const session = engine.sessions.get(id) as CheckoutSession;
    engine.sessions.set(id, {
      ...session,
      constraints: [{ constraintId: "ChargeAmountNotSet", description: "chargeAmount is not set." }],
    });
    const blocked = await app.inject({ method: "GET", url: `/buyer/confirm?amazonCheckoutSessionId=${id}` });
    assert.equal(blocked.statusCode, 409);
    assert.match(blocked.body, /ChargeAmountNotSet/);
  });

  it("changes address and payment through the bindChangeAction pages", async () => {
    const id = await startSession();
    await signIn(id);
    const addressPage = await app.inject({
      method: "GET",
      url: `/buyer/change?amazonCheckoutSessionId=${id}&changeAction=changeAddress`,
    });
    assert.equal(addressPage.statusCode, 200);
    assert.match(addressPage.body, /value="eu-anna-home" checked/);
    const address = await app.inject({
      method: "POST",
      url: "/buyer/change",
      ...form({
        amazonCheckoutSessionId: id,
        token: tokens.issue(id),
        changeAction: "changeAddress",
        addressId: "eu-anna-work",
      }),
    });
    assert.equal(address.statusCode, 303);
    assert.equal(address.headers.location, `https://shop.example/review?amazonCheckoutSessionId=${id}`);
    assert.equal(engine.sessions.get(id)?.shippingAddress?.city, "München");
    const payment = await app.inject({
      method: "POST",
      url: "/buyer/change",
      ...form({
        amazonCheckoutSessionId: id,
        token: tokens.issue(id),
        changeAction: "changePayment",
        instrumentId: "eu-anna-card-4354",
      }),
    });
    assert.equal(payment.statusCode, 303);
    assert.equal(engine.instruments.get(id)?.last4, "4354");
    assert.equal(engine.sessions.get(id)?.shippingAddress?.city, "München");
    const badAction = await app.inject({
      method: "GET",
      url: `/buyer/change?amazonCheckoutSessionId=${id}&changeAction=changeName`,
    });
    assert.equal(badAction.statusCode, 400);
    assert.match(badAction.body, /changeAction must be one of changeAddress, changePayment/);
  });

  it("APB (ProcessOrder): the select page is the confirm page and paying lands on the result URL", async () => {
    const payloadJSON = JSON.stringify({
      ...PAYLOAD,
      webCheckoutDetails: {
        checkoutResultReturnUrl: "https://shop.example/apb-result",
        checkoutMode: "ProcessOrder",
      },
    });
    const started = await app.inject({ method: "POST", url: "/buyer/button", payload: button(payloadJSON) });
    const id = started.json().checkoutSessionId as string;
    const anna = "amzn1.account.AEMULATORANNA0SCHMIDT0DE01";
    const page = await app.inject({
      method: "GET",
      url: `/buyer/select?amazonCheckoutSessionId=${id}&buyerId=${anna}`,
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Confirm your order/);
    assert.match(page.body, /14\.00 EUR/);
    assert.match(page.body, />Pay now</);
    const paid = await app.inject({
      method: "POST",
      url: "/buyer/select",
      ...form({
        amazonCheckoutSessionId: id,
        token: tokens.issue(id),
        buyerId: anna,
        addressId: "eu-anna-home",
        instrumentId: "eu-anna-card-0701",
      }),
    });
    assert.equal(paid.statusCode, 303);
    assert.equal(paid.headers.location, `https://shop.example/apb-result?amazonCheckoutSessionId=${id}`);
    assert.deepEqual(engine.authenticated, [id]);
  });

  it("PayOnly: no address to choose, none to change", async () => {
    const payloadJSON = JSON.stringify({ ...PAYLOAD, productType: "PayOnly" });
    const started = await app.inject({ method: "POST", url: "/buyer/button", payload: button(payloadJSON) });
    const id = started.json().checkoutSessionId as string;
    const anna = "amzn1.account.AEMULATORANNA0SCHMIDT0DE01";
    const page = await app.inject({
      method: "GET",
      url: `/buyer/select?amazonCheckoutSessionId=${id}&buyerId=${anna}`,
    });
    assert.doesNotMatch(page.body, /Shipping address/);
    assert.doesNotMatch(page.body, /name="addressId"/);
    await signIn(id);
    const change = await app.inject({
      method: "GET",
      url: `/buyer/change?amazonCheckoutSessionId=${id}&changeAction=changeAddress`,
    });
    assert.equal(change.statusCode, 400);
    const shortcut = await app.inject({
      method: "POST",
      url: `/__admin/checkout-sessions/${id}/change`,
      payload: { changeAction: "changeAddress" },
    });
    assert.equal(shortcut.statusCode, 400);
  });

  describe("admin shortcuts", () => {
    it("button-checkout signs the selected buyer in and answers the review URL", async () => {
      const response = await app.inject({
        method: "POST",
        url: "/__admin/button-checkout",
        payload: { ...button(), buyer: { card: "4354" } },
      });
      assert.equal(response.statusCode, 200, response.body);
      const { checkoutSessionId, redirectUrl } = response.json();
      assert.deepEqual(Object.keys(response.json()), ["checkoutSessionId", "redirectUrl"]);
      assert.equal(redirectUrl, `https://shop.example/review?amazonCheckoutSessionId=${checkoutSessionId}`);
      assert.equal(engine.instruments.get(checkoutSessionId)?.last4, "4354");
    });

    it("button-checkout with ProcessOrder goes on to processing and the result URL", async () => {
      const payload = JSON.stringify({
        ...PAYLOAD,
        webCheckoutDetails: {
          checkoutResultReturnUrl: "https://shop.example/apb-result",
          checkoutMode: "ProcessOrder",
        },
      });
      const response = await app.inject({
        method: "POST",
        url: "/__admin/button-checkout",
        payload: button(payload),
      });
      assert.equal(response.statusCode, 200, response.body);
      const { checkoutSessionId, redirectUrl } = response.json();
      assert.equal(
        redirectUrl,
        `https://shop.example/apb-result?amazonCheckoutSessionId=${checkoutSessionId}`,
      );
      assert.deepEqual(engine.authenticated, [checkoutSessionId]);
    });

    it("button-checkout refuses a bad signature with Amazon's error body", async () => {
      const response = await app.inject({
        method: "POST",
        url: "/__admin/button-checkout",
        payload: { ...button(), signature: button(JSON.stringify({ other: 1 })).signature },
      });
      assert.equal(response.statusCode, 403);
      assert.deepEqual(Object.keys(response.json()), ["reasonCode", "message"]);
      assert.equal(engine.sessions.size, 0);
    });

    it("approve, change and authenticate do what the pages do", async () => {
      const id = await startSession();
      const early = await app.inject({
        method: "POST",
        url: `/__admin/checkout-sessions/${id}/authenticate`,
      });
      assert.equal(early.statusCode, 422);
      assert.equal(early.json().reasonCode, "InvalidCheckoutSessionStatus");
      const approve = await app.inject({
        method: "POST",
        url: `/__admin/checkout-sessions/${id}/approve`,
        payload: { buyer: { email: "oliver.brown@example.co.uk" } },
      });
      assert.equal(approve.statusCode, 200, approve.body);
      assert.deepEqual(approve.json(), {
        redirectUrl: `https://shop.example/review?amazonCheckoutSessionId=${id}`,
      });
      const next = await app.inject({
        method: "POST",
        url: `/__admin/checkout-sessions/${id}/change`,
        payload: { changeAction: "changeAddress" },
      });
      assert.equal(next.statusCode, 200);
      assert.equal(engine.sessions.get(id)?.shippingAddress?.city, "Paris");
      const card = await app.inject({
        method: "POST",
        url: `/__admin/checkout-sessions/${id}/change`,
        payload: { changeAction: "changePayment", buyer: { card: "3434" } },
      });
      assert.equal(card.statusCode, 200);
      assert.equal(engine.instruments.get(id)?.last4, "3434");
      const authenticate = await app.inject({
        method: "POST",
        url: `/__admin/checkout-sessions/${id}/authenticate`,
      });
      assert.equal(authenticate.statusCode, 200);
      assert.deepEqual(authenticate.json(), {
        redirectUrl: `https://shop.example/result?order=7&amazonCheckoutSessionId=${id}`,
      });
    });

    it("refuses unknown sessions, buyers and fields with Amazon's codes", async () => {
      const id = await startSession();
      const cases: [string, unknown, number, string][] = [
        ["/__admin/checkout-sessions/nope/approve", {}, 404, "ResourceNotFound"],
        [
          `/__admin/checkout-sessions/${id}/approve`,
          { buyer: { card: "9999" } },
          400,
          "InvalidParameterValue",
        ],
        [`/__admin/checkout-sessions/${id}/approve`, { buyer: "anna" }, 400, "InvalidParameterValue"],
        [`/__admin/checkout-sessions/${id}/approve`, { buyr: {} }, 400, "UnrecognizedField"],
        [
          `/__admin/checkout-sessions/${id}/change`,
          { changeAction: "changeAddress" },
          422,
          "InvalidCheckoutSessionStatus",
        ],
        [`/__admin/checkout-sessions/${id}/change`, { changeAction: "nope" }, 400, "InvalidParameterValue"],
      ];
      for (const [url, payload, status, reasonCode] of cases) {
        const response = await app.inject({ method: "POST", url, payload: payload as object });
        assert.equal(response.statusCode, status, `${url} ${JSON.stringify(payload)}: ${response.body}`);
        assert.equal(response.json().reasonCode, reasonCode);
      }
      assert.equal(engine.sessions.get(id)?.buyer, null);
    });
  });
});
