import { fileURLToPath } from "node:url";
import { type Database, openDatabase } from "../../store/database.js";

const migrationsDir = fileURLToPath(new URL("../store/migrations/", import.meta.url));

/**
 * The emulator's schema for the IPN and reports tests: in-memory PGlite, or a fresh schema on
 * PostgreSQL when `DATABASE_URL` is set (where concurrent workers really run in parallel).
 */
export function openEmulatorTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ migrationsDir });
  const schema = `emu_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  return openDatabase({ migrationsDir, url, schema });
}

/** Empties the given tables, one statement each (PGlite's parameterised protocol takes one). */
export async function emptyTables(db: Database, tables: readonly string[]): Promise<void> {
  for (const table of tables) await db.query(`delete from ${table}`);
}
