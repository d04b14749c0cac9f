#!/usr/bin/env node
/**
 * `kasse <command>`: the command-line entry point. Usage and configuration errors exit 2 with one
 * line naming the fault; failures to start exit 1 with the reason on stderr. A failed start ends
 * the process even if a part it opened (a database, a listener) would keep it alive.
 */
import { readFileSync } from "node:fs";
import {
  benchCommand,
  type Command,
  demoCommand,
  emulatorCommand,
  migrateCommand,
  startCommand,
} from "./commands.js";
import { exportCsvCommand, exportDatevCommand } from "./export-command.js";
import { ConfigurationError, helpText, parseFlags, UsageError } from "./options.js";

const COMMANDS: readonly Command[] = [
  startCommand,
  demoCommand,
  emulatorCommand,
  migrateCommand,
  benchCommand,
  exportDatevCommand,
  exportCsvCommand,
];

function version(): string {
  const manifest = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

function mainHelp(): string {
  const rows = COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary.split("\n")[0]}`);
  return `Usage: kasse <command> [options]\n\nKasse: a self-hosted Amazon Pay gateway.\n\nCommands:\n${rows.join("\n")}\n\nRun \`kasse <command> --help\` for a command's options.\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "version") {
    process.stdout.write(`kasse ${version()}\n`);
    return 0;
  }
  // Two-word commands (`export datev`) are found by both words.
  const twoWords = COMMANDS.find((candidate) => candidate.name === `${name} ${rest[0]}`);
  const command = twoWords ?? COMMANDS.find((candidate) => candidate.name === name);
  const args = twoWords ? rest.slice(1) : rest;
  if (!command) {
    process.stderr.write(`kasse: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  try {
    const flags = parseFlags(args, command.flags);
    if (flags.help) {
      process.stdout.write(helpText(command.usage, command.summary, command.flags));
      return 0;
    }
    await command.run(flags);
    return command.endsOnItsOwn ? 0 : -1;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`kasse ${command.name}: ${error.message} (see kasse ${command.name} --help)\n`);
      return 2;
    }
    if (error instanceof ConfigurationError) {
      process.stderr.write(`kasse ${command.name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`kasse ${command.name}: ${oneLine((error as Error).message)}\n`);
    return 1;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").slice(0, 500);
}

const code = await main(process.argv.slice(2));
// -1: a server is running and exits on its own signal. A failure exits at once: whatever the
// failed start left open must not keep a broken process alive.
if (code > 0) process.stderr.write("", () => process.exit(code));
else if (code === 0) process.exitCode = code;
