import { fileURLToPath } from "node:url";
import type { Database } from "../../store/database.js";
import { openTestDatabase } from "../../store/test-database.js";

const migrationsDir = fileURLToPath(new URL("../store/migrations/", import.meta.url));

/** The emulator's schema for the IPN and reports tests (PGlite, or PostgreSQL with `DATABASE_URL`). */
export function openEmulatorTestDatabase(): Promise<Database> {
  return openTestDatabase(migrationsDir);
}

/** Empties the given tables, one statement each (PGlite's parameterised protocol takes one). */
export async function emptyTables(db: Database, tables: readonly string[]): Promise<void> {
  for (const table of tables) await db.query(`delete from ${table}`);
}
