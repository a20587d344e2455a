/**
 * The shape every CLI command has.
 *
 * @module
 */

/**
 * A subcommand of `eddy`.
 *
 * @example
 * ```ts
 * import type { Command } from "./command.ts";
 * const hello: Command = {
 *   name: "hello",
 *   summary: "say hello",
 *   help: "usage: eddy hello",
 *   run: () => Promise.resolve(0),
 * };
 * ```
 */
export interface Command {
  name: string;
  /** One line for `eddy --help`. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}
