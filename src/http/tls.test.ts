import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { connect } from "node:tls";
import { createCertificate, httpsServerOptions, loadOrCreateCertificate, TLS_CIPHERS } from "./tls.js";

describe("self-signed TLS certificate", () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("is ECDSA P-256 for localhost and 127.0.0.1", async () => {
    const { cert } = await createCertificate();
    const certificate = new X509Certificate(cert);
    assert.equal(certificate.publicKey.asymmetricKeyType, "ec");
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.ok(certificate.checkHost("localhost"));
    assert.ok(certificate.checkIP("127.0.0.1"));
    assert.equal(certificate.checkHost("example.com"), undefined);
  });

  it("is created once in the data directory and reused afterwards", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "kasse-tls-"));
    dirs.push(dataDir);
    const first = await loadOrCreateCertificate(dataDir);
    const second = await loadOrCreateCertificate(dataDir);
    assert.equal(second.cert, first.cert);
    assert.equal(await readFile(join(dataDir, "tls-cert.pem"), "utf8"), first.cert);
  });

  it("serves TLS 1.2+ that a client trusting the certificate accepts and refuses TLS 1.1", async () => {
    const certificate = await createCertificate();
    const server = createServer(httpsServerOptions(certificate), (_req, res) => res.end("ok"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      const get = (options: object) =>
        new Promise<string>((resolve, reject) => {
          const req = request({ host: "127.0.0.1", port, path: "/", ...options }, (res) => {
            let body = "";
            res.on("data", (chunk) => {
              body += chunk;
            });
            res.on("end", () => resolve(body));
          });
          req.on("error", reject);
          req.end();
        });
      assert.equal(await get({ ca: certificate.cert }), "ok");
      await assert.rejects(get({}), /self-signed|self signed/);
      await assert.rejects(get({ ca: certificate.cert, maxVersion: "TLSv1.1", minVersion: "TLSv1" }));
      await assert.rejects(get({ ca: certificate.cert, maxVersion: "TLSv1", minVersion: "TLSv1" }));
    } finally {
      server.close();
    }
  });

  it("offers TLS 1.2 only with AEAD ciphers (Mozilla intermediate): CBC and SHA-1 suites are refused", async () => {
    const certificate = await createCertificate();
    const server = createServer(httpsServerOptions(certificate), (_req, res) => res.end("ok"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const handshake = (ciphers: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(
          {
            host: "127.0.0.1",
            port,
            ca: certificate.cert,
            servername: "localhost",
            maxVersion: "TLSv1.2",
            ciphers,
          },
          () => {
            const name = socket.getCipher().name;
            socket.end();
            resolve(name);
          },
        );
        socket.on("error", reject);
      });
    try {
      for (const aead of [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
      ])
        assert.equal(await handshake(aead), aead);
      for (const weak of [
        "ECDHE-ECDSA-AES128-SHA",
        "ECDHE-ECDSA-AES256-SHA",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-ECDSA-AES256-SHA384",
        "AES128-GCM-SHA256",
        "AES128-SHA",
      ])
        await assert.rejects(handshake(weak), /handshake|cipher|alert/i, weak);
      // Every TLS 1.2 suite the server accepts is AEAD with forward secrecy.
      for (const name of TLS_CIPHERS.split(":").filter((suite) => !suite.startsWith("TLS_")))
        assert.match(name, /^(ECDHE|DHE)-.*(GCM|CHACHA20-POLY1305)/);
    } finally {
      server.close();
    }
  });
});
