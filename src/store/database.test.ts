import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Database, openDatabase, openSharedPglite, splitStatements } from "./database.js";
import { createPgliteDirectory } from "./pglite-fresh.js";
import { openTestDatabase } from "./test-database.js";

const migrationsDir = await mkdtemp(join(tmpdir(), "kasse-migrations-"));
await writeFile(
  join(migrationsDir, "001_accounts.sql"),
  `-- a comment line is skipped
CREATE TABLE accounts (
  id text PRIMARY KEY,
  balance bigint NOT NULL
);
CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
`,
);
await writeFile(
  join(migrationsDir, "002_index.sql"),
  "CREATE INDEX accounts_balance ON accounts (balance);\n",
);
await writeFile(join(migrationsDir, "README.txt"), "not a migration");

describe(`database on ${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite (memory)"}`, () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase(migrationsDir);
  });
  after(() => db.close());

  it("applies each migration once and records it", async () => {
    const rows = await db.query<{ name: string }>("SELECT name FROM schema_migrations ORDER BY name");
    assert.deepEqual(
      rows.map((row) => row.name),
      ["001_accounts.sql", "002_index.sql"],
    );
  });

  it("returns int8 as numbers", async () => {
    await db.query("INSERT INTO accounts (id, balance) VALUES ($1, $2)", ["a", 1_700_000_000_000]);
    const [row] = await db.query<{ balance: number }>("SELECT balance FROM accounts WHERE id = $1", ["a"]);
    assert.equal(row?.balance, 1_700_000_000_000);
  });

  it("commits a transaction that resolves and rolls back one that throws", async () => {
    await db.transaction((tx) => tx.query("INSERT INTO accounts VALUES ('b', 1)"));
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO accounts VALUES ('c', 1)");
        throw new Error("abort");
      }),
      /abort/,
    );
    const ids = (await db.query<{ id: string }>("SELECT id FROM accounts ORDER BY id")).map((r) => r.id);
    assert.deepEqual(ids, ["a", "b"]);
  });
});

describe("pglite data directory", () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("keeps committed rows across close and reopen, and migrates only once", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "kasse-pgdata-"));
    dirs.push(dataDir);
    const first = await openDatabase({ migrationsDir, dataDir });
    await first.query("INSERT INTO accounts VALUES ('kept', 42)");
    await first.close();
    const second = await openDatabase({ migrationsDir, dataDir });
    const rows = await second.query<{ balance: number }>("SELECT balance FROM accounts");
    await second.close();
    assert.deepEqual(rows, [{ balance: 42 }]);
  });

  it("makes a new directory below a missing parent, and one that exists empty, leaving nothing beside them", async () => {
    const root = await mkdtemp(join(tmpdir(), "kasse-pgfresh-"));
    dirs.push(root);
    const missing = join(root, "missing", "gateway");
    const empty = join(root, "empty", "gateway");
    await mkdir(empty, { recursive: true });
    for (const dataDir of [missing, empty]) {
      const db = await openDatabase({ migrationsDir, dataDir });
      await db.query("INSERT INTO accounts VALUES ('x', 1)");
      await db.close();
    }
    assert.deepEqual(await readdir(join(root, "missing")), ["gateway"]);
    assert.deepEqual(await readdir(join(root, "empty")), ["gateway"]);
    assert.ok((await readdir(missing)).includes("PG_VERSION"));
  });

  it("reports a failed initialisation with PGlite's reason and leaves no half-made directory", async () => {
    const root = await mkdtemp(join(tmpdir(), "kasse-pgfail-"));
    dirs.push(root);
    const dataDir = join(root, "gateway");
    await mkdir(dataDir);
    await assert.rejects(
      createPgliteDirectory(dataDir, ["-c", "shared_buffers=not-a-size"]),
      /initialising the PGlite data directory .* failed \(exit 1\): PGlite failed/,
    );
    assert.deepEqual(await readdir(root), ["gateway"]);
    assert.deepEqual(await readdir(dataDir), []);
  });
});

describe("one PGlite shared by two parts in two schemas", () => {
  it("keeps each part's tables apart, also with interleaved transactions, and closes with the last view", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "kasse-pgshared-"));
    try {
      const shared = await openSharedPglite(dataDir);
      // Both parts have a table `accounts` (as gateway and emulator both have `merchants`).
      const left = await shared.open(migrationsDir, "left_part");
      const right = await shared.open(migrationsDir, "public");
      await Promise.all([
        left.transaction(async (tx) => {
          await tx.query("INSERT INTO accounts VALUES ('l1', 1)");
          await new Promise((resolve) => setTimeout(resolve, 20));
          await tx.query("INSERT INTO accounts VALUES ('l2', 2)");
        }),
        right.query("INSERT INTO accounts VALUES ('r1', 10)"),
        right
          .transaction(async (tx) => {
            await tx.query("INSERT INTO accounts VALUES ('r2', 20)");
            throw new Error("rolled back");
          })
          .catch(() => {}),
        left.query("INSERT INTO accounts VALUES ('l3', 3)"),
      ]);
      const ids = async (db: Database) =>
        (await db.query<{ id: string }>("SELECT id FROM accounts ORDER BY id")).map((row) => row.id);
      assert.deepEqual(await ids(left), ["l1", "l2", "l3"]);
      assert.deepEqual(await ids(right), ["r1"]);
      await left.close();
      assert.deepEqual(await ids(right), ["r1"], "the other view still works");
      await right.close();

      const again = await openSharedPglite(dataDir);
      const reopened = await again.open(migrationsDir, "left_part");
      assert.deepEqual(await ids(reopened), ["l1", "l2", "l3"], "kept on disk, migrations not run twice");
      await again.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("splitStatements", () => {
  it("splits on line-ending semicolons and keeps dollar-quoted bodies whole", () => {
    const statements = splitStatements("CREATE TABLE a (x int);\nDO $$\nBEGIN\n  PERFORM 1;\nEND;\n$$;\n");
    assert.equal(statements.length, 2);
    assert.match(statements[1] ?? "", /PERFORM 1;\nEND;\n\$\$;/);
  });
});
