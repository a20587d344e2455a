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
 * Refusals of one function for the node's load answered at once within a
 * round (1,600 a second); more wait for the round's end. A burst's
 * refusals are answered at once (at twice the node's capacity, ~8 a round
 * here), while clients that retry each at once are paced: 64 of them on a
 * node with `--max-queue-wait 10ms` got ~45,000 refusals a second, which
 * left the function's admitted guests a twentieth of a core.
 */
export const AT_ONCE_PER_ROUND = 16;

/**
 * Whether a refusal of `fn` for the node's load is answered at once, or
 * held for the round ({@linkcode refuseInRound}): counts it in the
 * current round.
 *
 * @example
 * ```ts
 * import { AT_ONCE_PER_ROUND, answersAtOnce } from "./refusal_pace.ts";
 * const answers = Array.from({ length: AT_ONCE_PER_ROUND + 1 }, () => answersAtOnce("doc"));
 * console.log(answers.filter(Boolean).length); // 16
 * ```
 */
export function answersAtOnce(fn: string): boolean {
  const now = performance.now();
  if (now - roundStart >= REFUSAL_ROUND_MS) {
    atOnce.clear();
    roundStart = now;
  }
  const answered = (atOnce.get(fn) ?? 0) + 1;
  atOnce.set(fn, answered);
  return answered <= AT_ONCE_PER_ROUND;
}

/** When the round counted in `atOnce` began (performance.now()). */
let roundStart = 0;

/** Refusals of each function answered at once this round. */
const atOnce = new Map<string, number>();

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
