/**
 * `eddy`'s entry: picks the command, prints errors as one line, sets the
 * exit code.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";

/**
 * Each command by name, loaded when it runs: `serve` starts without the
 * code of the client commands, and they without the node's.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./commands/serve.ts")).serveCommand,
  run: async () => (await import("./commands/run.ts")).runCommand,
  deploy: async () => (await import("./commands/deploy.ts")).deployCommand,
  invoke: async () => (await import("./commands/invoke.ts")).invokeCommand,
  ls: async () => (await import("./commands/ls.ts")).lsCommand,
  rm: async () => (await import("./commands/rm.ts")).rmCommand,
  workflow: async () =>
    (await import("./commands/workflow.ts")).workflowCommand,
  kv: async () => (await import("./commands/kv.ts")).kvCommand,
};

/** `eddy --help`: every command with its summary. */
async function help(): Promise<string> {
  const commands = await Promise.all(
    Object.values(COMMANDS).map((load) => load()),
  );
  // Command names, then two spaces, then their summaries.
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `eddy ${VERSION}: an edge runtime for WebAssembly (WASI) functions

usage: eddy COMMAND [FLAGS]

commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n")}

Run 'eddy COMMAND --help' for a command's flags.`;
}

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
    console.log(await help());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-V") {
    console.log(`eddy ${VERSION}`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    console.error(`eddy: unknown command '${name}' (see 'eddy --help')`);
    return 2;
  }
  try {
    return await (await load()).run(rest);
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
