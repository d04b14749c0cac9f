/**
 * SQL access for the emulator's tables (migrations/001_emulator.sql). Every function takes the
 * connection or transaction to run on, so an operation, its IPN outbox rows and its idempotency
 * record commit together.
 */
import type { Queryable } from "../../store/database.js";
import type { Notice } from "../state/common.js";

export type { Database, Queryable } from "../../store/database.js";

export type ObjectKind =
  | "CheckoutSession"
  | "ChargePermission"
  | "Charge"
  | "Refund"
  | "BuyerToken"
  | "SignInRequest";

export interface MerchantRow {
  readonly merchantId: string;
  readonly region: "eu" | "na" | "jp";
  readonly ledgerCurrency: string;
  readonly name: string;
  readonly storeId: string;
  readonly ipnUrl: string | null;
}

export interface PublicKeyRow {
  readonly publicKeyId: string;
  readonly merchantId: string;
  readonly environment: "sandbox" | "live" | null;
  readonly publicKeyPem: string;
}

interface MerchantSqlRow {
  merchant_id: string;
  region: "eu" | "na" | "jp";
  ledger_currency: string;
  name: string;
  store_id: string;
  ipn_url: string | null;
}

function merchantOf(row: MerchantSqlRow): MerchantRow {
  return {
    merchantId: row.merchant_id,
    region: row.region,
    ledgerCurrency: row.ledger_currency,
    name: row.name,
    storeId: row.store_id,
    ipnUrl: row.ipn_url,
  };
}

export async function insertMerchant(db: Queryable, merchant: MerchantRow): Promise<void> {
  await db.query(
    "insert into merchants (merchant_id, region, ledger_currency, name, store_id, ipn_url) values ($1, $2, $3, $4, $5, $6)",
    [
      merchant.merchantId,
      merchant.region,
      merchant.ledgerCurrency,
      merchant.name,
      merchant.storeId,
      merchant.ipnUrl,
    ],
  );
}

export async function findMerchant(db: Queryable, merchantId: string): Promise<MerchantRow | undefined> {
  const rows = await db.query<MerchantSqlRow>(
    "select merchant_id, region, ledger_currency, name, store_id, ipn_url from merchants where merchant_id = $1",
    [merchantId],
  );
  return rows[0] === undefined ? undefined : merchantOf(rows[0]);
}

export async function insertPublicKey(db: Queryable, key: PublicKeyRow): Promise<void> {
  await db.query(
    "insert into public_keys (public_key_id, merchant_id, environment, public_key_pem) values ($1, $2, $3, $4)",
    [key.publicKeyId, key.merchantId, key.environment, key.publicKeyPem],
  );
}

