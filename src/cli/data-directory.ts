/**
 * The data directory holds the database, the master key, the admin token and the TLS key: it is
 * the owner's alone. Files are created under umask 077, and because PGlite sets its files to 0666
 * itself whatever the umask, every mode below the directory is narrowed to 0700/0600 after the
 * stores open and again at shutdown. The directory's own 0700 already keeps others out of
 * whatever PGlite creates in between.
 */
import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

export async function createPrivateDirectory(dir: string): Promise<void> {
  process.umask(0o077);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await restrictToOwner(dir);
}

/** Removes group and other permissions from `dir` and everything below it (symlinks untouched). */
export async function restrictToOwner(dir: string): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (stat === undefined || stat.isSymbolicLink()) return;
  if ((stat.mode & 0o077) !== 0) await chmod(dir, stat.mode & 0o700).catch(() => {});
  if (!stat.isDirectory()) return;
  const entries = await readdir(dir).catch(() => []);
  await Promise.all(entries.map((entry) => restrictToOwner(join(dir, entry))));
}
