/**
 * The emulated clock: real time plus an offset that only grows (`POST /__admin/clock`). The
 * offset is stored in the `clock` table so a restart keeps the emulated time where it was.
 * Signature dates (`x-amz-pay-date`) are checked against the real clock, never this one.
 */
import { type Clock, systemClock } from "../core/clock.js";
import type { Queryable } from "./store/repository.js";

export class EmulatedClock implements Clock {
  #offsetMs = 0;

  constructor(readonly real: Clock = systemClock) {}

  now(): number {
    return this.real.now() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  async load(db: Queryable): Promise<void> {
    const rows = await db.query<{ offset_ms: string | number }>("select offset_ms from clock where id");
    this.#offsetMs = Number(rows[0]?.offset_ms ?? 0);
  }

  /** Moves emulated time forward and stores the new offset; returns the new now. */
  async advance(db: Queryable, milliseconds: number): Promise<number> {
    const rows = await db.query<{ offset_ms: string | number }>(
      "update clock set offset_ms = offset_ms + $1 where id returning offset_ms",
      [Math.trunc(milliseconds)],
    );
    this.#offsetMs = Number(rows[0]?.offset_ms ?? this.#offsetMs + milliseconds);
    return this.now();
  }
}
