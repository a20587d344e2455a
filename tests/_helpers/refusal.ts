/**
 * Checking how a document is refused: manifests and workflows report the
 * same way (a `ManifestError` with a code, the field, line and column).
 *
 * @module
 */
import assert from "node:assert/strict";
import { ManifestError } from "../../runtime/errors.ts";
import { statusOf } from "../../api/status.ts";

/**
 * A YAML document from lines, so that line N of the source is argument N.
 *
 * @example
 * ```ts
 * import { yaml } from "./refusal.ts";
 * const text = yaml("functions:", "  - name: echo");
 * ```
 */
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

/**
 * Asserts `fn` throws (or rejects with) a `ManifestError` with `code`,
 * status 400 and exactly `expected`'s message, field and position.
 *
 * @example
 * ```ts ignore
 * await assertRefused("invalid_manifest", () => parseManifest(text), { message: "...", field: "functions[0].name" });
 * ```
 */
export async function assertRefused(
  code: string,
  fn: () => unknown,
  expected: Refusal,
): Promise<void> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(
    error instanceof ManifestError,
    `expected a ManifestError, got ${error}`,
  );
  assert.equal(error.code, code);
  assert.equal(statusOf(error), 400);
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
