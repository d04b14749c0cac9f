/**
 * The merchants as the gateway uses them: stored sealed (`store/merchants.ts`), opened here with
 * the master key when a request needs them. `Merchant` carries plaintext secrets and must never
 * be logged or returned by an API; `MerchantSummary` is what the admin API shows.
 */
import type { Clock } from "../core/clock.js";
import type { Database } from "../store/database.js";
import type { SecretSealer } from "./ports.js";
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
} from "./store.js";

export type { AmazonEnvironment, AmazonLink, AmazonRegion, MerchantSettings } from "./store.js";

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

/**
 * MerchantID is ans..30 (reference §4); Kasse admits the characters that are safe in URLs and
 * MACs. An id outside it cannot exist, so it is never looked up (a NUL byte would reach the
 * database as an error instead of "unknown merchant").
 */
export const MERCHANT_ID = /^[A-Za-z0-9_.-]{1,30}$/;

/**
 * How long an opened merchant is used without looking at its row again. A payment asks for its
 * merchant in nearly every step (14 times per payment, measured in docs/PERFORMANCE.md); changes
 * made through this directory take effect at once, changes made by another process sharing the
 * database within this time.
 */
export const MERCHANT_CACHE_MS = 1_000;

interface CachedMerchant {
  /** The row, re-read once the entry is older than MERCHANT_CACHE_MS. */
  readonly read: Promise<MerchantRecord | undefined>;
  readonly readAt: number;
}

export class MerchantDirectory {
  readonly #db: Database;
  readonly #box: SecretSealer;
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #rows = new Map<string, CachedMerchant>();
  /** The last merchant opened per id and the row it came from; its secrets are reused while sealed alike. */
  readonly #opened = new Map<string, { readonly record: MerchantRecord; readonly merchant: Merchant }>();

  constructor(options: {
    readonly db: Database;
    readonly secrets: SecretSealer;
    readonly clock: Clock;
    /** Monotonic milliseconds for the cache's age (not the domain clock, which tests move). */
    readonly monotonicNow?: () => number;
  }) {
    this.#db = options.db;
    this.#box = options.secrets;
    this.#clock = options.clock;
    this.#now = options.monotonicNow ?? (() => performance.now());
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
    ).finally(() => this.#forget(merchant.merchantId));
  }

  async exists(merchantId: string): Promise<boolean> {
    if (!MERCHANT_ID.test(merchantId)) return false;
    return (await findMerchantRecord(this.#db, merchantId)) !== undefined;
  }

  /** The active merchant with its secrets opened; `undefined` for an unknown or disabled one. */
  async find(merchantId: string): Promise<Merchant | undefined> {
    if (!MERCHANT_ID.test(merchantId)) return undefined;
    const record = await this.#record(merchantId);
    if (!record?.active) return undefined;
    const opened = this.#opened.get(merchantId);
    if (opened?.record === record) return opened.merchant;
    const merchant = this.#open(
      record,
      opened && sameSecrets(opened.record, record) ? opened.merchant : undefined,
    );
    this.#opened.set(merchantId, { record, merchant });
    return merchant;
  }

  /** The merchant's row, from the cache while it is younger than MERCHANT_CACHE_MS. */
  #record(merchantId: string): Promise<MerchantRecord | undefined> {
    const cached = this.#rows.get(merchantId);
    if (cached && this.#now() - cached.readAt < MERCHANT_CACHE_MS) return cached.read;
    const read = findMerchantRecord(this.#db, merchantId);
    this.#rows.set(merchantId, { read, readAt: this.#now() });
    // A failed read is not cached: the next request asks the database again.
    read.catch(() => this.#forget(merchantId));
    return read;
  }

  #forget(merchantId: string): void {
    this.#rows.delete(merchantId);
    this.#opened.delete(merchantId);
  }

  /** The merchant of `record`, its secrets taken from `previous` when they are sealed alike. */
  #open(record: MerchantRecord, previous: Merchant | undefined): Merchant {
    const open = (sealed: string, secret: SecretName) =>
      this.#box.open(sealed, label(record.merchantId, secret));
    return {
      merchantId: record.merchantId,
      name: record.name,
      active: record.active,
      hmacKey: previous?.hmacKey ?? open(record.sealed.hmacKey, "hmacKey"),
      blowfishKey: previous?.blowfishKey ?? open(record.sealed.blowfishKey, "blowfishKey"),
      ...(record.sealed.aesKey === undefined
        ? {}
        : { aesKey: previous?.aesKey ?? open(record.sealed.aesKey, "aesKey") }),
      environment: record.amazon.environment,
      amazon: record.amazon,
      amazonPrivateKeyPem:
        previous?.amazonPrivateKeyPem ?? open(record.sealed.amazonPrivateKey, "amazonPrivateKey"),
      settings: record.settings,
      updatedAt: record.updatedAt,
    };
  }

  /** Merges a settings change (e.g. `canHandlePendingAuthorization`); `undefined` for an unknown merchant. */
  async updateSettings(merchantId: string, change: MerchantSettings): Promise<MerchantSummary | undefined> {
    if (!MERCHANT_ID.test(merchantId)) return undefined;
    const record = await updateMerchantSettings(this.#db, merchantId, change, this.#clock.now()).finally(() =>
      this.#forget(merchantId),
    );
    return record ? summaryOf(record) : undefined;
  }

  /** Makes `amazon` (with its private key) the link the merchant's payments use from now on. */
  async updateAmazon(merchantId: string, amazon: AmazonLink, privateKeyPem: string): Promise<boolean> {
    const sealed = this.#box.seal(privateKeyPem, label(merchantId, "amazonPrivateKey"));
    return updateMerchantAmazon(this.#db, merchantId, amazon, sealed, this.#clock.now()).finally(() =>
      this.#forget(merchantId),
    );
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
    ).finally(() => this.#forget(merchantId));
  }

  async summary(merchantId: string): Promise<MerchantSummary | undefined> {
    if (!MERCHANT_ID.test(merchantId)) return undefined;
    const record = await findMerchantRecord(this.#db, merchantId);
    return record ? summaryOf(record) : undefined;
  }

  async list(): Promise<MerchantSummary[]> {
    return (await listMerchantRecords(this.#db)).map(summaryOf);
  }
}

/** Sealing uses a fresh IV each time, so equal sealed strings mean the very same secrets. */
function sameSecrets(a: MerchantRecord, b: MerchantRecord): boolean {
  return (
    a.sealed.hmacKey === b.sealed.hmacKey &&
    a.sealed.blowfishKey === b.sealed.blowfishKey &&
    a.sealed.aesKey === b.sealed.aesKey &&
    a.sealed.amazonPrivateKey === b.sealed.amazonPrivateKey
  );
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
