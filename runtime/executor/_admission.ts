/**
 * Admission by expected wait: how long a new job of a function would wait
 * for a worker, estimated from what is ahead of it and what runs of each
 * function recently cost on a core. The pool refuses a job whose wait
 * would exceed its bound (its own timeout, or the node's
 * `--max-queue-wait`) instead of queueing it into a timeout.
 *
 * @module
 */

/** Weight of the newest run in a function's running average. */
const ALPHA = 0.2;

/**
 * What a run of a function not seen yet is guessed to cost (ms): short, so
 * that its first runs are admitted and may use extra workers; its own runs
 * correct it.
 */
const FIRST_GUESS_MS = 1;

/**
 * Recent core time per run, by function (an exponentially weighted
 * average); time a guest spent parked (asleep, in a call) is not counted:
 * its worker ran other jobs meanwhile.
 *
 * @example
 * ```ts
 * import { RunCosts } from "./_admission.ts";
 * const costs = new RunCosts();
 * costs.observe("slow", 100);
 * console.log(costs.of("slow"), costs.of("unseen")); // 100 1
 * ```
 */
export class RunCosts {
  readonly #byFn = new Map<string, number>();

  observe(fn: string, ms: number): void {
    const cost = Math.max(0, ms);
    const old = this.#byFn.get(fn);
    this.#byFn.set(fn, old === undefined ? cost : old + ALPHA * (cost - old));
  }

  /** The estimated core time of one run of `fn` (ms). */
  of(fn: string): number {
    return this.#byFn.get(fn) ?? FIRST_GUESS_MS;
  }
}

/**
 * How long a new job of `fn` would wait (ms) with `lines` (functions and
 * their jobs waiting) served in turn and `runningMs` of work on the
 * workers: its own line ahead of it, and one job of each other function
 * `counted` per job of its own, all shared by `workers`.
 *
 * @example
 * ```ts
 * import { expectedWaitMs, RunCosts } from "./_admission.ts";
 * const costs = new RunCosts();
 * costs.observe("flood", 100);
 * costs.observe("echo", 1);
 * const lines = new Map([["flood", { length: 50 }]]);
 * console.log(expectedWaitMs(lines, costs, "echo", 0, 1)); // 100
 * console.log(expectedWaitMs(lines, costs, "flood", 0, 1)); // 5000
 * console.log(expectedWaitMs(lines, costs, "echo", 0, 1, () => false)); // 0
 * ```
 */
export function expectedWaitMs(
  lines: ReadonlyMap<string, { readonly length: number }>,
  costs: RunCosts,
  fn: string,
  runningMs: number,
  workers: number,
  counted: (fn: string) => boolean = () => true,
): number {
  const own = lines.get(fn)?.length ?? 0;
  let work = runningMs + own * costs.of(fn);
  for (const [other, line] of lines) {
    if (other === fn || !counted(other)) continue;
    work += Math.min(line.length, own + 1) * costs.of(other);
  }
  return work / workers;
}
