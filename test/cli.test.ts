import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
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
    env: { ...parent, ...env, KASSE_LOG_LEVEL: "warn" },
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

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = kasse(args);
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
});
