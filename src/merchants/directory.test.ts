import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ManualClock } from "../core/clock.js";
import { SecretBox } from "../gateway/secrets.js";
import { dbTransactions } from "../metrics.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { MERCHANT_CACHE_MS, MerchantDirectory } from "./directory.js";

const MIGRATIONS = fileURLToPath(new URL("../store/migrations/", import.meta.url));
const PEM = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  type: "pkcs8",
  format: "pem",
}) as string;

const AMAZON = {
  environment: "emulator",
  region: "eu",
  merchantId: "A1",
  storeId: "S",
  publicKeyId: "PK",
} as const;

/** Counts how often a sealed secret is opened (AES-GCM per secret, per find without a cache). */
class CountingBox extends SecretBox {
  opened = 0;
  override open(sealed: string, label: string): string {
    this.opened += 1;
    return super.open(sealed, label);
  }
}

let db: Database;
const box = new CountingBox(randomBytes(32));
const clock = new ManualClock();

async function transactions(): Promise<number> {
  const metric = await dbTransactions.get();
  return metric.values.reduce((sum, sample) => sum + sample.value, 0);
}

describe("merchant directory cache", () => {
  before(async () => {
    db = await openTestDatabase(MIGRATIONS);
  });
  after(() => db.close());

  it("reads a merchant's row at most once per MERCHANT_CACHE_MS and opens its secrets once", async () => {
    let now = 0;
    const directory = new MerchantDirectory({ db, secrets: box, clock, monotonicNow: () => now });
    // Another process sharing the database: its changes bypass this directory's cache.
    const elsewhere = new MerchantDirectory({ db, secrets: box, clock });
    assert.equal(
      await directory.create({
        merchantId: "cache-shop",
        name: "Cache shop",
        hmacKey: "hmac",
        blowfishKey: "blowfish",
        amazon: AMAZON,
        amazonPrivateKeyPem: PEM,
        settings: {},
      }),
      true,
    );
    const first = await directory.find("cache-shop");
    assert.equal(first?.hmacKey, "hmac");
    const reads = await transactions();
    const again = await Promise.all([directory.find("cache-shop"), directory.find("cache-shop")]);
    assert.equal(await transactions(), reads, "no database read within the cache time");
    assert.ok(
      again.every((merchant) => merchant === first),
      "the opened merchant is reused",
    );

    await elsewhere.updateSettings("cache-shop", { canHandlePendingAuthorization: true });
    assert.equal((await directory.find("cache-shop"))?.settings.canHandlePendingAuthorization, undefined);
    now += MERCHANT_CACHE_MS;
    const changed = await directory.find("cache-shop");
    assert.equal(changed?.settings.canHandlePendingAuthorization, true, "seen once the cache time is over");
    assert.equal(changed?.hmacKey, "hmac");
    assert.equal(
      box.opened,
      3,
      "hmac, Blowfish and private key opened once, not again for a settings change",
    );

    await directory.updateSettings("cache-shop", { canHandlePendingAuthorization: false });
    assert.equal(
      (await directory.find("cache-shop"))?.settings.canHandlePendingAuthorization,
      false,
      "a change through this directory takes effect at once",
    );
  });

  it("caches an unknown merchant as unknown only for the cache time", async () => {
    let now = 0;
    const directory = new MerchantDirectory({ db, secrets: box, clock, monotonicNow: () => now });
    assert.equal(await directory.find("later-shop"), undefined);
    const elsewhere = new MerchantDirectory({ db, secrets: box, clock });
    await elsewhere.create({
      merchantId: "later-shop",
      name: "Later",
      hmacKey: "h",
      blowfishKey: "b",
      amazon: AMAZON,
      amazonPrivateKeyPem: PEM,
      settings: {},
    });
    now += MERCHANT_CACHE_MS;
    assert.equal((await directory.find("later-shop"))?.name, "Later");
  });
});
