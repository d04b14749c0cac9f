/**
 * One SQL dialect, two engines: PGlite (PostgreSQL compiled to WASM, a data directory, zero
 * install) by default, a PostgreSQL server when a connection URL is given. Both are driven through
 * the same small interface and the same migrations, so a query tested on one runs on the other.
 */

import { existsSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { dbTransactions } from "../metrics.js";
import { createPgliteDirectory } from "./pglite-fresh.js";
import { pgliteTemplate } from "./pglite-template.js";

/** What a query runs on: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly engine: "pglite" | "postgres";
  /** Runs a script of several statements without parameters (fixtures, maintenance). */
  exec(sql: string): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | {
      /** Directory of `NNN_name.sql` files, applied in name order, each once. */
      readonly migrationsDir: string;
      /** PGlite data directory; omitted means an in-memory database. */
      readonly dataDir?: string;
      readonly url?: undefined;
    }
  | {
      readonly migrationsDir: string;
      /** PostgreSQL connection string, e.g. `postgres://127.0.0.1:5432/kasse`. */
      readonly url: string;
      /** Schema to create and use (isolates test runs or parts sharing one database). */
      readonly schema?: string;
      readonly poolSize?: number;
    };

const INT8_OID = 20;
/** int8 values here are epoch milliseconds and minor-unit sums, far below 2^53. */
const parseInt8 = (text: string) => Number(text);

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.url !== undefined ? openPostgres(options) : await openPglite(options.dataDir);
  try {
    await migrate(database, options.migrationsDir);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * PGlite's server settings. `shared_buffers` is PostgreSQL's default 128 MB, all of it held in
 * the WebAssembly heap; a gateway's working set fits in a fraction (docs/PERFORMANCE.md).
 */
const PGLITE_SETTINGS = ["-c", "shared_buffers=16MB"];

async function createPglite(dataDir: string | undefined): Promise<PGlite> {
  const startParams = [...PGlite.defaultStartParams, ...PGLITE_SETTINGS];
  // initdb costs seconds; loading a dump of a freshly initialised cluster costs a fraction of that.
  // An in-memory database loads it here; a new data directory is made by a child process, so this
  // one's WebAssembly heap stays the size of a reopened directory's (pglite-fresh.ts).
  let loadDataDir: Blob | undefined;
  if (dataDir === undefined) loadDataDir = await pgliteTemplate();
  else if (!existsSync(join(dataDir, "PG_VERSION"))) {
    await mkdir(dataDir, { recursive: true });
    await createPgliteDirectory(dataDir, startParams);
  }
  return PGlite.create({
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    parsers: { [INT8_OID]: parseInt8 },
    startParams,
  });
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const db = await createPglite(dataDir);
  return pgliteView(db, { close: () => db.close() });
}

/**
 * One PGlite data directory holding several parts' tables, each part in its own schema: the
 * gateway and its built-in emulator in one process share one WebAssembly PostgreSQL (one heap,
 * one set of buffers) instead of one each. PGlite is a single session that runs one statement or
 * transaction at a time anyway; each view sets the session's `search_path` to its schema before
 * it runs, under one lock. A transaction that waited on another part (an HTTP call from the
 * gateway to the emulator inside a gateway transaction) would deadlock here: the gateway never
 * holds a transaction across an Amazon call, and the emulator none across an IPN delivery.
 */
export interface SharedPglite {
  /** A view on `schema` (created when missing), migrated from `migrationsDir`. */
  open(migrationsDir: string, schema: string): Promise<Database>;
  /** Closes PGlite once every view is closed. */
  close(): Promise<void>;
}

export async function openSharedPglite(dataDir: string | undefined): Promise<SharedPglite> {
  const db = await createPglite(dataDir);
  const session: PgliteSession = { lock: Promise.resolve(), schema: "public" };
  let open = 0;
  let closed: Promise<void> | undefined;
  const closeOnce = () => {
    closed ??= db.close();
    return closed;
  };
  return {
    async open(migrationsDir, schema) {
      assertSchemaName(schema);
      await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      open += 1;
      let viewClosed = false;
      const view = pgliteView(db, {
        session,
        schema,
        close: async () => {
          if (viewClosed) return;
          viewClosed = true;
          open -= 1;
          if (open === 0) await closeOnce();
        },
      });
      try {
        await migrate(view, migrationsDir);
      } catch (error) {
        await view.close();
        throw error;
      }
      return view;
    },
    close: closeOnce,
  };
}

/** The one session of a shared PGlite: whose turn it is, and which schema it is set to. */
interface PgliteSession {
  lock: Promise<unknown>;
  schema: string;
}

function pgliteView(
  db: PGlite,
  options: {
    readonly session?: PgliteSession;
    readonly schema?: string;
    readonly close: () => Promise<void>;
  },
): Database {
  const run = async <Row>(on: Pick<PGlite, "query">, sql: string, params?: readonly unknown[]) =>
    (await on.query<Row>(sql, params as unknown[] | undefined)).rows;
  const counted = dbTransactions.labels({ engine: "pglite" });
  const { session, schema } = options;
  /** Runs `work` in turn, on this view's schema; without a shared session, as it comes. */
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    if (!session || schema === undefined) return work();
    const turn = session.lock.then(async () => {
      if (session.schema !== schema) {
        await db.exec(`SET search_path TO ${schema}`);
        session.schema = schema;
      }
      return work();
    });
    session.lock = turn.catch(() => {});
    return turn;
  };
  return {
    engine: "pglite",
    query: (sql, params) => {
      counted.inc();
      return inTurn(() => run(db, sql, params));
    },
    exec: async (sql) => {
      counted.inc();
      await inTurn(() => db.exec(sql));
    },
    transaction: (work) => {
      counted.inc();
      return inTurn(() => db.transaction((tx) => work({ query: (sql, params) => run(tx, sql, params) })));
    },
    close: options.close,
  };
}

function assertSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`schema name ${JSON.stringify(schema)} must be a lower-case SQL identifier`);
  }
}

