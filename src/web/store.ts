/**
 * The back office's tables (migration 007): accounts, sessions, sign-in failures, the audit log
 * and the per-environment Amazon credentials. Plain SQL over `Queryable`; no secret in clear
 * (session ids as SHA-256, private keys sealed by the caller).
 */
import type { Role } from "../api/principal.js";
import type { Queryable } from "../store/database.js";

export interface Account {
  readonly accountId: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly role: Role;
  /** Set for merchant roles, absent for operators. */
  readonly merchantId?: string;
  readonly active: boolean;
}

interface AccountRow {
  account_id: string;
  display_name: string;
  password_hash: string;
  role: Role;
  merchant_id: string | null;
  active: boolean;
}

function accountOf(row: AccountRow): Account {
  return {
    accountId: row.account_id,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    role: row.role,
    ...(row.merchant_id === null ? {} : { merchantId: row.merchant_id }),
    active: row.active,
  };
}

const ACCOUNT_COLUMNS = "account_id, display_name, password_hash, role, merchant_id, active";

/** Inserts or replaces an account (the CLI's "set the operator's password" is idempotent). */
export async function upsertAccount(
  db: Queryable,
  account: Omit<Account, "active">,
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO back_office_accounts (${ACCOUNT_COLUMNS}, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, true, $6, $6)
     ON CONFLICT (account_id) DO UPDATE SET display_name = $2, password_hash = $3, role = $4,
       merchant_id = $5, active = true, updated_at = $6`,
    [
      account.accountId,
      account.displayName,
      account.passwordHash,
      account.role,
      account.merchantId ?? null,
      now,
    ],
  );
}

export async function findAccount(db: Queryable, accountId: string): Promise<Account | undefined> {
  const rows = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM back_office_accounts WHERE account_id = $1`,
    [accountId],
  );
  return rows[0] ? accountOf(rows[0]) : undefined;
}

export async function countOperators(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM back_office_accounts WHERE role = 'operator' AND active",
  );
  return Number(rows[0]?.n ?? 0);
}

export async function listAccounts(db: Queryable, merchantId?: string): Promise<Account[]> {
  const rows = await db.query<AccountRow>(
    merchantId === undefined
      ? `SELECT ${ACCOUNT_COLUMNS} FROM back_office_accounts ORDER BY account_id`
      : `SELECT ${ACCOUNT_COLUMNS} FROM back_office_accounts WHERE merchant_id = $1 ORDER BY account_id`,
    merchantId === undefined ? [] : [merchantId],
  );
  return rows.map(accountOf);
}

// ─── sessions ─────────────────────────────────────────────────────────────────────────────────

export interface SessionRow {
  readonly accountId: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly rotatedAt: number;
}

