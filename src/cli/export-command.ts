/**
 * `kasse export datev|csv`: the accounting exports without a running server (docs/accounting.md
 * "Command line"). Opens the gateway's database itself — PostgreSQL of DATABASE_URL, or PGlite in
 * DIR/gateway (stop `kasse start` on that directory first: PGlite belongs to one process) —
 * writes the files, prints one JSON line naming them on stdout, and a progress bar on stderr.
 */
import { createWriteStream, existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Accounting } from "../accounting/accounting.js";
import { dayOfIso } from "../accounting/berlin-time.js";
import { CHARTS, type Chart } from "../accounting/booking-rules.js";
import { ExportError } from "../accounting/datev-export.js";
import { systemClock } from "../core/clock.js";
import { GATEWAY_MIGRATIONS_DIR } from "../gateway/index.js";
import { silentLogger } from "../log.js";
import { type Database, openDatabase } from "../store/database.js";
import type { Command } from "./commands.js";
import { readEnvironment } from "./configuration.js";
import { COMMON_FLAGS, type FlagSpec, type ParsedFlags, UsageError } from "./options.js";

const PERIOD_FLAGS: readonly FlagSpec[] = [
  {
    name: "merchant",
    type: "string",
    value: "ID",
    description: "the merchant whose bookings are exported (required)",
  },
  { name: "from", type: "string", value: "YYYY-MM-DD", description: "first day, Berlin time (required)" },
  {
    name: "to",
    type: "string",
    value: "YYYY-MM-DD",
    description: "last day, in the same calendar year (required)",
  },
  { name: "chart", type: "string", value: "SKR03|SKR04", description: "chart of accounts", default: "SKR03" },
  COMMON_FLAGS.find((flag) => flag.name === "data") as FlagSpec,
  { name: "help", type: "boolean", description: "show this help" },
];

interface Period {
  readonly merchantId: string;
  readonly fromDay: number;
  readonly toDay: number;
  readonly chart: Chart;
}

function periodOf(flags: ParsedFlags): Period {
  const merchantId = flags.merchant;
  if (typeof merchantId !== "string" || merchantId === "") throw new UsageError("--merchant is required");
  const fromDay = dayOfIso(String(flags.from ?? ""));
  if (fromDay === undefined) throw new UsageError("--from must be a date YYYY-MM-DD");
  const toDay = dayOfIso(String(flags.to ?? ""));
  if (toDay === undefined) throw new UsageError("--to must be a date YYYY-MM-DD");
  const chart = String(flags.chart);
  if (!(CHARTS as readonly string[]).includes(chart)) throw new UsageError("--chart must be SKR03 or SKR04");
  return { merchantId, fromDay, toDay, chart: chart as Chart };
}

async function withAccounting<T>(
  flags: ParsedFlags,
  merchantId: string,
  work: (accounting: Accounting) => Promise<T>,
): Promise<T> {
  const env = readEnvironment();
  const dataDir = resolve(String(flags.data));
  if (!env.databaseUrl && !existsSync(join(dataDir, "gateway", "PG_VERSION"))) {
    throw new UsageError(
      `no gateway database in ${join(dataDir, "gateway")}; give --data DIR of a kasse start, or set DATABASE_URL`,
    );
  }
  const db: Database = await openDatabase(
    env.databaseUrl
      ? {
          migrationsDir: GATEWAY_MIGRATIONS_DIR,
          url: env.databaseUrl,
          ...(env.databaseSchema ? { schema: env.databaseSchema } : {}),
        }
      : { migrationsDir: GATEWAY_MIGRATIONS_DIR, dataDir: join(dataDir, "gateway") },
  );
  try {
    const [merchant] = await db.query("SELECT 1 FROM merchants WHERE merchant_id = $1", [merchantId]);
    if (!merchant) throw new UsageError(`no merchant ${merchantId} in this database`);
    return await work(new Accounting({ db, clock: systemClock, logger: silentLogger() }));
  } finally {
    await db.close();
  }
}

