/**
 * How the console writes numbers: sizes, durations, digests.
 *
 * @module
 */

/**
 * `n` bytes as B, KiB, MiB or GiB.
 *
 * @example
 * ```ts
 * import { size } from "./format.ts";
 * console.log(size(64 << 20)); // "64 MiB"
 * ```
 */
export function size(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * `seconds` as the two largest of days, hours, minutes, seconds.
 *
 * @example
 * ```ts
 * import { duration } from "./format.ts";
 * console.log(duration(3725)); // "1h 2m"
 * ```
 */
export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor(s % 86400 / 3600);
  const m = Math.floor(s % 3600 / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/**
 * A module digest shortened for tables: `sha256:` and 12 hex digits.
 *
 * @example
 * ```ts
 * import { shortDigest } from "./format.ts";
 * console.log(shortDigest("sha256:" + "ab".repeat(32))); // "sha256:abababababab"
 * ```
 */
export function shortDigest(digest: string): string {
  return digest.slice(0, 19);
}

/**
 * Milliseconds with a precision that suits their size, or a dash.
 *
 * @example
 * ```ts
 * import { ms } from "./format.ts";
 * console.log(ms(0.125), ms(null)); // "0.125 ms" "–"
 * ```
 */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return `${
    value < 1
      ? value.toFixed(3)
      : value < 100
      ? value.toFixed(1)
      : value.toFixed(0)
  } ms`;
}
