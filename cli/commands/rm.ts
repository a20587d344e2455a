/**
 * `eddy rm`: remove deployed functions.
 *
 * @module
 */
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import { parseFlags, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { alignFlags } from "../help.ts";

const HELP = alignFlags(`usage: eddy rm [FLAGS] NAME|DIGEST...

Removes functions from a node. Modules no deployment uses any more are
deleted too. A module digest (sha256:...) removes that stored module, which
the node refuses while a function uses it.

${CLIENT_HELP}`);

/** `eddy rm`. */
export const rmCommand: Command = {
  name: "rm",
  summary: "remove deployed functions or stored modules",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("rm", argv, CLIENT_FLAGS);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (!positionals.length) {
      throw new UsageError("rm", "missing function NAME or module DIGEST");
    }
    const client = new Client(values as { url?: string; token?: string });
    for (const name of positionals) {
      // Function names cannot hold ':', so a digest is never a name.
      const kind = name.startsWith("sha256:") ? "modules" : "functions";
      await client.json("DELETE", `/v1/${kind}/${encodeURIComponent(name)}`);
      console.log(`removed ${name}`);
    }
    return 0;
  },
};
