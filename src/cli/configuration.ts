/**
 * The environment half of the configuration (docs/CONFIGURATION.md), read and checked before
 * anything starts: a bad value ends the process with exit 2 and one line naming it, instead of a
 * half-started process. Flags are checked by options.ts; both meet here.
 */
import { isIP } from "node:net";
import { decodeKey } from "../gateway/secrets.js";
import { ConfigurationError } from "./options.js";

export interface Environment {
  readonly databaseUrl?: string;
  readonly databaseSchema?: string;
  readonly adminToken?: string;
  readonly masterKey?: string;
  readonly publicUrl?: string;
  readonly trustedProxies?: readonly string[];
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Reads `KASSE_*` and `DATABASE_URL`; empty values count as unset. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const value = (name: string) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const level = value("KASSE_LOG_LEVEL");
  if (level !== undefined && !LOG_LEVELS.includes(level))
    throw new ConfigurationError(`KASSE_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${level}`);
  const databaseUrl = value("DATABASE_URL");
  if (databaseUrl !== undefined) {
    const protocol = URL.canParse(databaseUrl) ? new URL(databaseUrl).protocol : undefined;
    if (protocol !== "postgres:" && protocol !== "postgresql:")
      throw new ConfigurationError("DATABASE_URL must be a postgres:// or postgresql:// URL");
  }
  const databaseSchema = value("KASSE_DATABASE_SCHEMA");
  if (databaseSchema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(databaseSchema))
    throw new ConfigurationError(
      "KASSE_DATABASE_SCHEMA must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)",
    );
  const adminToken = value("KASSE_ADMIN_TOKEN");
  if (adminToken !== undefined && adminToken.length < 16)
    throw new ConfigurationError("KASSE_ADMIN_TOKEN must be at least 16 characters");
  const masterKey = value("KASSE_MASTER_KEY");
  if (masterKey !== undefined) {
    try {
      decodeKey(masterKey, "KASSE_MASTER_KEY");
    } catch (error) {
      throw new ConfigurationError((error as Error).message);
    }
  }
  const publicUrl = value("KASSE_PUBLIC_URL");
  const proxies = value("KASSE_TRUSTED_PROXIES");
  return {
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(databaseSchema === undefined ? {} : { databaseSchema }),
    ...(adminToken === undefined ? {} : { adminToken }),
    ...(masterKey === undefined ? {} : { masterKey }),
    ...(publicUrl === undefined ? {} : { publicUrl: parsePublicUrl(publicUrl, "KASSE_PUBLIC_URL") }),
    ...(proxies === undefined
      ? {}
      : { trustedProxies: parseTrustedProxies(proxies, "KASSE_TRUSTED_PROXIES") }),
  };
}

/**
 * `https://host[:port][/path]`, without query or fragment, trailing slash dropped. Plain `http:`
 * only for loopback names: Amazon sends buyers and IPNs to HTTPS URLs only.
 */
export function parsePublicUrl(text: string, source: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:"))
    throw new ConfigurationError(`${source} must be an https:// URL, got ${text}`);
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "")
    throw new ConfigurationError(`${source} must have no query, fragment or credentials, got ${text}`);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !loopback)
    throw new ConfigurationError(
      `${source} must be https:// (Amazon only returns buyers to HTTPS), got ${text}`,
    );
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** `10.0.0.1,10.1.0.0/16,::1`: IPs or CIDRs of the proxies whose forwarded headers are believed. */
export function parseTrustedProxies(text: string, source: string): string[] {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const entry of entries) {
    const [address, bits, extra] = entry.split("/");
    const family = isIP(address ?? "");
    const width = family === 4 ? 32 : 128;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= width);
    if (family === 0 || !bitsOk || extra !== undefined)
      throw new ConfigurationError(`${source}: ${entry} is not an IP address or CIDR range`);
  }
  if (entries.length === 0) throw new ConfigurationError(`${source} names no proxy`);
  return entries;
}
