/**
 * Dotted field paths for error messages: `functions[1].limits.timeout`,
 * `functions[0].labels["app.kubernetes.io/name"]`.
 *
 * @module
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The path of `key` (a map key or list index) inside `parent` ("" = top).
 *
 * @example
 * ```ts
 * import { fieldPath } from "./path.ts";
 * console.log(fieldPath(fieldPath("functions", 1), "limits")); // "functions[1].limits"
 * ```
 */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}
