/**
 * The admin API's bearer token: `KASSE_ADMIN_TOKEN` when set, otherwise one generated on first
 * start and kept in the data directory (owner-readable only). Only a freshly generated token is
 * reported, once, in the ready line.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const TOKEN_FILE = "admin-token";

export interface AdminToken {
  readonly token: string;
  /** True when this start created the token; the ready line reports it then and never again. */
  readonly generated: boolean;
}

export async function resolveAdminToken(dataDir: string, fromEnvironment?: string): Promise<AdminToken> {
  if (fromEnvironment !== undefined && fromEnvironment !== "") {
    if (fromEnvironment.length < 16) throw new Error("KASSE_ADMIN_TOKEN must be at least 16 characters");
    return { token: fromEnvironment, generated: false };
  }
  const path = join(dataDir, TOKEN_FILE);
  if (existsSync(path)) return { token: (await readFile(path, "utf8")).trim(), generated: false };
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(24).toString("base64url");
  // "wx" fails if another process created the file first; then theirs is the token.
  try {
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: "wx" });
  } catch {
    return { token: (await readFile(path, "utf8")).trim(), generated: false };
  }
  return { token, generated: true };
}

/** Constant-time check of an `Authorization: Bearer …` header against the token. */
export function isAuthorizedBearer(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? "")?.[1] ?? "";
  // Hashing first makes the comparison length-independent.
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
