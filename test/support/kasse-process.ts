/**
 * `kasse` commands as child processes, the way an operator runs them: spawned through the CLI,
 * ready when the one JSON line arrives on stdout, stopped with SIGTERM or killed with SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

export interface KasseProcess {
  readonly child: ChildProcess;
  /** The ready line (CONTRACT.md): `gateway`, `emulator`, `adminToken`… */
  readonly ready: Readonly<Record<string, string>>;
  /** Resolves with the exit code (null when killed by a signal) once the process has ended. */
  readonly exited: Promise<number | null>;
  /** What the process wrote to stderr so far (its logs), for failure messages. */
  stderr(): string;
}

/**
 * Spawns `kasse <args>` with `env` replacing the parent's environment (so a test decides exactly
 * which `DATABASE_URL` a process sees) and waits for its ready line.
 */
export async function startKasse(args: readonly string[], env: NodeJS.ProcessEnv): Promise<KasseProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    // Keep the tail only: a long run logs a lot.
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    void exited.then((code) => reject(new Error(`kasse ${args[0]} exited ${code} before ready:\n${stderr}`)));
  });
  return { child, ready: JSON.parse(first), exited, stderr: () => stderr };
}

/** SIGKILL: no drain, no cleanup — as `kill -9` or the OOM killer would end it. */
export async function killHard(running: KasseProcess): Promise<void> {
  running.child.kill("SIGKILL");
  await running.exited;
}

/** SIGTERM: the process drains and exits 0. */
export async function stopGracefully(running: KasseProcess): Promise<number | null> {
  running.child.kill("SIGTERM");
  return running.exited;
}

/**
 * A loopback port free right now. A process restarted on the same data directory must come back
 * on the same port: Amazon's return URLs and the IPN URL registered for the merchant name it.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== "object") throw new Error("no port");
  return address.port;
}
