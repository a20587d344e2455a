/**
 * A whole node in one call: the node itself (deployments, executors,
 * peering), its HTTP API, and the comm endpoints peers reach it at (a Unix
 * socket for peers on this host, HTTP/2 with TLS for others when given a
 * certificate). The CLI's `serve`, the bundle and tests start nodes this
 * way; so can any Deno program.
 *
 * @module
 */
import { hostname as hostName } from "node:os";
import { resolve } from "node:path";
import { closeEventStreams, createHandler } from "../api/app.ts";
import {
  type Http2Server,
  serveHttp2,
  serveUnix,
  type UnixServer,
} from "../comm/mod.ts";
import type { NatsCluster, NatsClusterOptions } from "../nats/mod.ts";
import { EddyNode, type NodeOptions } from "./node.ts";

/** Options of {@linkcode serveNode}: the node's, and where it is served. */
export interface ServeNodeOptions extends NodeOptions {
  /** TCP port of the API (default 0: any free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  hostname?: string;
  /** Require `Authorization: Bearer <token>` on `/v1/*` (and send it to peers). */
  token?: string;
  /** Host names answered without a token, besides loopback, IPs, `hostname` and `advertise`'s. */
  allowedHosts?: string[];
  /** Largest module upload accepted, in bytes (default 64 MiB). */
  maxModuleBytes?: number;
  /** The URL peers reach this node at (default: the bound address). */
  advertise?: string;
  /** Unix socket for peers on this host (default `<dataDir>/eddy.sock`). */
  socket?: string;
  /** Serve peers on other hosts over HTTP/2 with TLS (PEM), on `port` (default any). */
  tls?: { cert: string; key: string; port?: number };
  /** Other nodes to peer with. */
  peers?: string[];
  /** Join a NATS cluster: membership and replicated state. */
  nats?: NatsClusterOptions;
}

/** A node being served; {@linkcode ServedNode.shutdown} stops it all. */
export interface ServedNode extends AsyncDisposable {
  node: EddyNode;
  /** Where the API listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The NATS cluster it joined, with `nats`. */
  nats?: NatsCluster;
  /** Settles once the API, the comm endpoints and the node are closed. */
  finished: Promise<void>;
  /** Stops accepting requests, lets those in flight end, then closes the node. */
  shutdown(): Promise<void>;
}

/**
 * Starts a node and serves it: API, executors, comm endpoints, peering.
 *
 * @example
 * ```ts
 * import { serveNode } from "./serve.ts";
 * const dataDir = await Deno.makeTempDir();
 * const served = await serveNode({ dataDir });
 * const res = await fetch(`${served.url}/healthz`);
 * console.log(res.status); // 200
 * await res.body?.cancel();
 * await served.shutdown();
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function serveNode(
  options: ServeNodeOptions,
): Promise<ServedNode> {
  // The NATS client is loaded only by nodes that join NATS.
  const nats = options.nats && await import("../nats/mod.ts");
  // NATS that cannot be reached stops the node before it serves anything.
  // Membership and the state store share this one connection.
  const nc = options.nats && nats &&
    await nats.connectNats({
      name: `eddy ${options.nodeId ?? hostName()}`,
      ...options.nats,
    });
  let node: EddyNode;
  try {
    node = await EddyNode.start(
      nc && options.state?.kind === "nats"
        ? { ...options, state: { ...options.state, connection: nc } }
        : options,
    );
  } catch (error) {
    await nc?.close();
    throw error;
  }
  const hostname = options.hostname ?? "127.0.0.1";
  let unix: UnixServer | undefined;
  let tls: Http2Server | undefined;
  try {
    const handler = createHandler(node, {
      token: options.token,
      maxModuleBytes: options.maxModuleBytes,
      allowedHosts: [
        hostname,
        ...(options.advertise === undefined
          ? []
          : [new URL(options.advertise).host]),
        ...(options.allowedHosts ?? []),
      ],
    });
    const socket = resolve(options.socket ?? `${options.dataDir}/eddy.sock`);
    unix = await serveUnix(socket, node.remote.handler, {
      allocate: node.remote.receiveBuffers.take,
    });
    tls = options.tls &&
      await serveHttp2({
        hostname,
        port: options.tls.port ?? 0,
        tls: { cert: options.tls.cert, key: options.tls.key },
      }, node.remote.handler);
    const listening = Promise.withResolvers<string>();
    const server = Deno.serve({
      port: options.port ?? 0,
      hostname,
      onListen: ({ hostname, port }) =>
        listening.resolve(`http://${hostname}:${port}`),
    }, handler);
    const url = await listening.promise;
    node.endpoints = {
      http: options.advertise ?? url,
      unix: socket,
      // Peers reach the TLS port at the host they reach the API at.
      ...(tls
        ? {
          https: `https://${
            new URL(options.advertise ?? tls.url).hostname
          }:${tls.port}`,
        }
        : {}),
    };
    for (const peer of options.peers ?? []) await node.peers.add(peer);
    node.peers.start();
    const cluster = options.nats && nats &&
      await nats.joinNats(node, options.nats, nc);
    const [unixServer, tlsServer] = [unix, tls];
    const finished = server.finished.then(async () => {
      await cluster?.close();
      await unixServer.close();
      await tlsServer?.close();
      await node.close();
    });
    const shutdown = async () => {
      // The console's event streams never end by themselves.
      await closeEventStreams();
      await server.shutdown();
      await finished;
    };
    return {
      node,
      url,
      ...(cluster ? { nats: cluster } : {}),
      finished,
      shutdown,
      [Symbol.asyncDispose]: shutdown,
    };
  } catch (error) {
    await unix?.close();
    await tls?.close();
    await node.close();
    await nc?.close();
    throw error;
  }
}