export async function findPublicKey(db: Queryable, publicKeyId: string): Promise<PublicKeyRow | undefined> {
  const rows = await db.query<{
    public_key_id: string;
    merchant_id: string;
    environment: "sandbox" | "live" | null;
    public_key_pem: string;
  }>(
    "select public_key_id, merchant_id, environment, public_key_pem from public_keys where public_key_id = $1",
    [publicKeyId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    publicKeyId: row.public_key_id,
    merchantId: row.merchant_id,
    environment: row.environment,
    publicKeyPem: row.public_key_pem,
  };
}

export interface StoredObject<Record> {
  readonly kind: ObjectKind;
  readonly id: string;
  readonly merchantId: string;
  readonly environment: "sandbox" | "live";
  readonly parentId: string | null;
  readonly record: Record;
}

interface ObjectSqlRow {
  kind: ObjectKind;
  id: string;
  merchant_id: string;
  environment: "sandbox" | "live";
  parent_id: string | null;
  record: unknown;
}

function storedOf<Record>(row: ObjectSqlRow): StoredObject<Record> {
  const record = typeof row.record === "string" ? JSON.parse(row.record) : row.record;
  return {
    kind: row.kind,
    id: row.id,
    merchantId: row.merchant_id,
    environment: row.environment,
    parentId: row.parent_id,
    record: record as Record,
  };
}

const OBJECT_COLUMNS = "kind, id, merchant_id, environment, parent_id, record";

/** One object; `lock` takes a row lock until the transaction ends. */
export async function loadObject<Record>(
  db: Queryable,
  kind: ObjectKind,
  id: string,
  lock = false,
): Promise<StoredObject<Record> | undefined> {
  const rows = await db.query<ObjectSqlRow>(
    `select ${OBJECT_COLUMNS} from objects where kind = $1 and id = $2${lock ? " for update" : ""}`,
    [kind, id],
  );
  return rows[0] === undefined ? undefined : storedOf<Record>(rows[0]);
}

/**
 * A Charge Permission and every Charge and Refund under it. The permission row is locked first,
 * in its own statement: under READ COMMITTED the children are then read with a snapshot taken
 * after any concurrent writer of the family committed, so no charge it added is missed.
 */
export async function loadFamilyRows(
  db: Queryable,
  chargePermissionId: string,
): Promise<StoredObject<unknown>[]> {
  const head = await db.query<ObjectSqlRow>(
    `select ${OBJECT_COLUMNS} from objects where kind = 'ChargePermission' and id = $1 for update`,
    [chargePermissionId],
  );
  if (head.length === 0) return [];
  const children = await db.query<ObjectSqlRow>(
    `select ${OBJECT_COLUMNS} from objects
      where parent_id = $1 and kind in ('Charge', 'Refund')
      order by created_at, id for update`,
    [chargePermissionId],
  );
  return [...head, ...children].map((row) => storedOf(row));
}

export interface ObjectWrite {
  readonly kind: ObjectKind;
  readonly id: string;
  readonly merchantId: string;
  readonly environment: "sandbox" | "live";
  readonly parentId: string | null;
  readonly state: string;
  readonly record: unknown;
  readonly body: unknown;
  readonly dueAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export async function saveObject(db: Queryable, write: ObjectWrite): Promise<void> {
  await db.query(
    `insert into objects (kind, id, merchant_id, environment, parent_id, state, record, body, due_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7::json, $8::jsonb, $9, $10, $11)
     on conflict (kind, id) do update set state = excluded.state, record = excluded.record, body = excluded.body,
       due_at = excluded.due_at, updated_at = excluded.updated_at`,
    [
      write.kind,
      write.id,
      write.merchantId,
      write.environment,
      write.parentId,
      write.state,
      JSON.stringify(write.record),
      JSON.stringify(write.body),
      write.dueAt,
      write.createdAt,
      write.updatedAt,
    ],
  );
}

export async function deleteObject(db: Queryable, kind: ObjectKind, id: string): Promise<void> {
  await db.query("delete from objects where kind = $1 and id = $2", [kind, id]);
}

/** Objects with a timer due by `now`: sessions by id, families by their permission id. */
export async function findDue(
  db: Queryable,
  now: number,
  limit: number,
): Promise<{ kind: "CheckoutSession" | "Family"; id: string }[]> {
  const rows = await db.query<{ kind: ObjectKind; id: string; parent_id: string | null }>(
    "select kind, id, parent_id from objects where due_at is not null and due_at <= $1 order by due_at limit $2",
    [now, limit],
  );
  const seen = new Set<string>();
  const due: { kind: "CheckoutSession" | "Family"; id: string }[] = [];
  for (const row of rows) {
    const entry =
      row.kind === "CheckoutSession"
        ? { kind: "CheckoutSession" as const, id: row.id }
        : {
            kind: "Family" as const,
            id: row.kind === "ChargePermission" ? row.id : (row.parent_id as string),
          };
    const key = `${entry.kind}:${entry.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      due.push(entry);
    }
  }
  return due;
}

/** Enqueues IPNs (§10) in the caller's transaction. */
export async function insertNotices(
  db: Queryable,
  merchantId: string,
  environment: "sandbox" | "live",
  notices: readonly Notice[],
): Promise<void> {
  for (const notice of notices) {
    await db.query(
      `insert into ipn_outbox (merchant_id, environment, object_type, object_id, charge_permission_id, notification_type)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        merchantId,
        environment,
        notice.objectType,
        notice.objectId,
        notice.chargePermissionId,
        notice.notificationType,
      ],
    );
  }
}

export interface IdempotencyRow {
  readonly method: string;
  readonly path: string;
  readonly bodyHash: string;
  readonly status: number;
  readonly response: string;
}

/** Where a key counts: Amazon scopes it per merchant and operation (`createCharge`, `captureCharge`, …). */
export interface IdempotencyScope {
  readonly merchantId: string;
  readonly operation: string;
  readonly key: string;
}

/** Holds the lock on one key of one merchant's operation until the transaction ends. */
export async function lockIdempotencyKey(tx: Queryable, scope: IdempotencyScope): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtext($1))", [
    `idempotency:${scope.merchantId}:${scope.operation}:${scope.key}`,
  ]);
}

export async function findIdempotency(
  db: Queryable,
  scope: IdempotencyScope,
): Promise<IdempotencyRow | undefined> {
  const rows = await db.query<{
    method: string;
    path: string;
    body_hash: string;
    status: number;
    response: string;
  }>(
    "select method, path, body_hash, status, response from idempotency where merchant_id = $1 and operation = $2 and key = $3",
    [scope.merchantId, scope.operation, scope.key],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    method: row.method,
    path: row.path,
    bodyHash: row.body_hash,
    status: Number(row.status),
    response: row.response,
  };
}

export async function saveIdempotency(
  db: Queryable,
  scope: IdempotencyScope,
  row: IdempotencyRow,
): Promise<void> {
  await db.query(
    `insert into idempotency (merchant_id, operation, key, method, path, body_hash, status, response)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      scope.merchantId,
      scope.operation,
      scope.key,
      row.method,
      row.path,
      row.bodyHash,
      row.status,
      row.response,
    ],
  );
}
