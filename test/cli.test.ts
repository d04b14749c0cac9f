import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { Agent, request } from "undici";
import { generateKeyPair } from "./support/keys.js";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

interface Started {
  readonly child: ChildProcess;
  readonly ready: Record<string, string>;
}

/** The CLI on PGlite: `DATABASE_URL` of a PostgreSQL test run is not passed on (it implies --no-emulator). */
function kasse(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const { DATABASE_URL: _url, KASSE_DATABASE_SCHEMA: _schema, ...parent } = process.env;
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env: { ...parent, KASSE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
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

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  return exited;
}

async function run(
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
async function trusting(dataDir: string): Promise<Agent> {
  return new Agent({ connect: { ca: await readFile(join(dataDir, "tls-cert.pem"), "utf8") } });
}

async function call(
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

describe("kasse CLI", () => {
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "kasse-cli-"));
    dirs.push(dir);
    return dir;
  };
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("explains itself and its commands, and refuses unknown commands and flags with exit 2", async () => {
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /start/);
    assert.match(help.stdout, /emulator/);
    const startHelp = await run(["start", "--help"]);
    assert.equal(startHelp.code, 0);
    assert.match(startHelp.stdout, /--no-emulator/);
    assert.match(startHelp.stdout, /--tls-cert/);
    assert.equal((await run(["frobnicate"])).code, 2);
    const badFlag = await run(["emulator", "--bogus"]);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /bogus/);
    assert.equal((await run(["emulator", "--port", "http"])).code, 2);
  });

  it("runs the emulator with one ready line, keeps its state across a restart and exits 0 on SIGTERM", async () => {
    const data = await dataDir();
    const first = await start(["emulator", "--port", "0", "--data", data]);
    const emulator = first.ready.emulator as string;
    const agent = await trusting(data);
    assert.equal(first.ready.ready, true);
    assert.match(emulator, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(agent, `${emulator}/__admin/health`)).status, 200);
    const created = await call(agent, `${emulator}/__admin/merchants`, {
      method: "POST",
      body: { region: "eu" },
    });
    assert.equal(created.status, 201);
    assert.equal(await stop(first.child), 0);

    const second = await start(["emulator", "--port", "0", "--data", data]);
    const again = second.ready.emulator as string;
    const { publicKey } = generateKeyPair();
    const keys = await call(agent, `${again}/__admin/merchants/${created.body.merchantId}/keys`, {
      method: "POST",
      body: { publicKeyPem: publicKey },
    });
    assert.equal(keys.status, 201, "the merchant created before the restart is still known");
    assert.equal(await stop(second.child), 0);
  });

  it("starts gateway and emulator, reports a generated admin token once, and guards the admin API", async () => {
    const data = await dataDir();
    const first = await start(["start", "--port", "0", "--emulator-port", "0", "--data", data]);
    const { gateway, emulator, adminToken } = first.ready;
    const agent = await trusting(data);
    assert.match(gateway as string, /^https:\/\//);
    assert.match(emulator as string, /^https:\/\//);
    assert.ok(adminToken && adminToken.length >= 16);
    assert.equal((await call(agent, `${gateway}/api/admin/health`)).status, 401);
    assert.equal(
      (await call(agent, `${gateway}/api/admin/health`, { token: "wrong-token-wrong-token" })).status,
      401,
    );
    assert.equal((await call(agent, `${gateway}/api/admin/health`, { token: adminToken })).status, 200);
    assert.equal(await stop(first.child), 0);

    const second = await start(["start", "--port", "0", "--no-emulator", "--data", data]);
    assert.equal(second.ready.adminToken, undefined, "the token is reported only when generated");
    assert.equal(second.ready.emulator, undefined);
    assert.equal(
      (await call(agent, `${second.ready.gateway}/api/admin/health`, { token: adminToken })).status,
      200,
    );
    assert.equal(await stop(second.child), 0);
  });

  it("prints its version, and refuses bad configuration at once: exit 2, one line naming it", async () => {
    const version = await run(["--version"]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^kasse \d+\.\d+\.\d+\n$/);
    const data = await dataDir();
    const refusals: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [
        [],
        { KASSE_MASTER_KEY: "not-base64-of-32-bytes" },
        /KASSE_MASTER_KEY must hold a base64-encoded 32-byte key/,
      ],
      [["--public-url", "ftp://pay.example.com"], {}, /--public-url must be an https:\/\/ URL/],
      [["--public-url", "http://pay.example.com"], {}, /must be https:\/\//],
      [[], { KASSE_PUBLIC_URL: "https://pay.example.com/?x=1" }, /KASSE_PUBLIC_URL must have no query/],
      [["--trusted-proxies", "10.0.0.1,proxy.local"], {}, /proxy\.local is not an IP address or CIDR range/],
      [[], { KASSE_LOG_LEVEL: "loud" }, /KASSE_LOG_LEVEL must be one of/],
      [[], { DATABASE_URL: "mysql://db/kasse" }, /DATABASE_URL must be a postgres:\/\//],
      [
        ["--tls-cert", join(data, "missing.pem"), "--tls-key", join(data, "missing-key.pem")],
        {},
        /cannot be read/,
      ],
      [["--no-tls", "--tls-cert", "a", "--tls-key", "b"], {}, /exclude each other/],
    ];
    for (const [args, env, reason] of refusals) {
      const failed = await run(
        ["start", "--port", "0", "--emulator-port", "0", "--data", data, ...args],
        env,
      );
      assert.equal(failed.code, 2, `${args.join(" ")} ${JSON.stringify(env)}: ${failed.stderr}`);
      assert.equal(failed.stdout, "", "no ready line");
      assert.equal(failed.stderr.trim().split("\n").length, 1, failed.stderr);
      assert.match(failed.stderr, reason);
    }
  });

  it("migrates, keeps the data directory owner-only, and refuses a master key that does not open the database", async () => {
    const data = await dataDir();
    const key = randomBytes(32).toString("base64");
    const migrated = await run(["migrate", "--data", data], { KASSE_MASTER_KEY: key });
    assert.equal(migrated.code, 0, migrated.stderr);
    const report = JSON.parse(migrated.stdout) as { migrated: boolean; migrations: string[] };
    assert.equal(report.migrated, true);
    assert.ok(report.migrations.includes("008_master_key_canary.sql"));

    const started = await start(["start", "--port", "0", "--emulator-port", "0", "--data", data], {
      KASSE_MASTER_KEY: key,
    });
    const agent = await trusting(data);
    assert.equal((await call(agent, `${started.ready.gateway}/readyz`)).status, 200);
    assert.equal(await stop(started.child), 0);
    const loose = await groupOrOtherAccessible(data);
    assert.deepEqual(loose, [], "every file and directory of the data directory is the owner's alone");

    // Another node's key (or a restore with the wrong key): refused before it serves anything.
    const otherKey = await run(["start", "--port", "0", "--no-emulator", "--data", data], {
      KASSE_MASTER_KEY: randomBytes(32).toString("base64"),
    });
    assert.equal(otherKey.code, 1);
    assert.equal(otherKey.stdout, "");
    assert.match(otherKey.stderr, /^kasse start: the master key does not open this database's secrets/);
    assert.equal(otherKey.stderr.trim().split("\n").length, 1);
  });
});

/** Paths below `dir` (itself included) that group or others may read, write or enter. */
async function groupOrOtherAccessible(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string) => {
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(dir);
  return found;
}
