import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import { loadMasterKey, SecretBox, SecretUnreadableError } from "./secrets.js";

const box = new SecretBox(randomBytes(32));

describe("secrets at rest", () => {
  it("round-trips any text under its label", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (plaintext, label) => {
        assert.equal(box.open(box.seal(plaintext, label), label), plaintext);
      }),
    );
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----\n";
    const sealed = box.seal(pem, "merchant:M1:amazonPrivateKey");
    assert.ok(!sealed.includes("PRIVATE"), "the sealed text shows nothing of the plaintext");
    assert.notEqual(box.seal(pem, "l"), box.seal(pem, "l"), "a fresh IV per seal");
  });

  it("detects any tampering", () => {
    const sealed = box.seal("Tc5*2D_xs7B[6E?w", "merchant:M1:blowfishKey");
    const bytes = Buffer.from(sealed.slice(3), "base64url");
    for (let index = 0; index < bytes.length; index++) {
      const tampered = Buffer.from(bytes);
      tampered[index] = (tampered[index] as number) ^ 0x01;
      assert.throws(
        () => box.open(`v1.${tampered.toString("base64url")}`, "merchant:M1:blowfishKey"),
        SecretUnreadableError,
      );
    }
    for (const broken of ["", "v1.", `v2.${sealed.slice(3)}`, `${sealed}.x`, sealed.slice(0, 20)]) {
      assert.throws(() => box.open(broken, "merchant:M1:blowfishKey"), SecretUnreadableError);
    }
  });

  it("does not open under another label or another master key, and the error shows no secret", () => {
    const sealed = box.seal("hunter2-plaintext", "merchant:M1:hmacKey");
    assert.throws(() => box.open(sealed, "merchant:M2:hmacKey"), SecretUnreadableError);
    assert.throws(
      () => new SecretBox(randomBytes(32)).open(sealed, "merchant:M1:hmacKey"),
      (error: Error) =>
        error instanceof SecretUnreadableError &&
        !error.message.includes("hunter2") &&
        !error.message.includes(sealed.slice(3, 20)),
    );
  });

  it("never shows its key", () => {
    const key = randomBytes(32);
    const shown = inspect(new SecretBox(key)) + JSON.stringify({ box: new SecretBox(key) });
    assert.ok(!shown.includes(key.toString("base64")) && !shown.includes(key.toString("hex")));
  });

  it("takes the master key from KASSE_MASTER_KEY, or generates an owner-only key file once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kasse-secrets-"));
    try {
      const key = randomBytes(32);
      assert.deepEqual(await loadMasterKey(dir, key.toString("base64")), key);
      await assert.rejects(loadMasterKey(dir, "c2hvcnQ="), /base64-encoded 32-byte key/);
      const generated = await loadMasterKey(join(dir, "data"));
      assert.equal(generated.length, 32);
      const file = join(dir, "data", "master-key");
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.deepEqual(await loadMasterKey(join(dir, "data")), generated, "the file is reused");
      assert.equal((await readFile(file, "utf8")).trim(), generated.toString("base64"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
