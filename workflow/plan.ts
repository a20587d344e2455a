/**
 * A workflow plan: where each step runs and how bytes travel along each
 * edge. Made once, on the node a run starts on, and handed as plain data to
 * every node that runs a part of it.
 *
 * @module
 */
import { placeSteps } from "./_place.ts";
import { checkWorkflow } from "./check.ts";
import { chooseMode, type Mode } from "../comm/mod.ts";
import { type Cluster, localityOf, localNode } from "./cluster.ts";
import { WORKFLOW_INPUT, WORKFLOW_OUTPUT, type WorkflowSpec } from "./spec.ts";

/**
 * A step and the node it runs on.
 *
 * @example
 * ```ts
 * import type { PlannedStep } from "./plan.ts";
 * const step: PlannedStep = {
 *   name: "hash", function: "sha256", args: [], after: ["fetch"], node: "node-a",
 * };
 * ```
 */
export interface PlannedStep {
  name: string;
  function: string;
  args: string[];
  /** Producers in fan-in order; empty for a step fed the workflow's input. */
  after: string[];
  node: string;
}

/**
 * One producer → consumer transfer. `from` is a step or `$input`
 * ({@link WORKFLOW_INPUT}), `to` a step or `$output`
 * ({@link WORKFLOW_OUTPUT}); both pseudo-steps are on the origin node.
 *
 * @example
 * ```ts
 * import type { PlannedEdge } from "./plan.ts";
 * const edge: PlannedEdge = {
 *   from: "fetch", to: "hash", fromNode: "node-a", toNode: "node-b", mode: "http2",
 * };
 * ```
 */
export interface PlannedEdge {
  from: string;
  to: string;
  fromNode: string;
  toNode: string;
  mode: Mode;
}

/**
 * Everything a node needs to run its part of a workflow.
 *
 * @example
 * ```ts
 * import type { WorkflowPlan } from "./plan.ts";
 * const plan: WorkflowPlan = {
 *   workflow: "shout", origin: "a", output: "up",
 *   steps: [{ name: "up", function: "uppercase", args: [], after: [], node: "a" }],
 *   edges: [
 *     { from: "$input", to: "up", fromNode: "a", toNode: "a", mode: "memory" },
 *     { from: "up", to: "$output", fromNode: "a", toNode: "a", mode: "memory" },
 *   ],
 * };
 * ```
 */
export interface WorkflowPlan {
  workflow: string;
  /** The node the run starts on: its input arrives and its output returns here. */
  origin: string;
  /** The step whose output is the workflow's. */
  output: string;
  /** In document order. */
  steps: PlannedStep[];
  /**
   * Each step's input edges in fan-in order, steps in document order; then
   * the edge that returns the output.
   */
  edges: PlannedEdge[];
}

/**
 * Checks `spec` against `cluster` (see `checkWorkflow`, whose errors it
 * throws) and places it: each step on a node that runs its function and
 * meets its `on`, next to its producers where it can be, else on the local
 * node, else as near by host as possible; ties go to the lowest node id.
 * Each edge is `memory` within a node, `unix` within a host and `http2`
 * between hosts, unless the consumer's `via` forces a dearer mode. Pure and
 * deterministic.
 *
 * @example
 * ```ts
 * import { parseWorkflow } from "./parse.ts";
 * import { planWorkflow } from "./plan.ts";
 * const spec = await parseWorkflow(`
 * name: w
 * steps:
 *   - { name: up, function: uppercase }
 *   - { name: hash, function: sha256, after: [up] }
 * `);
 * const plan = planWorkflow(spec, {
 *   localNodeId: "a",
 *   nodes: [
 *     { id: "a", hostId: "h1", functions: ["uppercase"] },
 *     { id: "b", hostId: "h1", functions: ["sha256"] },
 *   ],
 * });
 * console.log(plan.edges.map((e) => `${e.from}→${e.to}:${e.mode}`));
 * // ["$input→up:memory", "up→hash:unix", "hash→$output:unix"]
 * ```
 */
export function planWorkflow(
  spec: WorkflowSpec,
  cluster: Cluster,
): WorkflowPlan {
  checkWorkflow(spec, cluster);
  const local = localNode(cluster);
  const placed = placeSteps(spec, cluster);
  const steps = spec.steps.map((step) => ({
    name: step.name,
    function: step.function,
    args: [...step.args],
    after: [...step.after],
    node: placed.get(step.name)!.id,
  }));
  const edges: PlannedEdge[] = spec.steps.flatMap((step) => {
    const to = placed.get(step.name)!;
    const sources = step.after.length === 0
      ? [{ from: WORKFLOW_INPUT, node: local }]
      : step.after.map((p) => ({ from: p, node: placed.get(p)! }));
    return sources.map(({ from, node }) => ({
      from,
      to: step.name,
      fromNode: node.id,
      toNode: to.id,
      mode: step.via ?? chooseMode(localityOf(node), localityOf(to)),
    }));
  });
  const last = placed.get(spec.output)!;
  edges.push({
    from: spec.output,
    to: WORKFLOW_OUTPUT,
    fromNode: last.id,
    toNode: local.id,
    mode: chooseMode(localityOf(last), localityOf(local)),
  });
  return {
    workflow: spec.name,
    origin: local.id,
    output: spec.output,
    steps,
    edges,
  };
}
