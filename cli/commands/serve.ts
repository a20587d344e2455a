/**
 * `eddy serve`: start a node.
 *
 * @module
 */
import { resolve } from "node:path";
import { createApp } from "../../api/app.ts";
import { EddyNode } from "../../node/node.ts";
import { parseBytes } from "../../runtime/manifest/mod.ts";
import { parseFlags, UsageError } from "../args.ts";
import type { Command } from "../command.ts";

const HELP = `usage: eddy serve [FLAGS]

Starts a node: the management and invocation API on HTTP, executors on every
core, deployments restored from the data directory.

  --port N               TCP port (default 8080; 0 picks a free one)
  --hostname ADDR        address to bind (default 127.0.0.1; 0.0.0.0 for the LAN)
  --data-dir DIR         where modules and deployments persist (default ./eddy-data)
  --token TOKEN          require 'Authorization: Bearer TOKEN' on /v1/* (default $EDDY_TOKEN)
  --workers N            executor workers (default: one per core)
  --node-id ID           this node's id (default: the host name)
  --max-module-size SIZE largest module upload (default 64MiB)`;

/** `eddy serve`. */
export const serveCommand: Command = {
  name: "serve",
  summary: "start a node serving the API",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("serve", argv, {
      port: { type: "string" },
      hostname: { type: "string" },
      "data-dir": { type: "string" },
      token: { type: "string" },
      workers: { type: "string" },
      "node-id": { type: "string" },
      "max-module-size": { type: "string" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length) {
      throw new UsageError("serve", `unexpected argument '${positionals[0]}'`);
    }
    const port = integer("--port", values.port, 8080, 0, 65535);
    const workers = values.workers === undefined
      ? undefined
      : integer("--workers", values.workers, 1, 1, 1024);
    let maxModuleBytes: number | undefined;
    if (values["max-module-size"] !== undefined) {
      try {
        maxModuleBytes = parseBytes(values["max-module-size"] as string);
      } catch (error) {
        throw new UsageError(
          "serve",
          `--max-module-size: ${(error as Error).message}`,
        );
      }
    }
    const dataDir = resolve((values["data-dir"] as string) ?? "eddy-data");
    const node = await EddyNode.start({
      dataDir,
      workers,
      nodeId: values["node-id"] as string | undefined,
    });
    const app = createApp(node, {
      token: (values.token as string) ?? Deno.env.get("EDDY_TOKEN"),
      maxModuleBytes,
    });
    const hostname = (values.hostname as string) ?? "127.0.0.1";
    const server = Deno.serve({
      port,
      hostname,
      onListen: ({ hostname, port }) =>
        console.log(
          `eddy node ${node.id} listening on http://${hostname}:${port} (data: ${dataDir}, ${node.registry.list().length} functions)`,
        ),
    }, app.fetch);
    const stop = () => server.shutdown();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    await server.finished;
    await node.close();
    return 0;
  },
};

function integer(
  flag: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      "serve",
      `${flag} wants an integer from ${min} to ${max}, got '${value}'`,
    );
  }
  return n;
}
