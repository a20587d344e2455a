/**
 * The cluster as workflow planning sees it: nodes with their host, labels
 * and deployed functions, and the node a run starts on. Plain data, so that
 * the planner stays pure: the node builds it from its peer table.
 *
 * @module
 */
import type { Locality } from "../comm/mod.ts";

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
 * Node `node` as the comm layer places it, for `chooseMode` and
 * `forcedModeProblem`: the one place modes are decided.
 *
 * @example
 * ```ts
 * import { localityOf } from "./cluster.ts";
 * import { chooseMode } from "../comm/mod.ts";
 * const a = localityOf({ id: "a", hostId: "h1", functions: [] });
 * const b = localityOf({ id: "b", hostId: "h1", functions: [] });
 * console.log(chooseMode(a, b)); // "unix"
 * ```
 */
export function localityOf(node: ClusterNode): Locality {
  return { nodeId: node.id, hostId: node.hostId };
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