/** A one-line bar on stderr, redrawn at most every 1 %; a plain line per 10 % when stderr is no terminal. */
export function progressBar(
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (stream.isTTY) {
      if (percent === shown) return;
      shown = percent;
      const width = 30;
      const filled = Math.round((percent / 100) * width);
      stream.write(
        `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(percent).padStart(3)}% ${done}/${total} rows${done >= total ? "\n" : ""}`,
      );
    } else if (Math.floor(percent / 10) !== Math.floor(shown / 10) || done >= total) {
      shown = percent;
      stream.write(`exported ${done}/${total} rows (${percent}%)\n`);
    }
  };
}

export const exportDatevCommand: Command = {
  name: "export datev",
  endsOnItsOwn: true,
  usage:
    "kasse export datev --merchant ID --from YYYY-MM-DD --to YYYY-MM-DD [--chart SKR03|SKR04] [--out DIR] [--reexport] [--data DIR]",
  summary:
    "Writes the merchant's bookings of the period as DATEV Buchungsstapel files (EXTF 700, Windows-1252, at\nmost 99,999 rows each) into DIR, validated, and logs the export. Bookings an earlier export of the\nchart handed out are left out unless --reexport; with nothing new, the earlier file is written again.\nNeeds no running server: uses DATABASE_URL, or PGlite in --data DIR/gateway (stop kasse start first).",
  flags: [
    ...PERIOD_FLAGS,
    { name: "out", type: "string", value: "DIR", description: "directory for the files", default: "." },
    {
      name: "reexport",
      type: "boolean",
      description: "include bookings earlier exports handed out (logged as a re-export)",
    },
  ],
  async run(flags) {
    const period = periodOf(flags);
    const outDir = resolve(String(flags.out));
    await withAccounting(flags, period.merchantId, async (accounting) => {
      let files: Awaited<ReturnType<Accounting["exportDatev"]>>;
      try {
        files = await accounting.exportDatev({ ...period, reexport: flags.reexport === true }, progressBar());
      } catch (error) {
        if (error instanceof ExportError) throw new UsageError(error.message);
        throw error;
      }
      try {
        await mkdir(outDir, { recursive: true });
        const written = [];
        for (const part of files.parts) {
          const target = join(outDir, part.fileName);
          await copyFile(part.path, target);
          written.push({ file: target, rows: part.rows, sha256: part.sha256 });
        }
        process.stdout.write(
          `${JSON.stringify({ exportId: files.exportId, repeated: files.repeated, rows: files.rows, files: written })}\n`,
        );
      } finally {
        await files.dispose();
      }
    });
  },
};

export const exportCsvCommand: Command = {
  name: "export csv",
  endsOnItsOwn: true,
  usage:
    "kasse export csv --merchant ID --from YYYY-MM-DD --to YYYY-MM-DD [--chart SKR03|SKR04] [--out FILE] [--data DIR]",
  summary:
    "Writes the merchant's bookings of the period as a CSV for Excel (UTF-8 with BOM, ';', decimal comma).\nNeeds no running server, like kasse export datev.",
  flags: [
    ...PERIOD_FLAGS,
    { name: "out", type: "string", value: "FILE", description: "file to write", default: "bookings.csv" },
  ],
  async run(flags) {
    const period = periodOf(flags);
    if (period.fromDay > period.toDay) throw new UsageError("--from is after --to");
    const target = resolve(String(flags.out));
    await withAccounting(flags, period.merchantId, async (accounting) => {
      const out = createWriteStream(target);
      const done = new Promise<void>((resolveDone, reject) => {
        out.on("finish", resolveDone);
        out.on("error", reject);
      });
      const rows = await accounting.exportBookingsCsv(
        period.merchantId,
        period.chart,
        period.fromDay,
        period.toDay,
        out,
      );
      out.end();
      await done;
      process.stdout.write(`${JSON.stringify({ rows, file: target })}\n`);
    });
  },
};
