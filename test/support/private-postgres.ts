/**
 * A PostgreSQL server of the test's own (initdb into a temporary directory, a free port, trust
 * authentication on loopback), so a scenario may stop and restart it under load without touching
 * the machine's server that other suites use. Run as root (CI), the cluster belongs to the
 * `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./kasse-process.js";

const run = promisify(execFile);

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** Stops the server (`-m fast`: open connections are cut, as in a crash of the database). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/** The PostgreSQL programs: on `PATH`, else Debian's newest under /usr/lib/postgresql. */
async function binary(name: string): Promise<string> {
  try {
    const { stdout } = await run("sh", [
      "-c",
      `command -v ${name} || ls -d /usr/lib/postgresql/*/bin/${name} | tail -1`,
    ]);
    const found = stdout.trim().split("\n").pop();
    if (found) return found;
  } catch {
    // Reported below with the reason.
  }
  throw new Error(`${name} not found: this scenario starts its own PostgreSQL (apt-get install postgresql)`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const [initdb, pgCtl] = await Promise.all([binary("initdb"), binary("pg_ctl")]);
  const dir = await mkdtemp(join(tmpdir(), "kasse-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: group } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout), Number(group));
    await chmod(dir, 0o700);
  }
  const as = (program: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", program, ...args]) : run(program, args);
  await as(initdb, ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = async () => {
    await as(pgCtl, ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]);
  };
  const stop = async () => {
    await as(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async close() {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
