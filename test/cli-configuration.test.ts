/**
 * The CLI's configuration and operations: the emulator's admin token, version, fail-fast
 * configuration, migrations, owner-only data directories and the master-key canary.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { call, run, start, stop, temporaryDirectories, trusting } from "./support/cli-process.js";

describe("kasse CLI configuration", () => {
  const dirs = temporaryDirectories();
  const dataDir = () => dirs.make();
  after(() => dirs.removeAll());

  it("registers emulator merchants at a built-in emulator whose /__admin asks for KASSE_EMULATOR_ADMIN_TOKEN", async () => {
    const data = await dataDir();
    const emulatorToken = "emulator-admin-token-for-this-test";
    const first = await start(["start", "--port", "0", "--emulator-port", "0", "--data", data], {
      KASSE_EMULATOR_ADMIN_TOKEN: emulatorToken,
    });
    const { gateway, emulator, adminToken } = first.ready;
    const agent = await trusting(data);
    assert.equal((await call(agent, `${emulator}/__admin/health`)).status, 401, "the emulator asks for it");
    const created = await call(agent, `${gateway}/api/admin/merchants`, {
      method: "POST",
      token: adminToken as string,
      body: {
        merchantId: "TokenShop",
        name: "Token Shop",
        amazon: { environment: "emulator", region: "eu" },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(await stop(first.child), 0);
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
