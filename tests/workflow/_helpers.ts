import assert from "node:assert/strict";
import {
  parseWorkflow,
  parseWorkflowNow,
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
