import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { call, run, start, stop, temporaryDirectories, trusting } from "./support/cli-process.js";
import { generateKeyPair } from "./support/keys.js";

describe("kasse CLI", () => {
  const dirs = temporaryDirectories();
  const dataDir = () => dirs.make();
  after(() => dirs.removeAll());

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
