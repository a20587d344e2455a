/**
 * `eddy serve`: start a node.
 *
 * @module
 */
import { resolve } from "node:path";
import { tokenProblem } from "../../api/auth.ts";
import { serveNode, type ServeNodeOptions } from "../../node/serve.ts";
import { parseBytes, parseDuration } from "../../runtime/manifest/mod.ts";
import { keyValues, parseFlags, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { readConfig, SERVE_FLAGS } from "../serve_config.ts";
import { NATS_HELP, natsOptions } from "../serve_nats.ts";

const HELP = `usage: eddy serve [FLAGS]

Starts a node: the management and invocation API on HTTP, executors on every
core, deployments restored from the data directory.

  --config FILE          read these settings from a YAML file (flags win)
  --port N               TCP port (default 8080; 0 picks a free one)
  --hostname ADDR        address to bind (default 127.0.0.1; 0.0.0.0 for the LAN)
  --data-dir DIR         where modules and deployments persist (default ./eddy-data)
  --token TOKEN          require 'Authorization: Bearer TOKEN' on /v1/* and send
                         it to peers (default $EDDY_TOKEN)
  --workers N            executor workers (default: one per core)
  --max-module-size SIZE largest module upload (default 64MiB)
  --allowed-host NAME    without a token, also answer requests for host NAME
                         (repeatable; loopback names, IP addresses and the
                         --hostname and --advertise names always are)
  --max-buffered SIZE    request bodies and outputs held at once, node-wide;
                         past it requests get 503 (default: 1/4 of RAM)
  --memory-budget SIZE   compiled modules kept per isolate (main and each
                         worker), estimated at 20KiB + 3 x module size each;
                         least recently run dropped past it, compiled again
                         when next run (default: 1/8 of RAM, at most 256MiB)
  --max-queue-wait DURATION
                         refuse an invocation (503 overloaded) whose expected
                         wait for an executor exceeds this (e.g. 50ms); each
                         is refused past its own timeout regardless. About
                         half the latency an admitted one may take, and above
                         the wait your steady load already has

locality and peering:
  --node-id ID           this node's id (default: the host name)
  --host-id ID           nodes with the same host id use Unix sockets between
                         them (default: the machine id)
  --zone ZONE, --region REGION
  --label KEY=VALUE      a node label workflows can place steps by (repeatable)
  --peer URL             another node to peer with (repeatable)
  --advertise URL        the URL peers reach this node at (default: the bound address)
  --socket PATH          Unix socket for peers on this host (default DATA-DIR/eddy.sock)
  --tls-cert FILE, --tls-key FILE
                         serve peers on other hosts over HTTP/2 with TLS (PEM),
                         on its own port (--tls-port, default: any free one)
  --tls-port N
  --tls-ca FILE          CA certificate that signs peers' TLS certificates

${NATS_HELP}`;

/** `eddy serve`. */
export const serveCommand: Command = {
  name: "serve",
  summary: "start a node serving the API",
  help: HELP,
  async run(argv) {
    const parsed = parseFlags("serve", argv, {
      ...SERVE_FLAGS,
      config: { type: "string" },
    });
    if (parsed.values.help) {
      console.log(HELP);
      return 0;
    }
    if (parsed.positionals.length) {
      throw new UsageError(
        "serve",
        `unexpected argument '${parsed.positionals[0]}'`,
      );
    }
    const values = parsed.values.config === undefined ? parsed.values : {
      ...await readConfig(parsed.values.config),
      ...parsed.values,
    };
    const port = integer("--port", values.port, 8080, 0, 65535);
    const workers = values.workers === undefined
      ? undefined
      : integer("--workers", values.workers, 1, 1, 1024);
    const maxModuleBytes = size("--max-module-size", values["max-module-size"]);
    const maxBufferedBytes = size("--max-buffered", values["max-buffered"]);
    if (maxBufferedBytes === 0) {
      throw new UsageError("serve", "--max-buffered: must be more than 0");
    }
    const compiledBudgetBytes = size(
      "--memory-budget",
      values["memory-budget"],
    );
    if (compiledBudgetBytes === 0) {
      throw new UsageError("serve", "--memory-budget: must be more than 0");
    }
    const maxQueueWaitMs = duration(
      "--max-queue-wait",
      values["max-queue-wait"],
    );
    const dataDir = resolve(values["data-dir"] ?? "eddy-data");
    const nats = natsOptions(values, dataDir);
    const token = values.token ?? Deno.env.get("EDDY_TOKEN");
    const problem = token === undefined ? undefined : tokenProblem(token);
    if (problem) {
      throw new UsageError(
        "serve",
        `--token (or EDDY_TOKEN, or the config's token): ${problem}`,
      );
    }
    if (values.advertise !== undefined) checkUrl(values.advertise);
    const served = await serveNode({
      dataDir,
      workers,
      token,
      nodeId: values["node-id"],
      hostId: values["host-id"],
      tlsCa: values["tls-ca"] === undefined
        ? undefined
        : await readPem("--tls-ca", values["tls-ca"]),
      zone: values.zone,
      region: values.region,
      labels: keyValues("serve", "--label", values.label),
      maxBufferedBytes,
      compiledBudgetBytes,
      maxQueueWaitMs,
      nats,
      // The NATS client is loaded only by nodes that join NATS.
      ...(nats
        ? { state: (await import("../../nats/mod.ts")).natsStoreConfig(nats) }
        : {}),
      port,
      hostname: values.hostname ?? "127.0.0.1",
      maxModuleBytes,
      allowedHosts: values["allowed-host"],
      advertise: values.advertise,
      socket: values.socket,
      tls: await tlsOptions(values),
      peers: values.peer,
    });
    const { node, url } = served;
    if (node.sweptModules > 0) {
      console.log(
        `eddy: removed ${node.sweptModules} stored modules no deployment uses`,
      );
    }
    console.log(
      `eddy node ${node.id} listening on ${url} (data: ${dataDir}, ${node.registry.list().length} functions)`,
    );
    if (served.nats) {
      console.log(`eddy: joined NATS at ${served.nats.nc.getServer()}`);
    }
    const stop = () => served.shutdown();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    await served.finished;
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

function size(flag: string, value: string | undefined): number | undefined {
  return parsed(flag, value, parseBytes);
}

/** `value` of `flag` as a duration (ms), if given. */
function duration(
  flag: string,
  value: string | undefined,
): number | undefined {
  return parsed(flag, value, parseDuration);
}

function parsed(
  flag: string,
  value: string | undefined,
  parse: (value: string) => number,
): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (error) {
    throw new UsageError("serve", `${flag}: ${(error as Error).message}`);
  }
}

/** The TLS settings `--tls-cert` and `--tls-key` ask for, if they do. */
async function tlsOptions(
  values: { "tls-cert"?: string; "tls-key"?: string; "tls-port"?: string },
): Promise<ServeNodeOptions["tls"]> {
  const [certFile, keyFile] = [values["tls-cert"], values["tls-key"]];
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new UsageError("serve", "--tls-cert and --tls-key go together");
  }
  return {
    port: integer("--tls-port", values["tls-port"], 0, 0, 65535),
    cert: await readPem("--tls-cert", certFile),
    key: await readPem("--tls-key", keyFile),
  };
}

function checkUrl(url: string): void {
  try {
    new URL(url);
  } catch {
    throw new UsageError("serve", `--advertise wants a URL, got '${url}'`);
  }
}

async function readPem(flag: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(
      "serve",
      `${flag}: cannot read '${path}': ${(error as Error).message}`,
    );
  }
}
