/**
 * `eddy rm`: remove deployed functions.
 *
 * @module
 */
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import { parseFlags, UsageError } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `usage: eddy rm [FLAGS] NAME...

Removes functions from a node. Modules no deployment uses any more are
deleted too.

${CLIENT_HELP}`;

/** `eddy rm`. */
export const rmCommand: Command = {
  name: "rm",
  summary: "remove deployed functions",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("rm", argv, CLIENT_FLAGS);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (!positionals.length) {
      throw new UsageError("rm", "missing function NAME");
    }
    const client = new Client(values as { url?: string; token?: string });
    for (const name of positionals) {
      await client.json("DELETE", `/v1/functions/${encodeURIComponent(name)}`);
      console.log(`removed ${name}`);
    }
    return 0;
  },
};
