/**
 * Merchants in the store. Secrets (Paygate HMAC, Blowfish and AES keys, the Amazon private key)
 * are held sealed (`directory.ts` seals them through the `SecretSealer` port); this module stores and returns the sealed text and never sees
 * a plaintext secret.
 */
import type { Queryable } from "../store/database.js";

export type AmazonEnvironment = "emulator" | "sandbox" | "live";
export type AmazonRegion = "eu" | "na" | "jp";

export interface MerchantSettings {
  /** Sent with completion/charges: Amazon may authorise asynchronously (AuthorizationInitiated). */
  readonly canHandlePendingAuthorization?: boolean;
  /** Paygate capture/credit/reverse wait for the shop's answer to the first notify (docs/paygate-flows.md). */
  readonly requireFirstNotifyAnswered?: boolean;
  readonly ledgerCurrency?: string;
}

export interface AmazonLink {
  readonly environment: AmazonEnvironment;
  readonly region: AmazonRegion;
  readonly merchantId: string;
  readonly storeId: string;
  readonly publicKeyId: string;
}

/** Sealed secrets, as `secrets.ts` produces them. */
export interface SealedMerchantSecrets {
  readonly hmacKey: string;
  readonly blowfishKey: string;
  readonly aesKey?: string;
  readonly amazonPrivateKey: string;
}

export interface MerchantRecord {
  readonly merchantId: string;
  readonly name: string;
  readonly active: boolean;
  readonly amazon: AmazonLink;
  readonly settings: MerchantSettings;
  readonly sealed: SealedMerchantSecrets;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface MerchantRow {
  merchant_id: string;
  name: string;
  active: boolean;
  hmac_key_enc: string;
  blowfish_key_enc: string;
  aes_key_enc: string | null;
  amazon_environment: AmazonEnvironment;
  amazon_region: AmazonRegion;
  amazon_merchant_id: string;
  amazon_store_id: string;
  amazon_public_key_id: string;
  amazon_private_key_enc: string;
  settings: MerchantSettings | string;
  created_at: number | string;
  updated_at: number | string;
}

const COLUMNS = `merchant_id, name, active, hmac_key_enc, blowfish_key_enc, aes_key_enc, amazon_environment,
  amazon_region, amazon_merchant_id, amazon_store_id, amazon_public_key_id, amazon_private_key_enc, settings,
  created_at, updated_at`;

/** Stores a new merchant; `false` when the merchant id exists already. */
export async function insertMerchant(
  db: Queryable,
  merchant: Omit<MerchantRecord, "createdAt" | "updatedAt" | "active">,
  now: number,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO merchants (${COLUMNS})
     VALUES ($1, $2, true, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
     ON CONFLICT (merchant_id) DO NOTHING RETURNING merchant_id`,
    [
      merchant.merchantId,
      merchant.name,
      merchant.sealed.hmacKey,
      merchant.sealed.blowfishKey,
      merchant.sealed.aesKey ?? null,
      merchant.amazon.environment,
      merchant.amazon.region,
      merchant.amazon.merchantId,
      merchant.amazon.storeId,
      merchant.amazon.publicKeyId,
      merchant.sealed.amazonPrivateKey,
      JSON.stringify(merchant.settings),
      now,
    ],
  );
  return rows.length > 0;
}

export async function findMerchantRecord(
  db: Queryable,
  merchantId: string,
): Promise<MerchantRecord | undefined> {
  const rows = await db.query<MerchantRow>(`SELECT ${COLUMNS} FROM merchants WHERE merchant_id = $1`, [
    merchantId,
  ]);
  const row = rows[0];
  return row ? merchantOf(row) : undefined;
}

/** Merges `change` into the merchant's settings; `undefined` for an unknown merchant. */
export async function updateMerchantSettings(
  db: Queryable,
  merchantId: string,
  change: MerchantSettings,
  now: number,
): Promise<MerchantRecord | undefined> {
  const rows = await db.query<MerchantRow>(
    `UPDATE merchants SET settings = settings || $2::jsonb, updated_at = $3 WHERE merchant_id = $1
     RETURNING ${COLUMNS}`,
    [merchantId, JSON.stringify(change), now],
  );
  const row = rows[0];
  return row ? merchantOf(row) : undefined;
}

/** Replaces the merchant's active Amazon link and its sealed private key (back office: "use these credentials"). */
export async function updateMerchantAmazon(
  db: Queryable,
  merchantId: string,
  amazon: AmazonLink,
  sealedPrivateKey: string,
  now: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE merchants SET amazon_environment = $2, amazon_region = $3, amazon_merchant_id = $4, amazon_store_id = $5,
       amazon_public_key_id = $6, amazon_private_key_enc = $7, updated_at = $8 WHERE merchant_id = $1 RETURNING merchant_id`,
    [
      merchantId,
      amazon.environment,
      amazon.region,
      amazon.merchantId,
      amazon.storeId,
      amazon.publicKeyId,
      sealedPrivateKey,
      now,
    ],
  );
  return rows.length > 0;
}

/** Replaces the merchant's sealed Paygate keys (rotation: the old ones stop working at once). */
export async function updateMerchantPaygateKeys(
  db: Queryable,
  merchantId: string,
  sealed: { readonly hmacKey: string; readonly blowfishKey: string; readonly aesKey?: string },
  now: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE merchants SET hmac_key_enc = $2, blowfish_key_enc = $3, aes_key_enc = COALESCE($4, aes_key_enc), updated_at = $5
     WHERE merchant_id = $1 RETURNING merchant_id`,
    [merchantId, sealed.hmacKey, sealed.blowfishKey, sealed.aesKey ?? null, now],
  );
  return rows.length > 0;
}

/** The admin listing (its one cross-merchant query: the operator sees every merchant). */
export async function listMerchantRecords(db: Queryable): Promise<MerchantRecord[]> {
  const rows = await db.query<MerchantRow>(`SELECT ${COLUMNS} FROM merchants ORDER BY merchant_id`);
  return rows.map(merchantOf);
}

function merchantOf(row: MerchantRow): MerchantRecord {
  return {
    merchantId: row.merchant_id,
    name: row.name,
    active: row.active,
    amazon: {
      environment: row.amazon_environment,
      region: row.amazon_region,
      merchantId: row.amazon_merchant_id,
      storeId: row.amazon_store_id,
      publicKeyId: row.amazon_public_key_id,
    },
    settings: typeof row.settings === "string" ? JSON.parse(row.settings) : row.settings,
    sealed: {
      hmacKey: row.hmac_key_enc,
      blowfishKey: row.blowfish_key_enc,
      ...(row.aes_key_enc === null ? {} : { aesKey: row.aes_key_enc }),
      amazonPrivateKey: row.amazon_private_key_enc,
    },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
