import assert from "node:assert/strict";
import { ManifestError } from "../../runtime/errors.ts";

/** A YAML document from lines, so that line N of the source is argument N. */
export function yaml(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

/** What a refusal must say: its problem, field and position. */
export interface Refusal {
  message: string;
  field?: string;
  line?: number;
  column?: number;
}

/** Asserts `fn` throws an `invalid_workflow` error with exactly `expected`. */
export function assertRefused(fn: () => unknown, expected: Refusal): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(
    error instanceof ManifestError,
    `expected a ManifestError, got ${error}`,
  );
  assert.equal(error.code, "invalid_workflow");
  assert.equal(error.status, 400);
  const where = [
    expected.field,
    expected.line ? `(line ${expected.line}, column ${expected.column})` : "",
  ].filter(Boolean).join(" ");
  assert.equal(
    error.message,
    where ? `${where}: ${expected.message}` : expected.message,
  );
  assert.deepEqual(error.details, {
    ...(expected.field ? { field: expected.field } : {}),
    ...(expected.line ? { line: expected.line, column: expected.column } : {}),
  });
}
