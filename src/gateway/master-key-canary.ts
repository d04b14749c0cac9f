/**
 * The master-key canary (migration 008): a value sealed under the master key when a database is
 * first used. A node whose `KASSE_MASTER_KEY` (or key file) differs cannot open it and refuses to
 * start — before, such a node reported ready and failed every request with sealed secrets it
 * could not open. `/readyz` opens it too.
 */
import type { Queryable } from "../store/database.js";
import { type SecretBox, SecretUnreadableError } from "./secrets.js";

const LABEL = "kasse:master-key-canary";
const TEXT = "the master key of this database";

export class MasterKeyMismatchError extends Error {
  override name = "MasterKeyMismatchError";
}

const MISMATCH =
  "the master key does not open this database's secrets: start every node with the same KASSE_MASTER_KEY (or copy DATA/master-key)";

/** Opens the canary, writing it on the database's first use; throws {@link MasterKeyMismatchError}. */
export async function ensureMasterKeyCanary(db: Queryable, secrets: SecretBox, now: number): Promise<void> {
  const stored = await readCanary(db);
  if (stored !== undefined) {
    if (!opens(secrets, stored)) throw new MasterKeyMismatchError(MISMATCH);
    return;
  }
  // A database from before the canary: its merchants' secrets tell which key is right.
  const merchant = (
    await db.query<{ merchant_id: string; hmac_key_enc: string }>(
      "SELECT merchant_id, hmac_key_enc FROM merchants ORDER BY created_at LIMIT 1",
    )
  )[0];
  if (merchant !== undefined) {
    try {
      secrets.open(merchant.hmac_key_enc, `merchant:${merchant.merchant_id}:hmacKey`);
    } catch (error) {
      if (error instanceof SecretUnreadableError) throw new MasterKeyMismatchError(MISMATCH);
      throw error;
    }
  }
  await db.query(
    "INSERT INTO master_key_canary (id, sealed, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
    [secrets.seal(TEXT, LABEL), now],
  );
  // Another node may have written its own at the same moment: the row that won decides.
  const written = await readCanary(db);
  if (written === undefined || !opens(secrets, written)) throw new MasterKeyMismatchError(MISMATCH);
}

/** Whether the stored canary opens with this key (false also when there is none). */
export async function canaryOpens(db: Queryable, secrets: SecretBox): Promise<boolean> {
  const stored = await readCanary(db);
  return stored !== undefined && opens(secrets, stored);
}

async function readCanary(db: Queryable): Promise<string | undefined> {
  return (await db.query<{ sealed: string }>("SELECT sealed FROM master_key_canary WHERE id = 1"))[0]?.sealed;
}

function opens(secrets: SecretBox, sealed: string): boolean {
  try {
    return secrets.open(sealed, LABEL) === TEXT;
  } catch {
    return false;
  }
}
