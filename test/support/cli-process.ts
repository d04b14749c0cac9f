/**
 * The `kasse` command as a child process for the CLI tests: spawned the way an operator runs it,
 * ready when its one JSON line arrives, stopped with SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Agent, request } from "undici";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

export interface Started {
  readonly child: ChildProcess;
  readonly ready: Record<string, string>;
}

/** The CLI on PGlite: `DATABASE_URL` of a PostgreSQL test run is not passed on (it implies --no-emulator). */
export function kasse(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const { DATABASE_URL: _url, KASSE_DATABASE_SCHEMA: _schema, ...parent } = process.env;
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env: { ...parent, KASSE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = kasse(args, env);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`kasse exited ${code} before ready: ${stderr}`)));
  });
  return { child, ready: JSON.parse(first) };
}

export async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  return exited;
}

export async function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = kasse(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

/** Trusts the self-signed certificate the servers made in their data directory on first start. */
export async function trusting(dataDir: string): Promise<Agent> {
  return new Agent({ connect: { ca: await readFile(join(dataDir, "tls-cert.pem"), "utf8") } });
}

export async function call(
  agent: Agent,
  url: string,
  init: { method?: "GET" | "POST"; body?: unknown; token?: string } = {},
) {
  const response = await request(url, {
    method: init.method ?? "GET",
    dispatcher: agent,
    headers: {
      "content-type": "application/json",
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

/** Temporary data directories, removed by `removeAll` (call it in `after`). */
export function temporaryDirectories(): { make(): Promise<string>; removeAll(): Promise<void> } {
  const dirs: string[] = [];
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), "kasse-cli-"));
      dirs.push(dir);
      return dir;
    },
    async removeAll() {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
