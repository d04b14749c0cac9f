/**
 * The sign-in rate limit, counted in the database so it holds across processes and restarts:
 * at most `perAccount` failures for one account name and `perAddress` from one client address
 * within `windowMs`. While either is exceeded, even the right password is refused (an attacker
 * must not learn that a guess was right), and the page says when to try again.
 */
import type { Clock } from "../core/clock.js";
import type { Database } from "../store/database.js";
import { clearSignInFailures, countSignInFailures, recordSignInFailure } from "./store.js";

export interface SignInLimitPolicy {
  readonly perAccount: number;
  readonly perAddress: number;
  readonly windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMIT: SignInLimitPolicy = {
  perAccount: 5,
  perAddress: 20,
  windowMs: 15 * 60_000,
};

export class SignInLimit {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly policy: SignInLimitPolicy;

  constructor(options: { db: Database; clock: Clock; policy?: SignInLimitPolicy }) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.policy = options.policy ?? DEFAULT_SIGN_IN_LIMIT;
  }

  /** Whether another attempt is allowed now. */
  async allows(accountId: string, ip: string): Promise<boolean> {
    const since = this.#clock.now() - this.policy.windowMs;
    const counts = await countSignInFailures(this.#db, accountId, ip, since);
    return counts.account < this.policy.perAccount && counts.ip < this.policy.perAddress;
  }

  async failed(accountId: string, ip: string): Promise<void> {
    await recordSignInFailure(this.#db, accountId, ip, this.#clock.now());
  }

  async succeeded(accountId: string): Promise<void> {
    await clearSignInFailures(this.#db, accountId);
  }

  get windowMinutes(): number {
    return Math.ceil(this.policy.windowMs / 60_000);
  }
}
