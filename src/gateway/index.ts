/**
 * Starts the gateway: opens the store (PGlite in the data directory, or PostgreSQL when a
 * database URL is given), resolves the admin token and listens on HTTPS.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CertificatePem } from "../http/tls.js";
import type { Logger } from "../log.js";
import { type Database, openDatabase } from "../store/database.js";
import { resolveAdminToken } from "./admin-token.js";
import { createGatewayApp } from "./app.js";

export const GATEWAY_MIGRATIONS_DIR = fileURLToPath(new URL("../store/migrations/", import.meta.url));

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** PostgreSQL connection string; PGlite in `dataDir/gateway` when omitted. */
  readonly databaseUrl?: string;
  readonly tls: CertificatePem;
  readonly logger: Logger;
  /** `KASSE_ADMIN_TOKEN`; generated and kept in the data directory when omitted. */
  readonly adminToken?: string;
}

export interface RunningGateway {
  readonly url: string;
  readonly db: Database;
  /** Set only when this start generated the token (the ready line reports it once). */
  readonly generatedAdminToken?: string;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { token, generated } = await resolveAdminToken(options.dataDir, options.adminToken);
  const db = await openDatabase(
    options.databaseUrl
      ? { migrationsDir: GATEWAY_MIGRATIONS_DIR, url: options.databaseUrl }
      : { migrationsDir: GATEWAY_MIGRATIONS_DIR, dataDir: join(options.dataDir, "gateway") },
  );
  const app = createGatewayApp({ db, logger: options.logger, adminToken: token, tls: options.tls });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await db.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `https://${urlHost(options.host)}:${port}`,
    db,
    ...(generated ? { generatedAdminToken: token } : {}),
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

/** `0.0.0.0`/`::` are where we listen, not where a client connects. */
export function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
