/**
 * Server-side back-office sessions. The browser holds a random 256-bit id in a `__Host-` cookie
 * (HttpOnly, Secure, SameSite=Strict, Path=/); the database holds only its SHA-256, the account
 * and the session's CSRF token. A session ends after `idleMs` without a request or `absoluteMs`
 * after sign-in, whichever comes first; its id is replaced at sign-in (no fixation) and again
 * every `rotateMs` on a page load, so a copied cookie goes stale.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Principal } from "../api/principal.js";
import type { Clock } from "../core/clock.js";
import type { Database } from "../store/database.js";
import {
  type Account,
  deleteExpiredSessions,
  deleteSession,
  findAccount,
  findSession,
  insertSession,
  touchSession,
} from "./store.js";

export const SESSION_COOKIE = "__Host-kasse-session";

export interface SessionPolicy {
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly rotateMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 60 * 60_000,
  rotateMs: 15 * 60_000,
};

export interface ActiveSession {
  readonly account: Account;
  readonly principal: Principal;
  readonly csrfToken: string;
  /** Set when this request replaced the id: the caller sends the new cookie. */
  readonly rotatedId?: string;
}

const hashOf = (id: string) => createHash("sha256").update(id).digest("hex");
export const newToken = () => randomBytes(32).toString("base64url");

/** Constant-time comparison of two tokens (either may be missing). */
export function tokensMatch(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function principalOf(account: Account): Principal {
  if (account.role === "operator" || account.merchantId === undefined) {
    return { kind: "operator", actor: account.accountId, role: "operator" };
  }
  return { kind: "merchant", actor: account.accountId, merchantId: account.merchantId, role: account.role };
}

export class BackOfficeSessions {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly policy: SessionPolicy;

  constructor(options: { db: Database; clock: Clock; policy?: SessionPolicy }) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.policy = options.policy ?? DEFAULT_SESSION_POLICY;
  }

  /** A fresh session for a signed-in account; the previous id (if any) is ended. */
  async open(accountId: string, previousId?: string): Promise<{ id: string; csrfToken: string }> {
    if (previousId) await deleteSession(this.#db, hashOf(previousId));
    const now = this.#clock.now();
    await deleteExpiredSessions(this.#db, now - this.policy.idleMs, now - this.policy.absoluteMs);
    const id = newToken();
    const csrfToken = newToken();
    await insertSession(this.#db, hashOf(id), { accountId, csrfToken, createdAt: now }, now);
    return { id, csrfToken };
  }

  /**
   * The session behind a cookie value, or `undefined` (unknown, timed out, account disabled).
   * `mayRotate`: a page load, where a new cookie can be set safely.
   */
  async resolve(id: string | undefined, mayRotate = false): Promise<ActiveSession | undefined> {
    if (!id || id.length > 100) return undefined;
    const idHash = hashOf(id);
    const row = await findSession(this.#db, idHash);
    if (!row) return undefined;
    const now = this.#clock.now();
    if (now - row.lastSeenAt > this.policy.idleMs || now - row.createdAt > this.policy.absoluteMs) {
      await deleteSession(this.#db, idHash);
      return undefined;
    }
    const account = await findAccount(this.#db, row.accountId);
    if (!account?.active) {
      await deleteSession(this.#db, idHash);
      return undefined;
    }
    let rotatedId: string | undefined;
    if (mayRotate && now - row.rotatedAt > this.policy.rotateMs) {
      const fresh = newToken();
      rotatedId = fresh;
      await this.#db.transaction(async (tx) => {
        await deleteSession(tx, idHash);
        await insertSession(tx, hashOf(fresh), row, now);
      });
    } else {
      await touchSession(this.#db, idHash, now);
    }
    return {
      account,
      principal: principalOf(account),
      csrfToken: row.csrfToken,
      ...(rotatedId ? { rotatedId } : {}),
    };
  }

  async close(id: string | undefined): Promise<void> {
    if (id) await deleteSession(this.#db, hashOf(id));
  }
}

/** `Set-Cookie` for the session: `__Host-` demands Secure and Path=/ and forbids Domain. */
export function sessionCookie(id: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** The named cookie of a `Cookie` header; the first one wins, as browsers send the most specific first. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
