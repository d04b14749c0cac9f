import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { request } from "undici";
import { createCertificate } from "../http/tls.js";
import { createTargetDispatchers, isLoopbackHost, refuseTarget } from "./sns-http.js";

describe("loopback targets", () => {
  it("recognises 127.0.0.0/8, ::1 and localhost, and nothing else", () => {
    for (const host of ["127.0.0.1", "127.255.0.9", "[::1]", "::1", "localhost", "LOCALHOST"]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      "128.0.0.1",
      "10.0.0.1",
      "[::2]",
      "example.com",
      "localhost.example.com",
      "shop.localhost",
      "0.0.0.0",
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it("allows https anywhere and plain http only on loopback", () => {
    assert.equal(refuseTarget(new URL("https://merchant.example/ipn")), undefined);
    assert.equal(refuseTarget(new URL("http://127.0.0.1:9000/ipn")), undefined);
    assert.equal(refuseTarget(new URL("http://[::1]:9000/ipn")), undefined);
    assert.match(refuseTarget(new URL("http://merchant.example/ipn")) ?? "", /loopback/);
    assert.match(refuseTarget(new URL("ftp://127.0.0.1/ipn")) ?? "", /scheme/);
  });

  it("uses the lenient dispatcher for loopback only", async () => {
    const dispatchers = createTargetDispatchers({ timeoutMs: 1_000 });
    const loopback = dispatchers.forUrl(new URL("https://127.0.0.1:8444/"));
    assert.equal(dispatchers.forUrl(new URL("https://localhost/")), loopback);
    assert.notEqual(dispatchers.forUrl(new URL("https://merchant.example/")), loopback);
    await dispatchers.close();
  });

  it("verifies certificates everywhere else: the strict dispatcher refuses a self-signed server", async () => {
    const tls = await createCertificate();
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end("ok"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const dispatchers = createTargetDispatchers({ timeoutMs: 5_000 });
    try {
      const lenient = await request(url, { dispatcher: dispatchers.forUrl(url) });
      assert.equal(await lenient.body.text(), "ok");
      const strict = dispatchers.forUrl(new URL("https://merchant.example/"));
      await assert.rejects(request(url, { dispatcher: strict }), /self[- ]signed|certificate/i);
    } finally {
      await dispatchers.close();
      server.close();
    }
  });
});
