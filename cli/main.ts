/**
 * `eddy`'s entry: picks the command, prints errors as one line, sets the
 * exit code.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";
import { deployCommand } from "./commands/deploy.ts";
import { invokeCommand } from "./commands/invoke.ts";
import { lsCommand } from "./commands/ls.ts";
import { kvCommand } from "./commands/kv.ts";
import { rmCommand } from "./commands/rm.ts";
import { runCommand } from "./commands/run.ts";
import { serveCommand } from "./commands/serve.ts";
import { workflowCommand } from "./commands/workflow.ts";

const COMMANDS: Command[] = [
  serveCommand,
  runCommand,
  deployCommand,
  invokeCommand,
  lsCommand,
  rmCommand,
  workflowCommand,
  kvCommand,
];

/** Command names, then two spaces, then their summaries. */
const NAME_WIDTH = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;

const HELP = `eddy ${VERSION}: an edge runtime for WebAssembly (WASI) functions

usage: eddy COMMAND [FLAGS]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(NAME_WIDTH)}${c.summary}`).join("\n")}

Run 'eddy COMMAND --help' for a command's flags.`;

/**
 * Runs the command line `argv` and resolves to the process exit code. Errors
 * are printed as one line on stderr, never as a stack trace.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["--version"]);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(HELP);
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-V") {
    console.log(`eddy ${VERSION}`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`eddy: unknown command '${name}' (see 'eddy --help')`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    const message = error instanceof EddyError
      ? error.message
      : error instanceof Error
      ? error.message
      : String(error);
    console.error(`eddy ${name}: ${message}`);
    return error instanceof EddyError && error.code === "usage" ? 2 : 1;
  }
}
