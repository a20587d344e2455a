/**
 * How a workflow run fails: a step's function failed, a push to another
 * node failed, or a node was handed an input the plan does not expect.
 *
 * @module
 */
import { EddyError } from "../runtime/errors.ts";
import type { PlannedEdge, PlannedStep } from "./plan.ts";

/**
 * A failed workflow run. `step` names the step at fault; `peer` the node a
 * push could not reach. A step's failure keeps the code and details
 * of its cause (e.g. `exit`, 500, with `function` and `stderr`).
 *
 * @example
 * ```ts
 * import { WorkflowError } from "./errors.ts";
 * const e = new WorkflowError("push_failed", "peer down", { step: "hash", peer: "node-b" });
 * console.log(e.step, e.peer); // hash node-b
 * ```
 */
export class WorkflowError extends EddyError {
  readonly step: string;
  readonly peer?: string;

  constructor(
    code: string,
    message: string,
    details: { step: string; peer?: string } & Record<string, unknown>,
    cause?: unknown,
  ) {
    super(code, message, details);
    this.step = details.step;
    this.peer = details.peer;
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * The error for a step whose function failed (or could not be invoked).
 *
 * @example
 * ```ts
 * import { stepFailed } from "./errors.ts";
 * const step = { name: "hash", function: "sha256", args: [], after: [], node: "a" };
 * console.log(stepFailed("w", "run-1", step, new Error("boom")).message);
 * // workflow 'w' (run run-1): step 'hash' on node 'a' failed: boom
 * ```
 */
export function stepFailed(
  workflow: string,
  runId: string,
  step: PlannedStep,
  cause: unknown,
): WorkflowError {
  const known = cause instanceof EddyError ? cause : undefined;
  return new WorkflowError(
    known?.code ?? "step_failed",
    `workflow '${workflow}' (run ${runId}): step '${step.name}' on node '${step.node}' failed: ${
      _message(cause)
    }`,
    {
      ...known?.details,
      workflow,
      runId,
      step: step.name,
      function: step.function,
      node: step.node,
    },
    cause,
  );
}

/**
 * The error for a push that did not reach the consumer's node.
 *
 * @example
 * ```ts
 * import { pushFailed } from "./errors.ts";
 * const edge = { from: "a", to: "b", fromNode: "n1", toNode: "n2", mode: "http2" as const };
 * console.log(pushFailed("w", "run-1", edge, new Error("connection refused")).peer); // n2
 * ```
 */
export function pushFailed(
  workflow: string,
  runId: string,
  edge: PlannedEdge,
  cause: unknown,
): WorkflowError {
  return new WorkflowError(
    "push_failed",
    `workflow '${workflow}' (run ${runId}): sending the output of '${edge.from}' to step '${edge.to}' on node '${edge.toNode}' (${edge.mode}) failed: ${
      _message(cause)
    }`,
    {
      workflow,
      runId,
      step: edge.from,
      to: edge.to,
      peer: edge.toNode,
      mode: edge.mode,
    },
    cause,
  );
}

/**
 * The error for an input the plan does not route to this node: a bug or a
 * confused peer, refused without touching the run.
 *
 * @example
 * ```ts
 * import { invalidDelivery } from "./errors.ts";
 * console.log(invalidDelivery("w", "run-1", "hash", "fetch", "already delivered").code);
 * // invalid_delivery
 * ```
 */
export function invalidDelivery(
  workflow: string,
  runId: string,
  to: string,
  from: string,
  problem: string,
): WorkflowError {
  return new WorkflowError(
    "invalid_delivery",
    `workflow '${workflow}' (run ${runId}): input from '${from}' to '${to}': ${problem}`,
    { workflow, runId, step: to, from },
  );
}

function _message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
