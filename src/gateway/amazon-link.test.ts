import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import type { Merchant } from "../merchants/directory.js";
import { AmazonLinkError, AmazonLinks } from "./amazon-link.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

function merchant(overrides: Partial<Merchant> = {}): Merchant {
  return {
    merchantId: "M1",
    name: "Shop",
    active: true,
    hmacKey: "h",
    blowfishKey: "b",
    environment: "sandbox",
    amazon: {
      environment: "sandbox",
      region: "eu",
      merchantId: "A1",
      storeId: "S1",
      publicKeyId: "SANDBOX-K1",
    },
    amazonPrivateKeyPem: privateKey,
    settings: {},
    updatedAt: 1,
    ...overrides,
  };
}

describe("per-merchant Amazon clients", () => {
  it("builds one client per merchant and rebuilds it when the merchant changed", async () => {
    const links = new AmazonLinks();
    try {
      const first = links.forMerchant(merchant());
      assert.equal(links.forMerchant(merchant()), first);
      assert.equal(first.privateKey.asymmetricKeyType, "rsa");
      assert.equal(first.storeId, "S1");
      assert.notEqual(links.forMerchant(merchant({ merchantId: "M2" })), first);
      assert.notEqual(
        links.forMerchant(merchant({ updatedAt: 2 })),
        first,
        "a changed merchant gets a new client",
      );
    } finally {
      await links.close();
    }
  });

  it("refuses an emulator merchant when no emulator runs with the gateway", () => {
    const emulated = merchant({
      environment: "emulator",
      amazon: { environment: "emulator", region: "eu", merchantId: "A1", storeId: "S1", publicKeyId: "K1" },
    });
    assert.throws(() => new AmazonLinks().forMerchant(emulated), AmazonLinkError);
  });
});
