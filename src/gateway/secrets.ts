/**
 * Secrets at rest (DESIGN principle 6): the merchants' Paygate keys and Amazon private keys are
 * stored sealed with AES-256-GCM under a master key — `KASSE_MASTER_KEY` (base64 of 32 bytes)
 * or a key file generated in the data directory on first start (owner-only). Each value is bound
 * to a label (e.g. `merchant:Shop1:hmacKey`) as associated data, so a sealed value copied into
 * another column or merchant does not open. Neither the master key nor a plaintext is ever
 * logged or put into an error message.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const KEY_FILE = "master-key";
const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that does not open: tampered, truncated, another label or another master key. */
export class SecretUnreadableError extends Error {
  override name = "SecretUnreadableError";
  constructor(readonly label: string) {
    super(`secret ${label} cannot be opened (tampered, or sealed under another master key)`);
  }
}

/**
 * @example
 * const box = new SecretBox(await loadMasterKey(dataDir, process.env.KASSE_MASTER_KEY));
 * const sealed = box.seal("hmac-key", "merchant:Shop1:hmacKey"); // "v1.…"
 * box.open(sealed, "merchant:Shop1:hmacKey"); // "hmac-key"
 */
export class SecretBox {
  readonly #key: Buffer;
  readonly #randomBytes: (size: number) => Buffer;

  constructor(masterKey: Buffer, random: (size: number) => Buffer = randomBytes) {
    if (masterKey.length !== 32) throw new RangeError("the master key must be 32 bytes");
    this.#key = Buffer.from(masterKey);
    this.#randomBytes = random;
  }

  seal(plaintext: string, label: string): string {
    const iv = this.#randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(label, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
  }

  open(sealed: string, label: string): string {
    const [version, payload, extra] = sealed.split(".");
    if (version !== VERSION || payload === undefined || extra !== undefined)
      throw new SecretUnreadableError(label);
    const bytes = Buffer.from(payload, "base64url");
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadableError(label);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(label, "utf8"));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new SecretUnreadableError(label);
    }
  }

  /** Keeps the key out of `console.log`, `util.inspect` and JSON. */
  toJSON(): string {
    return "[SecretBox]";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "[SecretBox]";
  }
}

/**
 * The master key: `fromEnvironment` (base64 of 32 bytes) when set, otherwise the key file in
 * `dataDir`, created (mode 600) on first start. Losing the key file loses every sealed secret:
 * back it up with the database, or set `KASSE_MASTER_KEY`.
 */
export async function loadMasterKey(dataDir: string, fromEnvironment?: string): Promise<Buffer> {
  if (fromEnvironment !== undefined && fromEnvironment !== "") {
    return decodeKey(fromEnvironment, "KASSE_MASTER_KEY");
  }
  const path = join(dataDir, KEY_FILE);
  if (existsSync(path)) return decodeKey(await readFile(path, "utf8"), path);
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    // "wx" fails if another process created the file first; then theirs is the key.
    await writeFile(path, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch {
    return decodeKey(await readFile(path, "utf8"), path);
  }
  return key;
}

/** A master key from its base64 text; throws naming `source` (the variable or file) when malformed. */
export function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== 32) {
    throw new Error(`${source} must hold a base64-encoded 32-byte key`);
  }
  return key;
}
