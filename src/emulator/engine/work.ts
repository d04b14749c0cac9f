/**
 * One unit of work of the engine — an API request, a buyer action, one step of the timer sweep:
 * its transaction, the emulated now read once at its start, and the IPN outbox rows it
 * enqueued (the IPN worker is woken after the commit, only when there are some).
 */
import type { Database, Queryable } from "../../store/database.js";
import type { EmulatedClock } from "../clock.js";
import type { AmazonError } from "../errors.js";
import type { Environment, Notice } from "../state/common.js";
import { insertNotices, type MerchantRow } from "../store/repository.js";

/** Who calls the API: the merchant of the verified key, in the environment of the request. */
export interface ApiContext {
  readonly merchant: MerchantRow;
  readonly environment: Environment;
}

/** An HTTP answer: status and JSON body. Error answers returned (not thrown) keep their changes. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export function errorAnswer(error: AmazonError): Answer {
  return { status: error.status, body: error.toBody() };
}

export function releaseEnvironment(environment: Environment): "Sandbox" | "Live" {
  return environment === "live" ? "Live" : "Sandbox";
}

export class Work {
  #enqueued = 0;

  constructor(
    readonly tx: Queryable,
    /** The emulated now of this unit of work: every record it changes is stamped with it. */
    readonly now: number,
  ) {}

  /** Inserts the IPN outbox rows of a state change, in this unit's transaction. */
  async enqueue(merchantId: string, environment: Environment, notices: readonly Notice[]): Promise<void> {
    if (notices.length === 0) return;
    await insertNotices(this.tx, merchantId, environment, notices);
    this.#enqueued += notices.length;
  }

  get enqueued(): number {
    return this.#enqueued;
  }
}

export class WorkRunner {
  constructor(
    private readonly db: Database,
    private readonly clock: EmulatedClock,
    /** Called after a commit that enqueued IPNs (wakes the IPN worker). */
    private readonly onNotices: () => void = () => undefined,
  ) {}

  /**
   * Runs `fn` in one transaction. On PostgreSQL, where several emulator processes may share the
   * schema, the clock offset is read first (in the same transaction), so a `POST /__admin/clock`
   * answered by another process counts here at once; PGlite belongs to one process, whose clock
   * is always current.
   */
  async run<T>(fn: (work: Work) => Promise<T>): Promise<T> {
    let work: Work | undefined;
    const result = await this.db.transaction(async (tx) => {
      if (this.db.engine === "postgres") await this.clock.load(tx);
      work = new Work(tx, this.clock.now());
      return fn(work);
    });
    if ((work?.enqueued ?? 0) > 0) this.onNotices();
    return result;
  }

  /** The emulated now, current across processes sharing the database. */
  async currentTime(): Promise<number> {
    if (this.db.engine === "postgres") await this.clock.load(this.db);
    return this.clock.now();
  }
}
