import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { describe, it } from "node:test";
import Fastify from "fastify";
import { createSigningIdentityPem, loadOrCreateSigningIdentity } from "./signing-certificate.js";
import { registerSnsRoutes } from "./sns-routes.js";

describe("SNS routes", () => {
  it("serve the signing certificate at /__sns/cert.pem and answer unsubscribe links", async () => {
    const pem = await createSigningIdentityPem(Date.UTC(2026, 0, 1));
    const stored = { certificate_pem: pem.certificatePem, private_key_pem: pem.privateKeyPem };
    const identity = await loadOrCreateSigningIdentity({ query: async <Row>() => [stored as Row] }, 0);
    const app = Fastify();
    registerSnsRoutes(app, identity);
    const cert = await app.inject({ method: "GET", url: "/__sns/cert.pem" });
    assert.equal(cert.statusCode, 200);
    assert.equal(cert.body, pem.certificatePem);
    assert.match(cert.body, /^-----BEGIN CERTIFICATE-----/);
    const served = createPublicKey(cert.body).export({ type: "spki", format: "pem" });
    assert.equal(served, createPublicKey(identity.privateKey).export({ type: "spki", format: "pem" }));
    const unsubscribe = await app.inject({ method: "GET", url: "/__sns/unsubscribe?SubscriptionArn=x" });
    assert.equal(unsubscribe.statusCode, 200);
    assert.match(unsubscribe.body, /UnsubscribeResponse/);
    await app.close();
  });
});
