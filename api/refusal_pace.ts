/**
 * Refusals of a function at its own `limits.concurrency` are answered in
 * rounds, a few milliseconds apart, instead of at once.
 *
 * Why: a flooded function's clients that retry at once, ignoring
 * `Retry-After`, make the refusals themselves the load. Each costs the
 * node's thread about what Deno.serve costs for any request (~50 µs here),
 * so 40 such clients kept it busy with ~10,000 refusals a second, and every
 * other function's requests waited behind them. Held for a round, each
 * client sends at most one request a round. A refusal for the node's own
 * load (its queue, `--max-queue-wait`) is not held: it must answer fast,
 * and its clients are the ones that need it to.
 *
 * @module
 */

/** How long a held refusal waits at most (the rounds' period). */
export const REFUSAL_ROUND_MS = 10;

/**
 * Rejects with `refusal` at the next round (within
 * {@linkcode REFUSAL_ROUND_MS}). One timer serves every refusal of a round;
 * none runs while nothing is held.
 *
 * @example
 * ```ts
 * import { refuseInRound } from "./refusal_pace.ts";
 * const at = performance.now();
 * await refuseInRound(new Error("overloaded")).catch((e) => console.log(e.message));
 * console.log(performance.now() - at < 100); // true
 * ```
 */
export function refuseInRound<T>(refusal: Error): Promise<T> {
  const { promise, reject } = Promise.withResolvers<T>();
  held.push(() => reject(refusal));
  if (held.length === 1) setTimeout(answerRound, REFUSAL_ROUND_MS);
  return promise;
}

/** The refusals of the round under way; its timer runs while it has any. */
let held: (() => void)[] = [];

function answerRound(): void {
  const round = held;
  held = [];
  for (const answer of round) answer();
}
