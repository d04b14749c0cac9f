#!/usr/bin/env node
/**
 * `kasse <command>`: the command-line entry point. Usage errors exit 2 with a hint; failures to
 * start exit 1 with the reason on stderr.
 */
import { type Command, demoCommand, emulatorCommand, startCommand } from "./commands.js";
import { helpText, parseFlags, UsageError } from "./options.js";

const COMMANDS: readonly Command[] = [startCommand, demoCommand, emulatorCommand];

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
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`kasse: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  try {
    const flags = parseFlags(rest, command.flags);
    if (flags.help) {
      process.stdout.write(helpText(command.usage, command.summary, command.flags));
      return 0;
    }
    await command.run(flags);
    return -1;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(
        `kasse ${command.name}: ${error.message}\nRun \`kasse ${command.name} --help\`.\n`,
      );
      return 2;
    }
    process.stderr.write(`kasse ${command.name}: ${(error as Error).message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// -1: a server is running and exits on its own signal.
if (code >= 0) process.exitCode = code;
