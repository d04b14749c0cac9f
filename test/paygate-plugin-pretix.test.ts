/**
 * pretix-computop's decoder on Kasse's answers. pretix has no Amazon Pay method of its own, but
 * its reading of Paygate answers is the strictest about padding: it tries a PKCS#7 unpad, falls
 * back to `rstrip()` (whitespace only, zero bytes stay), URL-decodes with `parse_qsl`, and
 * compares the `rstrip()`ped MAC exactly against upper case. Kasse's Blowfish answers end on a
 * block boundary (the `Filler` pair), so the MAC matches wherever it stands — the capture
 * notify has it last. See docs/paygate-plugins.md.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ShopCredentials } from "../src/paygate/client.js";
import { apbInitRequest, apbInitResponse, captureRequest, captureResponse } from "../src/paygate/tables.js";
import { browse, buyer, call, createShop, SHOP, startWorld, type World } from "./paygate-support.js";
import { pretix } from "./support/computop-plugins.js";

let world: World;
let shop: ShopCredentials;

before(async () => {
  world = await startWorld();
  shop = await createShop(world, "shop-pretix");
});
after(() => world.close());

describe("pretix-computop's decoder", () => {
  it("reads the URLSuccess return, the completion and capture notifies whole, MAC verified", async () => {
    const init = await call(
      world,
      shop,
      "amazonAPA.aspx",
      apbInitRequest,
      {
        TransID: "PRETIX-1",
        CountryCode: "EU",
        Amount: 1990,
        Currency: "EUR",
        URLSuccess: `${SHOP}/return?hash=ab`,
        URLFailure: `${SHOP}/return?hash=ab`,
        URLNotify: `${world.notify.url}/notify?hash=ab`,
        checkoutMode: "ProcessOrder",
        TxType: "Authorize",
      },
      apbInitResponse,
      { extra: [["UserData", "Bühne – Reihe 3 · 12 €"]] },
    );
    assert.equal(init.code, "00000000");
    const click = await buyer(world, "/__admin/button-checkout", {
      payloadJSON: init.values.buttonpayload,
      signature: init.values.buttonsignature,
      publicKeyId: init.values.buttonpublickeyid,
    });
    const success = await browse(world, click.redirectUrl as string);
    const returned = pretix.read(new URL(success).searchParams.get("Data") as string, shop.blowfishKey);
    assert.ok(pretix.macMatches(returned, shop.merchantId, shop.hmacKey), JSON.stringify(returned));
    assert.equal(returned.UserData, "Bühne – Reihe 3 · 12 €");
    assert.equal(returned.Code, "00000000");

    const payId = init.values.PayID as string;
    const capture = await call(
      world,
      shop,
      "capture.aspx",
      captureRequest,
      { PayID: payId, TransID: "PRETIX-1", Amount: 1990, Currency: "EUR" },
      captureResponse,
    );
    assert.ok(["OK", "PENDING"].includes(capture.values.Status as string));
    const notifies = await world.notify.waitFor(2);
    for (const notify of notifies) {
      assert.equal(notify.path, "/notify?hash=ab");
      const values = pretix.read(new URLSearchParams(notify.body).get("Data") as string, shop.blowfishKey);
      assert.ok(pretix.macMatches(values, shop.merchantId, shop.hmacKey), JSON.stringify(values));
      assert.equal(values.PayID, payId);
    }
  });
});
