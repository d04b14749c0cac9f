/**
 * Merchant API keys (`api_keys`): `kasse_sk_` and 32 random bytes (base64url), shown once at
 * creation. Only the key's SHA-256 is stored — for a 256-bit random secret a fast hash is as
 * strong as a slow KDF, and it lets a request be authenticated by one index lookup.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Queryable } from "../store/database.js";
import type { Principal, Role } from "./principal.js";

export const API_KEY_PREFIX = "kasse_sk_";

export type MerchantRole = Exclude<Role, "operator">;

export interface ApiKeyView {
  readonly keyId: string;
  readonly merchantId: string;
  /** The key's first characters, to recognise it (never enough to use it). */
  readonly prefix: string;
  readonly role: MerchantRole;
  readonly label: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

interface ApiKeyRow {
  merchant_id: string;
  key_id: string;
  prefix: string;
  role: MerchantRole;
  label: string;
  created_by: string;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

const COLUMNS = "merchant_id, key_id, prefix, role, label, created_by, created_at, last_used_at, revoked_at";

function hashOf(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function iso(epoch: number | string | null): string | null {
  return epoch === null ? null : new Date(Number(epoch)).toISOString();
}

function viewOf(row: ApiKeyRow): ApiKeyView {
  return {
    keyId: row.key_id,
    merchantId: row.merchant_id,
    prefix: row.prefix,
    role: row.role,
    label: row.label,
    createdBy: row.created_by,
    createdAt: iso(row.created_at) as string,
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

/** Creates a key; the returned `key` exists nowhere else afterwards. */
export async function createApiKey(
  db: Queryable,
  input: {
    readonly merchantId: string;
    readonly role: MerchantRole;
    readonly label: string;
    readonly createdBy: string;
  },
  now: number,
): Promise<ApiKeyView & { readonly key: string }> {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const keyId = `key_${randomBytes(8).toString("hex")}`;
  const rows = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (merchant_id, key_id, key_hash, prefix, role, label, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [
      input.merchantId,
      keyId,
      hashOf(key),
      key.slice(0, API_KEY_PREFIX.length + 6),
      input.role,
      input.label,
      input.createdBy,
      now,
    ],
  );
  return { ...viewOf(rows[0] as ApiKeyRow), key };
}

export async function listApiKeys(db: Queryable, merchantId: string): Promise<ApiKeyView[]> {
  const rows = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE merchant_id = $1 ORDER BY created_at, key_id`,
    [merchantId],
  );
  return rows.map(viewOf);
}

/** Revokes a key at once; `undefined` when the merchant has no such key. */
export async function revokeApiKey(
  db: Queryable,
  merchantId: string,
  keyId: string,
  now: number,
): Promise<ApiKeyView | undefined> {
  const rows = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE merchant_id = $1 AND key_id = $2
     RETURNING ${COLUMNS}`,
    [merchantId, keyId, now],
  );
  const row = rows[0];
  return row ? viewOf(row) : undefined;
}

/** The principal of a presented key, `undefined` for an unknown or revoked one. */
export async function principalOfApiKey(
  db: Queryable,
  key: string,
  now: number,
): Promise<Principal | undefined> {
  if (!key.startsWith(API_KEY_PREFIX)) return undefined;
  const rows = await db.query<{ merchant_id: string; key_id: string; role: MerchantRole }>(
    `UPDATE api_keys SET last_used_at = $2 WHERE key_hash = $1 AND revoked_at IS NULL
     RETURNING merchant_id, key_id, role`,
    [hashOf(key), now],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { kind: "merchant", actor: `apiKey:${row.key_id}`, merchantId: row.merchant_id, role: row.role };
}
