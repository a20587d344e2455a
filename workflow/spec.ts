/**
 * What a workflow is: named steps, each running a deployed function, wired
 * by `after` into a directed acyclic graph that data flows through.
 *
 * Data flow (DataFlower, ASPLOS '24): a step starts as soon as all of its
 * inputs have arrived, and every producer pushes its output straight to its
 * consumers. Inputs:
 * - a step without `after` receives the workflow's input;
 * - a step with one `after` entry receives that producer's output;
 * - a step with several `after` entries (fan-in) receives its producers'
 *   outputs concatenated, in the order `after` lists them, with nothing
 *   between them;
 * - one producer may feed several steps (fan-out): each gets all of it.
 * The workflow's output is the `output` step's output.
 *
 * @module
 */
import type { Mode } from "../comm/mod.ts";
import type { SourcePosition } from "../runtime/errors.ts";

/**
 * The pseudo-step an edge starts from when it carries the workflow's input.
 * `$` cannot begin a step name, so it never clashes with one.
 *
 * @example
 * ```ts
 * import { WORKFLOW_INPUT } from "./spec.ts";
 * console.log(WORKFLOW_INPUT); // "$input"
 * ```
 */
export const WORKFLOW_INPUT = "$input";

/**
 * The pseudo-step an edge ends at when it carries the workflow's output back
 * to the node the run started on.
 *
 * @example
 * ```ts
 * import { WORKFLOW_OUTPUT } from "./spec.ts";
 * console.log(WORKFLOW_OUTPUT); // "$output"
 * ```
 */
export const WORKFLOW_OUTPUT = "$output";

/**
 * Where a step must run: on the node with this id, or on a node whose labels
 * include all of these.
 *
 * @example
 * ```ts
 * import type { StepPlacement } from "./spec.ts";
 * const pinned: StepPlacement = { node: "node-b" };
 * const edge: StepPlacement = { labels: { tier: "edge" } };
 * ```
 */
export type StepPlacement =
  | { node: string }
  | { labels: Record<string, string> };

/**
 * One step: a deployed function, its extra args, and the steps it waits for.
 *
 * @example
 * ```ts
 * import type { WorkflowStep } from "./spec.ts";
 * const hash: WorkflowStep = {
 *   name: "hash", function: "sha256", args: [], after: ["fetch"], via: "unix",
 * };
 * ```
 */
export interface WorkflowStep {
  name: string;
  /** Name of a deployed function. */
  function: string;
  /** Appended to the function's deployed args. */
  args: string[];
  /** Producers whose outputs, concatenated in this order, are the input. */
  after: string[];
  /** Forces the mode of this step's input edges. */
  via?: Mode;
  on?: StepPlacement;
}

/**
 * A validated workflow: step names are unique, `after` names existing steps
 * and the graph has no cycle.
 *
 * @example
 * ```ts
 * import type { WorkflowSpec } from "./spec.ts";
 * const spec: WorkflowSpec = {
 *   name: "shout",
 *   steps: [{ name: "up", function: "uppercase", args: [], after: [] }],
 *   output: "up",
 * };
 * ```
 */
export interface WorkflowSpec {
  name: string;
  /** In document order. */
  steps: WorkflowStep[];
  /** The step whose output is the workflow's output. */
  output: string;
  /**
   * Where each field was written (`steps[1].via` → line and column), for
   * documents; lets errors found later, against a cluster, point there too.
   */
  positions?: Record<string, SourcePosition>;
}
