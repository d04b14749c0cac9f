/**
 * A freshly initialised PGlite cluster, dumped once per machine and loaded by every new database:
 * initdb takes seconds, loading the dump a fraction of a second. The dump lives in the OS temp
 * directory, keyed by the PGlite version, and is written atomically so parallel test processes can
 * race to create it.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

let template: Promise<Blob> | undefined;

export function pgliteTemplate(): Promise<Blob> {
  template ??= loadOrCreate().catch((error) => {
    template = undefined;
    throw error;
  });
  return template;
}

async function loadOrCreate(): Promise<Blob> {
  const path = join(tmpdir(), `kasse-pglite-template-${await pgliteVersion()}.tgz`);
  try {
    return new Blob([await readFile(path)]);
  } catch {
    const db = await PGlite.create();
    const dump = await db.dumpDataDir("gzip");
    await db.close();
    const bytes = new Uint8Array(await dump.arrayBuffer());
    const partial = `${path}.${process.pid}.${Date.now()}`;
    await writeFile(partial, bytes);
    await rename(partial, path);
    return new Blob([bytes]);
  }
}

async function pgliteVersion(): Promise<string> {
  // The package does not export its package.json; find it next to the resolved entry point.
  const entry = new URL(import.meta.resolve("@electric-sql/pglite"));
  const manifest = new URL("../package.json", entry);
  const { version } = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
  return version;
}
