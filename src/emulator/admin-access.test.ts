import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import { adminAccessFor, guardAdmin, isLoopbackHost } from "./admin-access.js";

function appWith(access: ReturnType<typeof adminAccessFor>) {
  const app = Fastify();
  guardAdmin(app, access);
  app.get("/__admin/health", async () => ({ ok: true }));
  app.get("/sandbox/v2/anything", async () => ({ api: true }));
  return app;
}

describe("who may use /__admin", () => {
  it("is open on a loopback host without a token, as CONTRACT.md describes", async () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
      assert.ok(isLoopbackHost(host), host);
    const access = adminAccessFor("127.0.0.1", undefined);
    assert.deepEqual(access, { token: undefined, generated: false, loopbackExempt: true });
    const app = appWith(access);
    const answer = await app.inject({ url: "/__admin/health", remoteAddress: "203.0.113.7" });
    assert.equal(answer.statusCode, 200);
  });

  it("on another address generates a token: callers from this machine pass, others need it", async () => {
    assert.equal(isLoopbackHost("0.0.0.0"), false);
    const access = adminAccessFor("0.0.0.0", undefined);
    assert.equal(access.generated, true);
    assert.ok((access.token ?? "").length >= 32);
    const app = appWith(access);
    const local = await app.inject({ url: "/__admin/health", remoteAddress: "127.0.0.1" });
    assert.equal(local.statusCode, 200);
    const mapped = await app.inject({ url: "/__admin/health", remoteAddress: "::ffff:127.0.0.1" });
    assert.equal(mapped.statusCode, 200);
    const remote = await app.inject({ url: "/__admin/health", remoteAddress: "203.0.113.7" });
    assert.equal(remote.statusCode, 401);
    assert.deepEqual(Object.keys(remote.json()), ["reasonCode", "message"]);
    assert.equal(remote.json().reasonCode, "UnauthorizedAccess");
    const wrong = await app.inject({
      url: "/__admin/health?x=1",
      remoteAddress: "203.0.113.7",
      headers: { authorization: "Bearer not-the-token" },
    });
    assert.equal(wrong.statusCode, 401);
    const right = await app.inject({
      url: "/__admin/health",
      remoteAddress: "203.0.113.7",
      headers: { authorization: `Bearer ${access.token}` },
    });
    assert.equal(right.statusCode, 200);
    // Amazon's API is signed; the token is for /__admin only.
    const api = await app.inject({ url: "/sandbox/v2/anything", remoteAddress: "203.0.113.7" });
    assert.equal(api.statusCode, 200);
  });

  it("with a configured token, asks every caller for it, from this machine too", async () => {
    const access = adminAccessFor("127.0.0.1", "configured-token");
    assert.deepEqual(access, { token: "configured-token", generated: false, loopbackExempt: false });
    const app = appWith(access);
    assert.equal((await app.inject({ url: "/__admin/health", remoteAddress: "127.0.0.1" })).statusCode, 401);
    const right = await app.inject({
      url: "/__admin/health",
      remoteAddress: "127.0.0.1",
      headers: { authorization: "Bearer configured-token" },
    });
    assert.equal(right.statusCode, 200);
  });
});
