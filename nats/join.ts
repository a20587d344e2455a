/**
 * A node joining a cluster on NATS: its connection and its membership. Its
 * state store opens from {@linkcode natsStoreConfig} (in every isolate that
 * runs guests with state).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { NodeInfo, PeerTable } from "../node/peers.ts";
import { connectNats, type NatsOptions, trackConnection } from "./connect.ts";
import { NatsMembership } from "./membership.ts";
import type { NatsStoreConfig } from "./store.ts";

/** Options of {@linkcode joinNats}. */
export interface NatsClusterOptions extends NatsOptions {
  /** The JetStream domain of this node's NATS server (a leaf's own). */
  domain?: string;
  /** The hub's domain, where membership lives (default: `domain`). */
  hubDomain?: string;
  /** Buckets whose home is another domain: bucket name → domain. */
  homes?: Record<string, string>;
  /** The replica file of the node's buckets (SQLite). */
  replicaPath: string;
  /** Membership heartbeat (ms, default 1000). */
  heartbeatMs?: number;
  /** A node silent this long is down (ms, default 3000). */
  downAfterMs?: number;
}

/** What {@linkcode joinNats} gives a node. */
export interface NatsCluster {
  nc: NatsConnection;
  membership: NatsMembership;
  /** The node's state store, as plain data. */
  storeConfig: NatsStoreConfig;
  /** Leaves the cluster and closes the connection. */
  close(): Promise<void>;
}

/**
 * Connects (unless given `connection`), registers `node` and starts
 * following its peers.
 *
 * @example
 * ```ts ignore
 * const nats = await joinNats(node, { servers: ["nats://127.0.0.1:4222"], domain: "edge", hubDomain: "cloud" });
 * ```
 */
export async function joinNats(
  node: { peers: PeerTable; info(): NodeInfo; id: string },
  options: NatsClusterOptions,
  connection?: NatsConnection,
): Promise<NatsCluster> {
  const nc = connection ??
    await connectNats({ name: `eddy ${node.id}`, ...options });
  const connected = trackConnection(nc);
  const membership = await NatsMembership.start(
    nc,
    node.peers,
    () => node.info(),
    {
      domain: options.hubDomain ?? options.domain,
      heartbeatMs: options.heartbeatMs,
      downAfterMs: options.downAfterMs,
      connected,
    },
  );
  return {
    nc,
    membership,
    storeConfig: natsStoreConfig(options),
    close: async () => {
      await membership.close();
      await nc.close();
    },
  };
}

/**
 * The store config of a node joined with `options`.
 *
 * @example
 * ```ts
 * import { natsStoreConfig } from "./join.ts";
 * const config = natsStoreConfig({ servers: ["nats://127.0.0.1:4222"], replicaPath: "r.sqlite" });
 * console.log(config.kind); // nats
 * ```
 */
export function natsStoreConfig(options: NatsClusterOptions): NatsStoreConfig {
  const {
    hubDomain: _hub,
    heartbeatMs: _beat,
    downAfterMs: _down,
    name: _name,
    ...rest
  } = options;
  return { kind: "nats", ...rest };
}
