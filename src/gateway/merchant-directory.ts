/**
 * The merchants as the gateway uses them: stored sealed (`store/merchants.ts`), opened here with
 * the master key when a request needs them. `Merchant` carries plaintext secrets and must never
 * be logged or returned by an API; `MerchantSummary` is what the admin API shows.
 */
import type { Clock } from "../core/clock.js";
import type { Database } from "../store/database.js";
import type { SecretBox } from "./secrets.js";
import {
  type AmazonLink,
  findMerchantRecord,
  insertMerchant,
  listMerchantRecords,
  type MerchantRecord,
  type MerchantSettings,
  updateMerchantAmazon,
  updateMerchantPaygateKeys,
  updateMerchantSettings,
} from "./store/merchants.js";

export type { AmazonEnvironment, AmazonLink, AmazonRegion, MerchantSettings } from "./store/merchants.js";

/** A merchant with its secrets opened. Shape-compatible with the Paygate pages' `PaygateMerchant`. */
export interface Merchant {
  readonly merchantId: string;
  readonly name: string;
  readonly active: boolean;
  readonly hmacKey: string;
  readonly blowfishKey: string;
  readonly aesKey?: string;
  readonly environment: AmazonLink["environment"];
  readonly amazon: AmazonLink;
  /** PEM; the Amazon client factory parses it once per merchant. */
  readonly amazonPrivateKeyPem: string;
  readonly settings: MerchantSettings;
  /** Changes whenever the stored merchant changes (cache key for derived objects). */
  readonly updatedAt: number;
}

export interface NewMerchant {
  readonly merchantId: string;
  readonly name: string;
  readonly hmacKey: string;
  readonly blowfishKey: string;
  readonly aesKey?: string;
  readonly amazon: AmazonLink;
  readonly amazonPrivateKeyPem: string;
  readonly settings: MerchantSettings;
}

/** What the admin API shows of a merchant: no secret, only whether an AES key is set. */
export interface MerchantSummary {
  readonly merchantId: string;
  readonly name: string;
  readonly active: boolean;
  readonly aes: boolean;
  readonly amazon: AmazonLink;
  readonly settings: MerchantSettings;
  readonly createdAt: string;
}

type SecretName = "hmacKey" | "blowfishKey" | "aesKey" | "amazonPrivateKey";

/** The associated-data label that binds a sealed value to its merchant and column. */
function label(merchantId: string, secret: SecretName): string {
  return `merchant:${merchantId}:${secret}`;
}

export class MerchantDirectory {
  readonly #db: Database;
  readonly #box: SecretBox;
  readonly #clock: Clock;

  constructor(options: { readonly db: Database; readonly secrets: SecretBox; readonly clock: Clock }) {
    this.#db = options.db;
    this.#box = options.secrets;
    this.#clock = options.clock;
  }

  /** Stores a new merchant with its secrets sealed; `false` when the id is taken. */
  async create(merchant: NewMerchant): Promise<boolean> {
    const seal = (value: string, secret: SecretName) =>
      this.#box.seal(value, label(merchant.merchantId, secret));
    return insertMerchant(
      this.#db,
      {
        merchantId: merchant.merchantId,
        name: merchant.name,
        amazon: merchant.amazon,
        settings: merchant.settings,
        sealed: {
          hmacKey: seal(merchant.hmacKey, "hmacKey"),
          blowfishKey: seal(merchant.blowfishKey, "blowfishKey"),
          ...(merchant.aesKey === undefined ? {} : { aesKey: seal(merchant.aesKey, "aesKey") }),
          amazonPrivateKey: seal(merchant.amazonPrivateKeyPem, "amazonPrivateKey"),
        },
      },
      this.#clock.now(),
    );
  }

  async exists(merchantId: string): Promise<boolean> {
    return (await findMerchantRecord(this.#db, merchantId)) !== undefined;
  }

  /** The active merchant with its secrets opened; `undefined` for an unknown or disabled one. */
  async find(merchantId: string): Promise<Merchant | undefined> {
    const record = await findMerchantRecord(this.#db, merchantId);
    if (!record?.active) return undefined;
    const open = (sealed: string, secret: SecretName) =>
      this.#box.open(sealed, label(record.merchantId, secret));
    return {
      merchantId: record.merchantId,
      name: record.name,
      active: record.active,
      hmacKey: open(record.sealed.hmacKey, "hmacKey"),
      blowfishKey: open(record.sealed.blowfishKey, "blowfishKey"),
      ...(record.sealed.aesKey === undefined ? {} : { aesKey: open(record.sealed.aesKey, "aesKey") }),
      environment: record.amazon.environment,
      amazon: record.amazon,
      amazonPrivateKeyPem: open(record.sealed.amazonPrivateKey, "amazonPrivateKey"),
      settings: record.settings,
      updatedAt: record.updatedAt,
    };
  }

  /** Merges a settings change (e.g. `canHandlePendingAuthorization`); `undefined` for an unknown merchant. */
  async updateSettings(merchantId: string, change: MerchantSettings): Promise<MerchantSummary | undefined> {
    const record = await updateMerchantSettings(this.#db, merchantId, change, this.#clock.now());
    return record ? summaryOf(record) : undefined;
  }

  /** Makes `amazon` (with its private key) the link the merchant's payments use from now on. */
  async updateAmazon(merchantId: string, amazon: AmazonLink, privateKeyPem: string): Promise<boolean> {
    const sealed = this.#box.seal(privateKeyPem, label(merchantId, "amazonPrivateKey"));
    return updateMerchantAmazon(this.#db, merchantId, amazon, sealed, this.#clock.now());
  }

  /** Replaces the Paygate keys (an AES key only when the merchant has one). */
  async updatePaygateKeys(
    merchantId: string,
    keys: { readonly hmacKey: string; readonly blowfishKey: string; readonly aesKey?: string },
  ): Promise<boolean> {
    const seal = (value: string, secret: SecretName) => this.#box.seal(value, label(merchantId, secret));
    return updateMerchantPaygateKeys(
      this.#db,
      merchantId,
      {
        hmacKey: seal(keys.hmacKey, "hmacKey"),
        blowfishKey: seal(keys.blowfishKey, "blowfishKey"),
        ...(keys.aesKey === undefined ? {} : { aesKey: seal(keys.aesKey, "aesKey") }),
      },
      this.#clock.now(),
    );
  }

  async summary(merchantId: string): Promise<MerchantSummary | undefined> {
    const record = await findMerchantRecord(this.#db, merchantId);
    return record ? summaryOf(record) : undefined;
  }

  async list(): Promise<MerchantSummary[]> {
    return (await listMerchantRecords(this.#db)).map(summaryOf);
  }
}

function summaryOf(record: MerchantRecord): MerchantSummary {
  return {
    merchantId: record.merchantId,
    name: record.name,
    active: record.active,
    aes: record.sealed.aesKey !== undefined,
    amazon: record.amazon,
    settings: record.settings,
    createdAt: new Date(record.createdAt).toISOString(),
  };
}
