/**
 * The timer sweep: applies every timer due on the emulated clock, so timed transitions (and
 * their IPNs) happen without anyone reading the objects. Each session or family is handled in
 * its own unit of work that locks its rows; a second sweeper waits and then finds nothing due.
 */
import type { Queryable } from "../../store/database.js";
import { findDue } from "../store/repository.js";
import type { Records } from "./records.js";
import type { WorkRunner } from "./work.js";

const BATCH = 50;
/** Bounded: a record whose timer does not move it would otherwise be found again and again. */
const ROUNDS = 20;

/** Returns how many sessions and families it touched. */
export async function sweepTimers(db: Queryable, runner: WorkRunner, records: Records): Promise<number> {
  let touched = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const due = await findDue(db, await runner.currentTime(), BATCH);
    if (due.length === 0) return touched;
    for (const entry of due) {
      await runner.run(async (work) => {
        if (entry.kind === "CheckoutSession") await records.sweepSession(work, entry.id);
        else await records.anyFamily(work, entry.id);
      });
      touched += 1;
    }
    if (due.length < BATCH) return touched;
  }
  return touched;
}
