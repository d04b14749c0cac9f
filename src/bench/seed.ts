/**
 * `kasse bench --stored N`: N payments already in the database before the measured ones, made
 * fast with SQL instead of through the flow — every row the warm-up payment left in the payment
 * tables of gateway and emulator is copied N times, each copy's id columns suffixed `~1`…`~N`,
 * so the indexes and tables hold what N real payments would leave (docs/PERFORMANCE.md).
 */
import type { Queryable } from "../store/database.js";

/** Tables of one schema a payment fills, parents before children (foreign keys). */
export const PAYMENT_TABLES = {
  gateway: ["payments", "operations", "notifications", "req_ids"],
  emulator: ["objects", "idempotency", "ipn_outbox"],
} as const;

/** Rows copied per statement: bounded memory in PGlite's heap. */
const BATCH = 20_000;

interface Column {
  readonly column_name: string;
  readonly data_type: string;
  readonly generated: boolean;
}

/** Text columns that identify a row or point to another: `id`, `key`, `xid`, `*_id` but not the merchant. */
function isIdColumn(column: Column): boolean {
  const name = column.column_name;
  if (column.data_type !== "text" || name === "merchant_id") return false;
  return ["id", "key", "xid"].includes(name) || name.endsWith("_id") || name.endsWith("_key");
}

/** Copies every row of `tables` (in the current schema) `copies` times; returns the rows written. */
export async function seedCopies(db: Queryable, tables: readonly string[], copies: number): Promise<number> {
  let written = 0;
  for (const table of tables) {
    const columns = await db.query<Column>(
      `SELECT column_name, data_type,
              (is_identity = 'YES' OR coalesce(column_default, '') LIKE 'nextval(%') AS generated
         FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1
        ORDER BY ordinal_position`,
      [table],
    );
    const kept = columns.filter((column) => !column.generated);
    if (kept.length === 0) continue;
    const names = kept.map((column) => `"${column.column_name}"`).join(", ");
    const values = kept
      .map((column) =>
        isIdColumn(column) ? `"${column.column_name}" || '~' || g` : `"${column.column_name}"`,
      )
      .join(", ");
    const [{ count } = { count: 0 }] = await db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${table}`,
    );
    if (count === 0) continue;
    // The template rows are the table as it is now; copies are numbered after them.
    await db.query(`CREATE TEMP TABLE seed_${table} AS SELECT * FROM ${table}`);
    const perBatch = Math.max(1, Math.floor(BATCH / count));
    for (let from = 1; from <= copies; from += perBatch) {
      const to = Math.min(copies, from + perBatch - 1);
      await db.query(
        `INSERT INTO ${table} (${names}) SELECT ${values} FROM seed_${table} CROSS JOIN generate_series(${from}, ${to}) AS g`,
      );
      written += count * (to - from + 1);
    }
    await db.query(`DROP TABLE seed_${table}`);
    await db.query(`ANALYZE ${table}`);
  }
  return written;
}
