/**
 * A new PGlite data directory, made in a short-lived child process. Loading the template into a
 * new directory grows PGlite's WebAssembly heap by about 70 MB (and passes some 80 MB of unpacked
 * archive through it), and a WebAssembly heap never shrinks: done in the serving process, a first
 * start would hold about 100 MB more for its whole life than every later start on the same
 * directory (docs/PERFORMANCE.md, "Idle memory"). The child unpacks the template, lets PostgreSQL
 * start once on it and exits, returning all of that; the serving process then opens an existing
 * directory. The child works in a sibling directory that is renamed into place when it is
 * complete, so a start killed halfway leaves no half-made database behind.
 */
import { fork } from "node:child_process";
import { readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The child's entry point: `.ts` when running through tsx, `.js` from dist. */
const CHILD = fileURLToPath(
  new URL(`./pglite-fresh-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** Makes `dataDir` a freshly initialised PGlite data directory (it must not hold one yet). */
export async function createPgliteDirectory(dataDir: string, startParams: readonly string[]): Promise<void> {
  if (process.env[CHILD_MARK] !== undefined)
    throw new Error("a PGlite initialisation child never forks another");
  const inPlace = (await readdir(dataDir).catch(() => [])).length > 0;
  const target = inPlace ? dataDir : join(dirname(dataDir), `.${basename(dataDir)}.new-${process.pid}`);
  try {
    await runChild(target, startParams);
    // rename(2) replaces an empty directory (what createPrivateDirectory or an operator made).
    if (!inPlace) await rename(target, dataDir);
  } catch (error) {
    if (!inPlace) await rm(target, { recursive: true, force: true });
    throw error;
  }
}

/** Set in the child's environment: a child that came to fork again would stop instead. */
const CHILD_MARK = "KASSE_PGLITE_INIT_CHILD";

function runChild(dataDir: string, startParams: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [dataDir, JSON.stringify(startParams)], {
      execArgv: loaderFlags(process.execArgv),
      env: { ...process.env, [CHILD_MARK]: "1" },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `initialising the PGlite data directory ${dataDir} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`,
          ),
        );
    });
  });
}

/**
 * The parent's module loaders (`--import tsx` when run through tsx), and nothing else of its Node
 * flags: not `-e` code (the child would run it instead of its entry point, and fork again), an
 * inspector port or `--cpu-prof`.
 */
function loaderFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index += 1) {
    const flag = execArgv[index] ?? "";
    if (/^--(import|require|loader|experimental-loader)=/.test(flag)) kept.push(flag);
    else if (/^(--import|--require|-r|--loader|--experimental-loader)$/.test(flag)) {
      const value = execArgv[index + 1];
      if (value !== undefined) kept.push(flag, value);
      index += 1;
    }
  }
  return kept;
}
