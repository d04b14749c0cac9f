/**
 * The child process of `createPgliteDirectory` (pglite-fresh.ts): loads the template into the
 * data directory named by its first argument, starts PostgreSQL on it once with the start
 * parameters of its second (JSON), closes it and exits 0. Writes nothing to stdout.
 */
import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { pgliteTemplate } from "./pglite-template.js";

const [dataDir, startParams] = process.argv.slice(2);
if (dataDir === undefined || startParams === undefined) {
  process.stderr.write("usage: pglite-fresh-child DATA_DIR START_PARAMS_JSON\n");
  process.exit(2);
}
try {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({
    dataDir,
    loadDataDir: await pgliteTemplate(),
    startParams: JSON.parse(startParams) as string[],
  });
  await db.close();
  process.exit(0);
} catch (error) {
  // One line for the parent's error message; PGlite's own output (PostgreSQL's log) came before it.
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
