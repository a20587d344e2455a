/**
 * A node joining a cluster on NATS: one connection, the membership, and
 * the replicated state store.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { NodeInfo, PeerTable } from "../node/peers.ts";
import { connectNats, type NatsOptions, trackConnection } from "./connect.ts";
import { NatsMembership } from "./membership.ts";
import { NatsStateStore } from "./store.ts";

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
  store: NatsStateStore;
  /** Leaves the cluster, closes the buckets and the connection. */
  close(): Promise<void>;
}

/**
 * Connects, registers `node` and starts following its peers.
 *
 * @example
 * ```ts ignore
 * const nats = await joinNats(node, { servers: ["nats://127.0.0.1:4222"], domain: "edge", hubDomain: "cloud" });
 * ```
 */
export async function joinNats(
  node: { peers: PeerTable; info(): NodeInfo; id: string },
  options: NatsClusterOptions,
): Promise<NatsCluster> {
  const nc = await connectNats({ name: `eddy ${node.id}`, ...options });
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
  const store = NatsStateStore.open(nc, {
    domain: options.domain,
    homes: options.homes,
    connected,
    replicaPath: options.replicaPath,
  });
  return {
    nc,
    membership,
    store,
    close: async () => {
      await membership.close();
      await store[Symbol.asyncDispose]();
      await nc.close();
    },
  };
}
