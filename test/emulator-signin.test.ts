/**
 * The SignIn button (reference §2.5, §4.6, §15) with the official SDK: the merchant signs the
 * `signInConfig` payload with `generateButtonSignature`, the buyer signs in (admin shortcut, and
 * the HTML pages as checkout.js and a browser use them) and returns to
 * `signInReturnUrl?buyerToken=…`; `getBuyer` answers the buyer with the scopes asked for.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  createMerchant,
  failure,
  type SdkClient,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

const SHOP = "https://shop.example";

type SigningClient = SdkClient & { generateButtonSignature(payload: string): string };

describe("SignIn button and Get Buyer", () => {
  let emulator: RunningEmulator;
  let merchant: TestMerchant;
  let client: SigningClient;

  before(async () => {
    emulator = await startTestEmulator();
    merchant = await createMerchant(emulator, { region: "eu" });
    client = sdkClient(emulator, merchant, { algorithm: "AMZN-PAY-RSASSA-PSS-V2" }) as SigningClient;
  });
  after(async () => {
    await emulator?.close();
  });

  /** The `signInConfig` a merchant puts on the button, signed by the official SDK. */
  function signInConfig(payload: Record<string, unknown>, signer: SigningClient = client) {
    const payloadJSON = JSON.stringify(payload);
    return {
      payloadJSON,
      signature: signer.generateButtonSignature(payloadJSON),
      publicKeyId: merchant.publicKeyId,
      algorithm: "AMZN-PAY-RSASSA-PSS-V2",
    };
  }

  const post = (url: string, payload: object) => emulator.app.inject({ method: "POST", url, payload });

  it("the shortcut signs the buyer in; Get Buyer shows exactly the scopes asked for", async () => {
    const config = signInConfig({
      signInReturnUrl: `${SHOP}/login?step=return`,
      signInCancelUrl: `${SHOP}/cart`,
      storeId: merchant.storeId,
      signInScopes: ["name", "email", "shippingAddress"],
    });
    const answer = await post("/__admin/button-signin", { ...config, buyer: { address: "eu-anna-work" } });
    assert.equal(answer.statusCode, 200, answer.body);
    const { buyerToken, redirectUrl } = answer.json();
    assert.equal(redirectUrl, `${SHOP}/login?step=return&buyerToken=${encodeURIComponent(buyerToken)}`);

    const buyer = await client.getBuyer(buyerToken);
    assert.equal(buyer.status, 200);
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
    assert.equal(buyer.data.buyerId, "amzn1.account.AEMULATORANNA0SCHMIDT0DE01");
    assert.equal(buyer.data.name, "Anna Schmidt");
    assert.equal(buyer.data.email, "anna.schmidt@example.de");
    assert.equal(buyer.data.shippingAddress.city, "München");
    assert.equal(buyer.data.phoneNumber, null);
    assert.equal(buyer.data.postalCode, null);
    assert.equal(buyer.data.billingAddress, null);
  });

  it("without signInScopes the buyer shares name and email (Amazon's default)", async () => {
    const config = signInConfig({ signInReturnUrl: `${SHOP}/login`, storeId: merchant.storeId });
    const { buyerToken } = (await post("/__admin/button-signin", config)).json();
    const buyer = (await client.getBuyer(buyerToken)).data;
    assert.equal(buyer.name, "Anna Schmidt");
    assert.equal(buyer.email, "anna.schmidt@example.de");
    assert.equal(buyer.shippingAddress, null);
  });

  it("a person clicks through: button → sign-in page → back to the shop with a token usable once", async () => {
    const config = signInConfig({
      signInReturnUrl: `${SHOP}/login`,
      signInCancelUrl: `${SHOP}/cart`,
      storeId: merchant.storeId,
      signInScopes: ["postalCode", "phoneNumber"],
    });
    // What checkout.js posts after a click on a SignIn button.
    const clicked = await post("/buyer/signin-button", {
      ...config,
      merchantId: merchant.merchantId,
      sandbox: true,
    });
    assert.equal(clicked.statusCode, 200, clicked.body);
    assert.equal(clicked.headers["access-control-allow-origin"], "*");
    const { signInId, redirectUrl } = clicked.json();
    assert.equal(redirectUrl, `/buyer/login?signInId=${signInId}`);

    const page = await emulator.app.inject({ method: "GET", url: redirectUrl });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /your postal code and country/);
    assert.match(page.body, /your phone number/);
    assert.match(page.body, /Oliver Brown/);
    const token = /name="token" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const form = (fields: Record<string, string>) => ({
      method: "POST" as const,
      url: "/buyer/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams(fields).toString(),
    });
    const forged = await emulator.app.inject(
      form({ signInId, token: "forged", buyerId: "amzn1.account.AEMULATOROLIVER0BROWN0UK02" }),
    );
    assert.equal(forged.statusCode, 403);

    const signedIn = await emulator.app.inject(
      form({ signInId, token, buyerId: "amzn1.account.AEMULATOROLIVER0BROWN0UK02" }),
    );
    assert.equal(signedIn.statusCode, 303);
    const location = new URL(signedIn.headers.location as string);
    assert.equal(`${location.origin}${location.pathname}`, `${SHOP}/login`);
    const buyer = (await client.getBuyer(location.searchParams.get("buyerToken"))).data;
    assert.equal(buyer.name, null);
    assert.equal(buyer.postalCode, "NW1 6XE");
    assert.equal(buyer.countryCode, "GB");
    assert.equal(buyer.phoneNumber, "+44 20 7946 0958");

    // The sign-in is used up: the form again, or the page, says so.
    const again = await emulator.app.inject(
      form({ signInId, token, buyerId: "amzn1.account.AEMULATOROLIVER0BROWN0UK02" }),
    );
    assert.equal(again.statusCode, 409);
    assert.equal((await emulator.app.inject({ method: "GET", url: redirectUrl })).statusCode, 409);
  });

  it("the buyer may go back to signInCancelUrl without signing in", async () => {
    const config = signInConfig({
      signInReturnUrl: `${SHOP}/login`,
      signInCancelUrl: `${SHOP}/cart`,
      storeId: merchant.storeId,
    });
    const { redirectUrl } = (await post("/buyer/signin-button", config)).json();
    const page = await emulator.app.inject({ method: "GET", url: redirectUrl });
    const token = /name="token" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const signInId = new URL(redirectUrl, "https://x").searchParams.get("signInId") as string;
    const canceled = await emulator.app.inject({
      method: "POST",
      url: "/buyer/login/cancel",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ signInId, token }).toString(),
    });
    assert.equal(canceled.statusCode, 303);
    assert.equal(canceled.headers.location, `${SHOP}/cart`);
  });

  it("refuses a bad signature, a foreign storeId, unknown scopes and a buyer of another region", async () => {
    const good = { signInReturnUrl: `${SHOP}/login`, storeId: merchant.storeId };
    const tampered = {
      ...signInConfig(good),
      payloadJSON: JSON.stringify({ ...good, signInReturnUrl: "https://evil.example" }),
    };
    const badSignature = await post("/__admin/button-signin", tampered);
    assert.equal(badSignature.json().reasonCode, "InvalidRequestSignature");
    const foreignStore = await post(
      "/__admin/button-signin",
      signInConfig({ ...good, storeId: "amzn1.application-oa2-client.0000" }),
    );
    assert.deepEqual(
      [foreignStore.statusCode, foreignStore.json().reasonCode],
      [400, "InvalidParameterValue"],
    );
    const badScope = await post(
      "/__admin/button-signin",
      signInConfig({ ...good, signInScopes: ["shoeSize"] }),
    );
    assert.deepEqual([badScope.statusCode, badScope.json().reasonCode], [400, "InvalidParameterValue"]);
    const noReturn = await post("/__admin/button-signin", signInConfig({ storeId: merchant.storeId }));
    assert.deepEqual([noReturn.statusCode, noReturn.json().reasonCode], [400, "MissingParameterValue"]);
    const otherRegion = await post("/__admin/button-signin", {
      ...signInConfig(good),
      buyer: { email: "jane.doe@example.com" },
    });
    assert.equal(otherRegion.statusCode, 400);
  });

  it("a buyer token works for its own merchant only", async () => {
    const { buyerToken } = (
      await post(
        "/__admin/button-signin",
        signInConfig({ signInReturnUrl: `${SHOP}/login`, storeId: merchant.storeId }),
      )
    ).json();
    const other = await createMerchant(emulator, { region: "eu" });
    const refused = await failure(sdkClient(emulator, other).getBuyer(buyerToken));
    assert.deepEqual([refused.status, refused.reasonCode], [404, "ResourceNotFound"]);
  });

  it("a US merchant's sign-in page offers US test buyers", async () => {
    const us = await createMerchant(emulator, { region: "na" });
    const usClient = sdkClient(emulator, us) as SigningClient;
    const payloadJSON = JSON.stringify({ signInReturnUrl: `${SHOP}/login`, storeId: us.storeId });
    const { redirectUrl } = (
      await post("/buyer/signin-button", {
        payloadJSON,
        signature: usClient.generateButtonSignature(payloadJSON),
        publicKeyId: us.publicKeyId,
      })
    ).json();
    const page = await emulator.app.inject({ method: "GET", url: redirectUrl });
    assert.match(page.body, /Jane Doe/);
    assert.doesNotMatch(page.body, /Anna Schmidt/);
  });
});
