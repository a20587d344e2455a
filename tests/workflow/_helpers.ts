import assert from "node:assert/strict";
import { MemoryTransport } from "../../comm/mod.ts";
import {
  type ExecuteFn,
  parseWorkflow,
  parseWorkflowNow,
  type PushFn,
  type WorkflowPlan,
  WorkflowRun,
  type WorkflowSpec,
} from "../../workflow/mod.ts";
import {
  assertRefused as assertRefusedAs,
  type Refusal,
} from "../_helpers/refusal.ts";

export { type Refusal, yaml } from "../_helpers/refusal.ts";

/** Asserts `fn` throws (or rejects with) an `invalid_workflow` error with exactly `expected`. */
export function assertRefused(
  fn: () => unknown,
  expected: Refusal,
): Promise<void> {
  return assertRefusedAs("invalid_workflow", fn, expected);
}

// One document read loads the YAML library, after which specs can be
// parsed synchronously where tests build them (tables, helpers).
await parseWorkflow("name: w\nsteps: [{ name: a, function: f }]\n");

/** The spec of `text`, parsed synchronously. */
export function specOf(text: string): WorkflowSpec {
  const spec = parseWorkflowNow(text);
  assert.ok(spec, "the YAML library is loaded");
  return spec;
}

/**
 * One WorkflowRun per node of `plan`, all in this process, wired through
 * comm's memory transport (whatever each edge's mode): `comm` is that push,
 * for a test's own `push` to fall back on.
 */
export function wireRuns(
  plan: WorkflowPlan,
  execute: ExecuteFn,
  nodeIds: string[],
  push?: PushFn,
  release?: (bytes: Uint8Array) => void,
): { runs: Map<string, WorkflowRun>; comm: PushFn } {
  const runs = new Map<string, WorkflowRun>();
  const transport = new MemoryTransport();
  const comm: PushFn = async (edge, payload, transfer) => {
    const res = await transport.call(edge.toNode, {
      target: edge.to,
      headers: { from: edge.from },
      payload,
    }, { transfer });
    if (res.status !== 200) {
      throw new Error(new TextDecoder().decode(res.payload));
    }
  };
  for (const nodeId of nodeIds) {
    const run = new WorkflowRun({
      plan,
      runId: "r1",
      nodeId,
      execute,
      push: push ?? comm,
      release,
    });
    runs.set(nodeId, run);
    transport.register(nodeId, (req) => {
      run.deliver(req.target, req.headers.from, req.payload);
      return Promise.resolve({
        status: 200,
        headers: {},
        payload: new Uint8Array(),
      });
    });
  }
  return { runs, comm };
}
