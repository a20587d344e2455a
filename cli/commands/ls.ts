/**
 * `eddy ls`: list deployed functions.
 *
 * @module
 */
import type { Deployment } from "../../runtime/registry.ts";
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import { parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `usage: eddy ls [FLAGS]

Lists the functions deployed on a node.

  --json         print the deployments as JSON
${CLIENT_HELP}`;

/** `eddy ls`. */
export const lsCommand: Command = {
  name: "ls",
  summary: "list deployed functions",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags("ls", argv, {
      ...CLIENT_FLAGS,
      json: { type: "boolean" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const client = new Client(values as { url?: string; token?: string });
    const { functions } = await client.json<{ functions: Deployment[] }>(
      "GET",
      "/v1/functions",
    );
    if (values.json) {
      console.log(JSON.stringify(functions, null, 2));
      return 0;
    }
    const rows = [["NAME", "MODULE", "REV", "MEMORY", "TIMEOUT", "DEPLOYED"]];
    for (const f of functions) {
      rows.push([
        f.name,
        f.module.slice(0, 19),
        String(f.revision),
        `${Math.round(f.limits.maxMemoryBytes / 1048576)}MiB`,
        `${f.limits.timeoutMs}ms`,
        f.deployedAt,
      ]);
    }
    const widths = rows[0].map((_, i) =>
      Math.max(...rows.map((r) => r[i].length))
    );
    for (const row of rows) {
      console.log(
        row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd(),
      );
    }
    return 0;
  },
};
