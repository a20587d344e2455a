/**
 * Placement: which node runs each step. Producers are placed before their
 * consumers, and each step goes where its inputs already are, so that most
 * edges are memory copies within a node.
 *
 * @module
 */
import { topologicalOrder } from "./_graph.ts";
import { forcedModeProblem } from "../comm/mod.ts";
import {
  type Cluster,
  type ClusterNode,
  localityOf,
  localNode,
} from "./cluster.ts";
import type { StepPlacement, WorkflowSpec, WorkflowStep } from "./spec.ts";

/** Whether `node` can run `step`: it runs the function and fits `on`. */
export function canRun(node: ClusterNode, step: WorkflowStep): boolean {
  return node.functions.includes(step.function) && fits(node, step.on);
}

/** Whether `node` satisfies a placement (no placement: any node does). */
export function fits(node: ClusterNode, on?: StepPlacement): boolean {
  if (!on) return true;
  if ("node" in on) return node.id === on.node;
  return Object.entries(on.labels).every(([key, value]) =>
    Object.hasOwn(node.labels ?? {}, key) && node.labels![key] === value
  );
}

/**
 * The node of every step. Among the nodes that can run a step (and, when
 * the step forces a mode, can honour it from every producer), prefer:
 * 1. the node the most of its producers run on (the workflow's input counts
 *    as a producer on the local node);
 * 2. the local node;
 * 3. the node with the most producers on its host;
 * 4. a node on the local node's host;
 * 5. the lowest node id, so that the answer never depends on list order.
 * A step no node can run is left out; the checks report it.
 */
export function placeSteps(
  spec: WorkflowSpec,
  cluster: Cluster,
): Map<string, ClusterNode> {
  const local = localNode(cluster);
  const placed = new Map<string, ClusterNode>();
  for (const step of topologicalOrder(spec.steps)) {
    const sources = step.after.length === 0
      ? [local]
      : step.after.flatMap((p) => placed.get(p) ?? []);
    const able = cluster.nodes.filter((n) => canRun(n, step));
    const honouring = able.filter((n) =>
      sources.every((s) =>
        !step.via ||
        !forcedModeProblem(step.via, localityOf(s), localityOf(n))
      )
    );
    const candidates = honouring.length > 0 ? honouring : able;
    const score = (n: ClusterNode) => [
      -sources.filter((s) => s.id === n.id).length,
      n.id === local.id ? 0 : 1,
      -sources.filter((s) => s.hostId === n.hostId).length,
      n.hostId === local.hostId ? 0 : 1,
    ];
    const best = candidates.sort((a, b) => {
      const [sa, sb] = [score(a), score(b)];
      const differs = sa.findIndex((v, i) => v !== sb[i]);
      if (differs >= 0) return sa[differs] - sb[differs];
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    })[0];
    if (best) placed.set(step.name, best);
  }
  return placed;
}
