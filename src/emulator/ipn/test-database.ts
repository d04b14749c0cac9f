import { readdirSync, readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { SqlQueryable } from "./signing-certificate.js";

/**
 * An in-memory PGlite with the emulator's migrations, for the IPN and reports unit tests.
 * Stand-in until `src/store/database.ts` (the shared adapter with prepared templates) exists.
 */
export async function openEmulatorTestDatabase(): Promise<
  SqlQueryable & { exec(sql: string): Promise<void>; close(): Promise<void> }
> {
  const pg = await PGlite.create();
  const dir = new URL("../store/migrations/", import.meta.url);
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    await pg.exec(readFileSync(new URL(file, dir), "utf8"));
  }
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await pg.query<Row>(sql, params)).rows,
    exec: async (sql: string) => {
      await pg.exec(sql);
    },
    close: () => pg.close(),
  };
}
