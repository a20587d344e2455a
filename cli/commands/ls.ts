/**
 * `eddy ls`: list deployed functions.
 *
 * @module
 */
import type { ModuleInfo } from "../../runtime/module/mod.ts";
import type { Deployment } from "../../runtime/registry.ts";
import { Client, CLIENT_FLAGS, CLIENT_HELP } from "../client.ts";
import { parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { alignFlags } from "../help.ts";

const HELP = alignFlags(`usage: eddy ls [FLAGS]

Lists the functions deployed on a node, or with --modules the modules it
stores and the functions using each.

  --modules      list stored modules instead
  --json         print the deployments (or modules) as JSON
${CLIENT_HELP}`);

/** `eddy ls`. */
export const lsCommand: Command = {
  name: "ls",
  summary: "list deployed functions",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags("ls", argv, {
      ...CLIENT_FLAGS,
      json: { type: "boolean" },
      modules: { type: "boolean" },
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
    if (values.modules) {
      const { modules } = await client.json<{ modules: ModuleInfo[] }>(
        "GET",
        "/v1/modules",
      );
      if (values.json) {
        console.log(JSON.stringify(modules, null, 2));
        return 0;
      }
      printTable([
        ["DIGEST", "SIZE", "USED BY"],
        ...modules.map((m) => [
          m.digest,
          String(m.size),
          functions.filter((f) => f.module === m.digest).map((f) => f.name)
            .join(",") || "-",
        ]),
      ]);
      return 0;
    }
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
    printTable(rows);
    return 0;
  },
};

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((r) => r[i].length))
  );
  for (const row of rows) {
    console.log(
      row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd(),
    );
  }
}
