/**
 * "Did you mean" for misspelt keys.
 *
 * @module
 */

/**
 * The candidate `word` is most likely a typo of: same letters in another
 * case, or at most two edits away on a word long enough for that to be
 * telling. `undefined` when nothing is obviously meant.
 *
 * @example
 * ```ts
 * import { closest } from "./suggest.ts";
 * console.log(closest("limts", ["limits", "labels"])); // "limits"
 * ```
 */
export function closest(
  word: string,
  candidates: readonly string[],
): string | undefined {
  const lower = word.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = _editDistance(lower, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const allowed = Math.min(2, Math.floor(best.candidate.length / 3));
  return best.distance <= allowed ? best.candidate : undefined;
}

/**
 * A `; did you mean 'X'?` suffix for a name that is not among `names`, or
 * "" when none is obviously meant.
 *
 * @example
 * ```ts
 * import { suggest } from "./suggest.ts";
 * console.log(`no step named 'reszie'${suggest("reszie", ["resize"])}`); // no step named 'reszie'; did you mean 'resize'?
 * ```
 */
export function suggest(name: string, names: readonly string[]): string {
  const guess = closest(name, names);
  return guess ? `; did you mean '${guess}'?` : "";
}

/** Levenshtein distance, one row at a time. */
function _editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
