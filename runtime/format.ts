/**
 * Numbers in messages: sizes with the largest binary unit. Used by the
 * manifest reader and by module checks, which must not import each other.
 *
 * @module
 */

const BINARY_UNITS: [string, number][] = [
  ["GiB", 1024 ** 3],
  ["MiB", 1024 ** 2],
  ["KiB", 1024],
];

/**
 * Formats bytes with the largest binary unit, for messages.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./format.ts";
 * console.log(formatBytes(65536), formatBytes(6.25 * 1024 * 1024), formatBytes(100)); // "64 KiB" "6.25 MiB" "100 B"
 * ```
 */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of BINARY_UNITS) {
    if (bytes >= size) return `${Math.round(bytes / size * 100) / 100} ${unit}`;
  }
  return `${bytes} B`;
}
