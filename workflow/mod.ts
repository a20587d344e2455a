/**
 * Data-flow workflows (DataFlower, ASPLOS '24): steps that run deployed
 * functions, wired producer → consumer. A step starts as soon as all its
 * inputs have arrived, and each producer pushes its output straight to its
 * consumers: no orchestrator round trip, no intermediate storage.
 *
 * - {@link parseWorkflow} reads and validates a YAML or JSON spec;
 * - {@link checkWorkflow} / {@link planWorkflow} place it on a cluster and
 *   choose each edge's mode (memory, unix, http2);
 * - {@link WorkflowRun} runs one node's part, with the node's executors and
 *   comm layer plugged in as callbacks.
 *
 * Fan-in: a step after several steps receives their outputs concatenated in
 * the order its `after` lists them. Steps without `after` receive the
 * workflow's input; the workflow's output is the `output` step's.
 *
 * @example
 * ```ts
 * import { MemoryTransport } from "../comm/mod.ts";
 * import { parseWorkflow, planWorkflow, WorkflowRun } from "./mod.ts";
 * const spec = await parseWorkflow(`
 * name: shout
 * steps:
 *   - { name: up, function: uppercase }
 * `);
 * const plan = planWorkflow(spec, {
 *   localNodeId: "a",
 *   nodes: [{ id: "a", hostId: "h1", functions: ["uppercase"] }],
 * });
 * const comm = new MemoryTransport();
 * const run = new WorkflowRun({
 *   plan, runId: "r1", nodeId: "a",
 *   execute: (_step, input) =>
 *     Promise.resolve(new TextEncoder().encode(new TextDecoder().decode(input).toUpperCase())),
 *   push: async (edge, payload, transfer) => {
 *     await comm.call(edge.toNode, { target: edge.to, headers: { from: edge.from }, payload }, { transfer });
 *   },
 * });
 * comm.register("a", (req) => {
 *   run.deliver(req.target, req.headers.from, req.payload);
 *   return Promise.resolve({ status: 200, headers: {}, payload: new Uint8Array() });
 * });
 * run.start(new TextEncoder().encode("hi"));
 * console.log(new TextDecoder().decode((await run.result()).output)); // "HI"
 * ```
 *
 * @module
 */
export { checkWorkflow } from "./check.ts";
export {
  type Cluster,
  type ClusterNode,
  localityOf,
  localNode,
} from "./cluster.ts";
export {
  invalidDelivery,
  pushFailed,
  stepFailed,
  WorkflowError,
} from "./errors.ts";
export { type StepGroup } from "./_groups.ts";
export { parseWorkflow, parseWorkflowNow } from "./parse.ts";
export {
  type PlannedEdge,
  type PlannedStep,
  planWorkflow,
  type WorkflowPlan,
} from "./plan.ts";
export {
  type ExecuteFn,
  type ExecuteGroupFn,
  type GroupOutput,
  type PushFn,
  type WorkflowResult,
  WorkflowRun,
  type WorkflowRunOptions,
} from "./run.ts";
export {
  type StepPlacement,
  WORKFLOW_INPUT,
  WORKFLOW_OUTPUT,
  type WorkflowSpec,
  type WorkflowStep,
} from "./spec.ts";
export {
  type EdgeTrace,
  edgeTrace,
  epochMs,
  type StepTrace,
  type TraceEntry,
} from "./trace.ts";
