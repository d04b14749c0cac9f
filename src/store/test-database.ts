/**
 * The database a test gets: in-memory PGlite, or, when `DATABASE_URL` is set, a fresh schema on
 * that PostgreSQL server — so one test file proves a query on both engines (`npm run test:postgres`).
 */
import { type Database, openDatabase } from "./database.js";

export function openTestDatabase(migrationsDir: string): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ migrationsDir });
  const schema = `t_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  return openDatabase({ migrationsDir, url, schema, poolSize: 4 });
}
