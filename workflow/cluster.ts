/**
 * The cluster as workflow planning sees it: nodes with their host, labels
 * and deployed functions, and the node a run starts on. Plain data, so that
 * the planner stays pure: the node builds it from its peer table.
 *
 * @module
 */
import { EDGE_MODES, type EdgeMode } from "./spec.ts";

/**
 * One node of the cluster.
 *
 * @example
 * ```ts
 * import type { ClusterNode } from "./cluster.ts";
 * const node: ClusterNode = {
 *   id: "node-a", hostId: "pi-1", labels: { tier: "edge" }, functions: ["echo"],
 * };
 * ```
 */
export interface ClusterNode {
  id: string;
  /** Nodes with one host id can talk over Unix sockets. */
  hostId: string;
  labels?: Record<string, string>;
  /** Names of the functions deployed on the node. */
  functions: readonly string[];
}

/**
 * The nodes a workflow can run on, and the one it starts on: where its input
 * arrives and its output is returned.
 *
 * @example
 * ```ts
 * import type { Cluster } from "./cluster.ts";
 * const cluster: Cluster = {
 *   localNodeId: "node-a",
 *   nodes: [{ id: "node-a", hostId: "h1", functions: ["echo", "sha256"] }],
 * };
 * ```
 */
export interface Cluster {
  localNodeId: string;
  nodes: readonly ClusterNode[];
}

/**
 * The cheapest mode that can carry bytes from node `a` to node `b`: memory
 * within a node, a Unix socket within a host, HTTP/2 between hosts.
 *
 * @example
 * ```ts
 * import { modeBetween } from "./cluster.ts";
 * const a = { id: "a", hostId: "h1", functions: [] };
 * const b = { id: "b", hostId: "h1", functions: [] };
 * console.log(modeBetween(a, b)); // "unix"
 * ```
 */
export function modeBetween(a: ClusterNode, b: ClusterNode): EdgeMode {
  if (a.id === b.id) return "memory";
  return a.hostId === b.hostId ? "unix" : "http2";
}

/**
 * Whether `mode` can be forced where the placement allows `cheapest`: a mode
 * can be made dearer (memory traffic sent over a socket), never cheaper.
 *
 * @example
 * ```ts
 * import { canForce } from "./cluster.ts";
 * console.log(canForce("unix", "memory")); // true
 * console.log(canForce("memory", "unix")); // false
 * ```
 */
export function canForce(mode: EdgeMode, cheapest: EdgeMode): boolean {
  return EDGE_MODES.indexOf(mode) >= EDGE_MODES.indexOf(cheapest);
}

/**
 * The local node of `cluster`; a cluster without it is a caller's bug.
 *
 * @example
 * ```ts
 * import { localNode } from "./cluster.ts";
 * const me = { id: "a", hostId: "h1", functions: [] };
 * console.log(localNode({ localNodeId: "a", nodes: [me] }) === me); // true
 * ```
 */
export function localNode(cluster: Cluster): ClusterNode {
  const node = cluster.nodes.find((n) => n.id === cluster.localNodeId);
  if (!node) {
    throw new TypeError(
      `the local node '${cluster.localNodeId}' is not in the cluster`,
    );
  }
  return node;
}
