/**
 * Back-office accounts: the first operator (from `KASSE_OPERATOR_USER`/`KASSE_OPERATOR_PASSWORD`
 * at start, or `kasse demo`'s generated one) and merchant users. Names are case-insensitive.
 */
import type { Role } from "../api/principal.js";
import type { Clock } from "../core/clock.js";
import type { Queryable } from "../store/database.js";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./password.js";
import { insertAudit, upsertAccount } from "./store.js";

export class AccountInputError extends Error {
  override name = "AccountInputError";
}

const ACCOUNT_NAME = /^[a-z0-9._@+-]{1,100}$/;

export function normalizeAccountId(name: string): string {
  return name.trim().toLowerCase();
}

export interface NewAccount {
  readonly user: string;
  readonly password: string;
  readonly role: Role;
  readonly merchantId?: string;
  readonly displayName?: string;
}

/** Creates the account, or replaces its password and role; audited as done by `actor`. */
export async function setAccount(
  db: Queryable,
  clock: Clock,
  account: NewAccount,
  actor: string,
): Promise<void> {
  const accountId = normalizeAccountId(account.user);
  if (!ACCOUNT_NAME.test(accountId)) {
    throw new AccountInputError("a user name is 1–100 characters of a–z, 0–9 and . _ @ + -");
  }
  if (account.password.length < MIN_PASSWORD_LENGTH || account.password.length > MAX_PASSWORD_LENGTH) {
    throw new AccountInputError(`a password has ${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} characters`);
  }
  if ((account.role === "operator") !== (account.merchantId === undefined)) {
    throw new AccountInputError("operators have no merchant; merchant users have exactly one");
  }
  const now = clock.now();
  await upsertAccount(
    db,
    {
      accountId,
      displayName: account.displayName ?? accountId,
      passwordHash: await hashPassword(account.password),
      role: account.role,
      ...(account.merchantId === undefined ? {} : { merchantId: account.merchantId }),
    },
    now,
  );
  await insertAudit(db, {
    at: now,
    actor,
    merchantId: account.merchantId,
    action: "account.set",
    target: accountId,
    outcome: "ok",
    detail: { role: account.role },
  });
}
