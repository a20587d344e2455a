/**
 * Refusals of a function at its own `limits.concurrency` are answered in
 * rounds, 100 ms apart, instead of at once.
 *
 * Why: a flooded function's clients that retry at once, ignoring
 * `Retry-After`, make the refusals themselves the load. Each costs the
 * node's thread about what Deno.serve costs for any request (~50 µs here),
 * so 40 such clients kept it busy with ~10,000 refusals a second, and every
 * other function's requests waited behind them. Held for a round, each
 * client sends at most one request a round. A refusal for the node's own
 * load (its queue, `--max-queue-wait`) is answered at once, up to a share
 * of each short window: its clients are the ones that need it to.
 *
 * @module
 */

/**
 * How long a held refusal waits at most (the rounds' period). Its answer
 * says to retry after a second anyway; at 10 ms, 40 clients of a capped
 * flood still sent ~3,000 requests a second, and another function's echo
 * waited behind them on the node's thread (p99 beside it 2.4-3.5 ms, 1.3-2.3
 * at 100 ms, the same run).
 */
export const REFUSAL_ROUND_MS = 100;

/** The window {@linkcode AT_ONCE_PER_WINDOW} counts in (ms). */
export const AT_ONCE_WINDOW_MS = 10;

/**
 * Refusals of one function for the node's load answered at once within a
 * window (1,600 a second); more wait for a round. A burst's refusals are
 * answered at once (at twice the node's capacity, ~8 a window here), while
 * clients that retry each at once are paced: 64 of them on a node with
 * `--max-queue-wait 10ms` got ~45,000 refusals a second, which left the
 * function's admitted guests a twentieth of a core.
 */
export const AT_ONCE_PER_WINDOW = 16;

/**
 * Whether a refusal of `fn` for the node's load is answered at once, or
 * held for a round ({@linkcode refuseInRound}): counts it in the current
 * window.
 *
 * @example
 * ```ts
 * import { AT_ONCE_PER_WINDOW, answersAtOnce } from "./refusal_pace.ts";
 * const answers = Array.from({ length: AT_ONCE_PER_WINDOW + 1 }, () => answersAtOnce("doc"));
 * console.log(answers.filter(Boolean).length); // 16
 * ```
 */
export function answersAtOnce(fn: string): boolean {
  const now = performance.now();
  if (now - windowStart >= AT_ONCE_WINDOW_MS) {
    atOnce.clear();
    windowStart = now;
  }
  const answered = (atOnce.get(fn) ?? 0) + 1;
  atOnce.set(fn, answered);
  return answered <= AT_ONCE_PER_WINDOW;
}

/** When the window counted in `atOnce` began (performance.now()). */
let windowStart = 0;

/** Refusals of each function answered at once this window. */
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
 * console.log(performance.now() - at < 1000); // true
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
