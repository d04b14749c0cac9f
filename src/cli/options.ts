/**
 * The CLI's flags as data: one row per flag drives parsing (node:util parseArgs) and `--help`,
 * so the help text cannot drift from what is accepted.
 */
import { parseArgs } from "node:util";

export interface FlagSpec {
  readonly name: string;
  readonly type: "string" | "boolean";
  readonly value?: string;
  readonly description: string;
  readonly default?: string;
}

export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: "host", type: "string", value: "ADDR", description: "address to listen on", default: "127.0.0.1" },
  {
    name: "data",
    type: "string",
    value: "DIR",
    description: "data directory (PGlite database, keys, certificates)",
    default: "./data",
  },
  {
    name: "tls-cert",
    type: "string",
    value: "FILE",
    description: "TLS certificate (PEM); self-signed if omitted",
  },
  { name: "tls-key", type: "string", value: "FILE", description: "TLS private key (PEM) for --tls-cert" },
  { name: "help", type: "boolean", description: "show this help" },
];

/** A flag the command does not take, or a flag's value it cannot use (exit 2). */
export class UsageError extends Error {}

/** A bad environment variable or a file that cannot be used (exit 2, one line). */
export class ConfigurationError extends Error {}

export type ParsedFlags = Record<string, string | boolean | undefined>;

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(specs.map((spec) => [spec.name, { type: spec.type }])),
      strict: true,
      allowPositionals: false,
    });
    const parsed: ParsedFlags = { ...values };
    for (const spec of specs)
      if (parsed[spec.name] === undefined && spec.default) parsed[spec.name] = spec.default;
    return parsed;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function portFlag(flags: ParsedFlags, name: string): number {
  const text = String(flags[name]);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new UsageError(`--${name} must be a port number (0-65535), got ${text}`);
  return port;
}

export function helpText(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((spec) => {
    const left = `  --${spec.name}${spec.value ? ` ${spec.value}` : ""}`;
    const right = spec.default ? `${spec.description} (default ${spec.default})` : spec.description;
    return `${left.padEnd(30)} ${right}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${rows.join("\n")}\n`;
}
