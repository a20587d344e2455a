import {
  assertRefused as assertRefusedAs,
  type Refusal,
} from "../_helpers/refusal.ts";

export { type Refusal, yaml } from "../_helpers/refusal.ts";

/** Asserts `fn` throws an `invalid_workflow` error with exactly `expected`. */
export function assertRefused(fn: () => unknown, expected: Refusal): void {
  assertRefusedAs("invalid_workflow", fn, expected);
}
