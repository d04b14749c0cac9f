/**
 * `deliverySpecifications` enforced on the buyer's address choice (reference §4.1, §11.2): the
 * session is created with the official SDK; the admin shortcuts pick the first allowed address
 * or refuse an excluded one with a clear message; the pages show excluded addresses unavailable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  createMerchant,
  headers,
  REVIEW_URL,
  type SdkClient,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

let emulator: RunningEmulator;
let eu: { merchant: TestMerchant; client: SdkClient };
let na: { merchant: TestMerchant; client: SdkClient };

before(async () => {
  emulator = await startTestEmulator();
  const euMerchant = await createMerchant(emulator, { region: "eu" });
  const naMerchant = await createMerchant(emulator, { region: "na" });
  eu = { merchant: euMerchant, client: sdkClient(emulator, euMerchant) };
  na = { merchant: naMerchant, client: sdkClient(emulator, naMerchant) };
});
after(() => emulator.close());

async function sessionWith(
  shop: { merchant: TestMerchant; client: SdkClient },
  deliverySpecifications: Record<string, unknown>,
): Promise<string> {
  const created = await shop.client.createCheckoutSession(
    {
      webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL },
      storeId: shop.merchant.storeId,
      deliverySpecifications,
    },
    headers(),
  );
  assert.equal(created.status, 201);
  assert.deepEqual(created.data.deliverySpecifications, deliverySpecifications);
  return created.data.checkoutSessionId;
}

const post = (url: string, payload: object = {}) => emulator.app.inject({ method: "POST", url, payload });

async function shippingCity(shop: { client: SdkClient }, id: string): Promise<string> {
  return (await shop.client.getCheckoutSession(id)).data.shippingAddress.city;
}

describe("deliverySpecifications on the buyer's address", () => {
  const noBerlinNoPackstation = {
    specialRestrictions: ["RestrictPackstations"],
    addressRestrictions: { type: "NotAllowed", restrictions: { DE: { zipCodes: ["10117"] } } },
  };

  it("approve without an address picks the first one the shop delivers to", async () => {
    const id = await sessionWith(eu, noBerlinNoPackstation);
    const approved = await post(`/__admin/checkout-sessions/${id}/approve`);
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(await shippingCity(eu, id), "München");
  });

  it("an excluded address is refused with 400 and the reason; nothing changes", async () => {
    const id = await sessionWith(eu, noBerlinNoPackstation);
    const packstation = await post(`/__admin/checkout-sessions/${id}/approve`, {
      buyer: { address: "eu-anna-packstation" },
    });
    assert.equal(packstation.statusCode, 400);
    assert.equal(packstation.json().reasonCode, "InvalidParameterValue");
    assert.match(packstation.json().message, /eu-anna-packstation .*Packstations/);
    assert.equal((await eu.client.getCheckoutSession(id)).data.buyer, null);

    await post(`/__admin/checkout-sessions/${id}/approve`, { buyer: { address: "eu-anna-work" } });
    const home = await post(`/__admin/checkout-sessions/${id}/change`, {
      changeAction: "changeAddress",
      buyer: { address: "eu-anna-home" },
    });
    assert.equal(home.statusCode, 400);
    assert.match(home.json().message, /does not deliver to this state or postal code in DE/);
    // Without a selection, "change" moves to the next allowed address: here none but the current.
    const next = await post(`/__admin/checkout-sessions/${id}/change`, { changeAction: "changeAddress" });
    assert.equal(next.statusCode, 200);
    assert.equal(await shippingCity(eu, id), "München");
  });

  it("Allowed countries: a buyer with no allowed address cannot continue; another can", async () => {
    const onlyGb = { addressRestrictions: { type: "Allowed", restrictions: { GB: {} } } };
    const id = await sessionWith(eu, onlyGb);
    const anna = await post(`/__admin/checkout-sessions/${id}/approve`);
    assert.equal(anna.statusCode, 400);
    assert.match(anna.json().message, /None of Anna Schmidt's addresses.*only to GB/);
    const paris = await post(`/__admin/checkout-sessions/${id}/approve`, {
      buyer: { email: "oliver.brown@example.co.uk", address: "eu-oliver-paris" },
    });
    assert.equal(paris.statusCode, 400);
    const oliver = await post(`/__admin/checkout-sessions/${id}/approve`, {
      buyer: { email: "oliver.brown@example.co.uk" },
    });
    assert.equal(oliver.statusCode, 200);
    assert.equal(await shippingCity(eu, id), "London");
  });

  it("Allowed states and RestrictPOBoxes (US): the pages show excluded addresses as unavailable", async () => {
    const id = await sessionWith(na, {
      specialRestrictions: ["RestrictPOBoxes"],
      addressRestrictions: { type: "Allowed", restrictions: { US: { statesOrRegions: ["CA", "WA"] } } },
    });
    const jane = "amzn1.account.AEMULATORJANE0DOE0US000003";
    const page = await emulator.app.inject({
      method: "GET",
      url: `/buyer/select?amazonCheckoutSessionId=${id}&buyerId=${jane}`,
    });
    assert.equal(page.statusCode, 200);
    const option = (addressId: string) =>
      new RegExp(`<input type="radio" name="addressId" value="${addressId}"[^>]*>`).exec(page.body)?.[0] ??
      "";
    assert.match(option("na-jane-home"), /checked/);
    assert.doesNotMatch(option("na-jane-home"), /disabled/);
    assert.match(option("na-jane-pobox"), /disabled/);
    assert.match(page.body, /Not available for this order: The shop does not deliver to PO boxes\./);

    const carlos = await post(`/__admin/checkout-sessions/${id}/approve`, {
      buyer: { email: "carlos.ruiz@example.com" },
    });
    assert.equal(carlos.statusCode, 400, "Carlos lives in TX");
    const pobox = await post(`/__admin/checkout-sessions/${id}/approve`, {
      buyer: { address: "na-jane-pobox" },
    });
    assert.match(pobox.json().message, /PO boxes/);
    await post(`/__admin/checkout-sessions/${id}/approve`);
    assert.equal(await shippingCity(na, id), "Seattle");
    // Changing without a selection skips the PO box: home → work (CA) → home.
    await post(`/__admin/checkout-sessions/${id}/change`, { changeAction: "changeAddress" });
    assert.equal(await shippingCity(na, id), "San Francisco");
    await post(`/__admin/checkout-sessions/${id}/change`, { changeAction: "changeAddress" });
    assert.equal(await shippingCity(na, id), "Seattle");
  });
});