/** `createdAt` is the sign-in (the absolute timeout counts from it, also across rotations). */
export async function insertSession(
  db: Queryable,
  idHash: string,
  session: Omit<SessionRow, "lastSeenAt" | "rotatedAt">,
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO back_office_sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, rotated_at)
     VALUES ($1, $2, $3, $4, $5, $5)`,
    [idHash, session.accountId, session.csrfToken, session.createdAt, now],
  );
}

export async function findSession(db: Queryable, idHash: string): Promise<SessionRow | undefined> {
  const rows = await db.query<{
    account_id: string;
    csrf_token: string;
    created_at: string;
    last_seen_at: string;
    rotated_at: string;
  }>(
    "SELECT account_id, csrf_token, created_at, last_seen_at, rotated_at FROM back_office_sessions WHERE id_hash = $1",
    [idHash],
  );
  const row = rows[0];
  return row
    ? {
        accountId: row.account_id,
        csrfToken: row.csrf_token,
        createdAt: Number(row.created_at),
        lastSeenAt: Number(row.last_seen_at),
        rotatedAt: Number(row.rotated_at),
      }
    : undefined;
}

export async function touchSession(db: Queryable, idHash: string, now: number): Promise<void> {
  await db.query("UPDATE back_office_sessions SET last_seen_at = $2 WHERE id_hash = $1", [idHash, now]);
}

export async function deleteSession(db: Queryable, idHash: string): Promise<void> {
  await db.query("DELETE FROM back_office_sessions WHERE id_hash = $1", [idHash]);
}

/** Drops sessions past either timeout (called now and then, so the table does not grow). */
export async function deleteExpiredSessions(
  db: Queryable,
  idleBefore: number,
  createdBefore: number,
): Promise<void> {
  await db.query("DELETE FROM back_office_sessions WHERE last_seen_at < $1 OR created_at < $2", [
    idleBefore,
    createdBefore,
  ]);
}

// ─── sign-in failures ─────────────────────────────────────────────────────────────────────────

export async function recordSignInFailure(
  db: Queryable,
  accountId: string,
  ip: string,
  now: number,
): Promise<void> {
  await db.query("INSERT INTO back_office_sign_in_failures (account_id, ip, at) VALUES ($1, $2, $3)", [
    accountId,
    ip,
    now,
  ]);
}

export async function countSignInFailures(
  db: Queryable,
  accountId: string,
  ip: string,
  since: number,
): Promise<{ account: number; ip: number }> {
  const rows = await db.query<{ account: string | number; ip: string | number }>(
    `SELECT (SELECT count(*) FROM back_office_sign_in_failures WHERE account_id = $1 AND at >= $3) AS account,
            (SELECT count(*) FROM back_office_sign_in_failures WHERE ip = $2 AND at >= $3) AS ip`,
    [accountId, ip, since],
  );
  return { account: Number(rows[0]?.account ?? 0), ip: Number(rows[0]?.ip ?? 0) };
}

/** A successful sign-in forgives the account's failures (not the address's). */
export async function clearSignInFailures(db: Queryable, accountId: string): Promise<void> {
  await db.query("DELETE FROM back_office_sign_in_failures WHERE account_id = $1", [accountId]);
}

// ─── audit ────────────────────────────────────────────────────────────────────────────────────

export interface AuditEntry {
  readonly at: number;
  readonly actor: string;
  readonly merchantId?: string | undefined;
  readonly action: string;
  readonly target?: string | undefined;
  readonly outcome: "ok" | "refused" | "failed";
  readonly ip?: string | undefined;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export async function insertAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO back_office_audit (at, actor, merchant_id, action, target, outcome, ip, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.at,
      entry.actor,
      entry.merchantId ?? null,
      entry.action,
      entry.target ?? null,
      entry.outcome,
      entry.ip ?? null,
      JSON.stringify(entry.detail ?? {}),
    ],
  );
}

export async function listAudit(
  db: Queryable,
  merchantId: string | undefined,
  limit: number,
): Promise<AuditEntry[]> {
  const rows = await db.query<{
    at: string;
    actor: string;
    merchant_id: string | null;
    action: string;
    target: string | null;
    outcome: AuditEntry["outcome"];
    ip: string | null;
    detail: Record<string, unknown> | string;
  }>(
    merchantId === undefined
      ? "SELECT * FROM back_office_audit ORDER BY id DESC LIMIT $1"
      : "SELECT * FROM back_office_audit WHERE merchant_id = $2 ORDER BY id DESC LIMIT $1",
    merchantId === undefined ? [limit] : [limit, merchantId],
  );
  return rows.map((row) => ({
    at: Number(row.at),
    actor: row.actor,
    merchantId: row.merchant_id ?? undefined,
    action: row.action,
    target: row.target ?? undefined,
    outcome: row.outcome,
    ip: row.ip ?? undefined,
    detail: typeof row.detail === "string" ? JSON.parse(row.detail) : row.detail,
  }));
}

// ─── Amazon credentials per environment ───────────────────────────────────────────────────────

export type CredentialEnvironment = "emulator" | "sandbox" | "live";

export interface StoredCredentials {
  readonly environment: CredentialEnvironment;
  readonly region: "eu" | "na" | "jp";
  readonly amazonMerchantId: string;
  readonly storeId: string;
  readonly publicKeyId: string;
  readonly sealedPrivateKey: string;
  readonly updatedAt: number;
}

export async function saveCredentials(
  db: Queryable,
  merchantId: string,
  credentials: StoredCredentials,
): Promise<void> {
  await db.query(
    `INSERT INTO merchant_amazon_credentials
       (merchant_id, environment, region, amazon_merchant_id, store_id, public_key_id, private_key_enc, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (merchant_id, environment) DO UPDATE SET region = $3, amazon_merchant_id = $4, store_id = $5,
       public_key_id = $6, private_key_enc = $7, updated_at = $8`,
    [
      merchantId,
      credentials.environment,
      credentials.region,
      credentials.amazonMerchantId,
      credentials.storeId,
      credentials.publicKeyId,
      credentials.sealedPrivateKey,
      credentials.updatedAt,
    ],
  );
}

export async function listCredentials(db: Queryable, merchantId: string): Promise<StoredCredentials[]> {
  const rows = await db.query<{
    environment: CredentialEnvironment;
    region: StoredCredentials["region"];
    amazon_merchant_id: string;
    store_id: string;
    public_key_id: string;
    private_key_enc: string;
    updated_at: string;
  }>("SELECT * FROM merchant_amazon_credentials WHERE merchant_id = $1 ORDER BY environment", [merchantId]);
  return rows.map((row) => ({
    environment: row.environment,
    region: row.region,
    amazonMerchantId: row.amazon_merchant_id,
    storeId: row.store_id,
    publicKeyId: row.public_key_id,
    sealedPrivateKey: row.private_key_enc,
    updatedAt: Number(row.updated_at),
  }));
}