function openPostgres(options: { url: string; schema?: string; poolSize?: number }): Database {
  const schema = options.schema;
  if (schema !== undefined) assertSchemaName(schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: {
      getTypeParser: (oid, format) => (oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)),
    },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A client that loses its server connection (PostgreSQL restarted, backend terminated) must not
  // take the process down: idle ones report on the pool, checked-out ones on themselves; the
  // query in flight fails on its own and the pool connects anew for the next one.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const run = async <Row>(on: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) =>
    (await on.query(sql, params as unknown[] | undefined)).rows as Row[];
  let schemaReady: Promise<unknown> | undefined = schema
    ? pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    : undefined;
  // A query outside `transaction` is one autocommit transaction on the server: counted as one.
  const counted = dbTransactions.labels({ engine: "postgres" });
  const ready = async () => {
    if (schemaReady) {
      await schemaReady;
      schemaReady = undefined;
    }
  };
  return {
    engine: "postgres",
    query: async (sql, params) => {
      await ready();
      counted.inc();
      return run(pool, sql, params);
    },
    exec: async (sql) => {
      await ready();
      counted.inc();
      await pool.query(sql);
    },
    transaction: async (work) => {
      await ready();
      counted.inc();
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({ query: (sql, params) => run(client, sql, params) });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Applies each migration file not yet recorded, in name order, one transaction per file. An
 * advisory lock serialises concurrent starters sharing one PostgreSQL database.
 */
async function migrate(database: Database, migrationsDir: string): Promise<void> {
  const files = (await readdir(migrationsDir)).filter((name) => /^\d{3}_[a-z0-9_-]+\.sql$/.test(name)).sort();
  await database.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(7245310)");
    await tx.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const applied = new Set(
      (await tx.query<{ name: string }>("SELECT name FROM schema_migrations")).map((row) => row.name),
    );
    for (const name of files) {
      if (applied.has(name)) continue;
      const sql = await readFile(join(migrationsDir, name), "utf8");
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [name]);
    }
  });
}

/**
 * Splits a migration into statements (prepared statements take one at a time). Migrations are
 * plain DDL: statements end with `;` at the end of a line; dollar-quoted bodies are kept whole.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  let inDollarQuote = false;
  for (const line of sql.split("\n")) {
    if (/^\s*--/.test(line) && !inDollarQuote) continue;
    current += `${line}\n`;
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inDollarQuote = !inDollarQuote;
    if (!inDollarQuote && /;\s*$/.test(line)) {
      statements.push(current.trim());
      current = "";
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
