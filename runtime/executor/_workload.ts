/**
 * The work the pool's workers hold, in estimated milliseconds of a core:
 * what admission weighs a new job's wait by, and what decides whether a
 * short job may overtake long ones on an extra worker.
 *
 * @module
 */
import { STATUS_SEQ } from "./_protocol.ts";
import { expectedWaitMs, type RunCosts } from "./_admission.ts";
import {
  awaitsCpu,
  type Executor,
  onCpuFor,
  onCpuMs,
  type PendingJob,
} from "./_records.ts";

/**
 * A job whose function runs this many times shorter than the longest job
 * every worker holds (by recent runs, or by how long the one on its CPU
 * has been there) may overtake it on an extra worker rather than wait:
 * the OS then shares the cores, and the short job is done in a slice of
 * its wait.
 */
export const OVERTAKE_RATIO = 4;

/**
 * ... provided what the workers hold lasts at least this long (ms): a
 * shorter wait costs less than another thread on the cores.
 */
export const OVERTAKE_MIN_MS = 2;

/**
 * Estimates of the work ahead on workers, from each function's recent
 * runs.
 *
 * @example
 * ```ts
 * import { RunCosts } from "./_admission.ts";
 * import { Workload } from "./_workload.ts";
 * const costs = new RunCosts();
 * costs.observe("primes", 350);
 * const workload = new Workload(costs, 10);
 * console.log(workload.isShort("primes"), workload.isShort("echo")); // false true
 * ```
 */
export class Workload {
  readonly #costs: RunCosts;
  readonly #shortMs: number;

  /** `shortMs`: a function whose runs cost at most this (ms) is short. */
  constructor(costs: RunCosts, shortMs: number) {
    this.#costs = costs;
    this.#shortMs = shortMs;
  }

  /** Estimated run (ms) of `job`: all stages' of a grouped one. */
  jobMs(job: PendingJob): number {
    let ms = this.#costs.of(job.fn);
    const then = job.posted.then;
    if (then) { for (const stage of then) ms += this.#costs.of(stage.spec.fn); }
    return ms;
  }

  /** Whether runs of `fn` are short: sent ahead in numbers. */
  isShort(fn: string): boolean {
    return this.#costs.of(fn) <= this.#shortMs;
  }

  /**
   * Estimated work (ms) of the jobs `executor` holds that are not parked
   * (short ones only if `onlyShort`).
   */
  aheadMs(executor: Executor, onlyShort = false): number {
    let ms = 0;
    for (const job of executor.inflight.values()) {
      if (!awaitsCpu(job)) continue;
      if (!onlyShort || this.isShort(job.fn)) ms += this.jobMs(job);
    }
    return ms;
  }

  /** Estimated run (ms) of the longest job `executor` holds, not parked. */
  longestMs(executor: Executor): number {
    let ms = 0;
    for (const job of executor.inflight.values()) {
      if (awaitsCpu(job)) ms = Math.max(ms, this.jobMs(job));
    }
    return ms;
  }

  /**
   * How long a new job of `fn` would wait for one of `executors` (ms),
   * with `lines` waiting in the pool's queue (served in turn, see
   * {@linkcode expectedWaitMs}); `undefined` when a worker is idle and
   * nothing waits: the job starts at once, whatever its bound. A job on a
   * worker's CPU counts for what it has left of its estimate; with
   * `onlyShort`, only short work counts (long work is overtaken on extra
   * workers).
   */
  waitMs(
    fn: string,
    executors: readonly Executor[],
    lines: ReadonlyMap<string, { readonly length: number }>,
    onlyShort: boolean,
    now: number,
  ): number | undefined {
    let runningMs = 0;
    let idle = false;
    for (const e of executors) {
      const load = this.aheadMs(e, onlyShort);
      if (load === 0) idle = true;
      // What the job on its CPU has done is not ahead any more.
      runningMs += Math.max(0, load - this.#doneMs(e, now, onlyShort));
    }
    if (idle && lines.size === 0) return undefined;
    return expectedWaitMs(
      lines,
      this.#costs,
      fn,
      runningMs,
      executors.length,
      onlyShort ? (other) => this.isShort(other) : undefined,
    );
  }

  /**
   * Whether a job of `fn` would overtake what every worker of `executors`
   * (extra ones aside) holds now: see {@linkcode OVERTAKE_RATIO} and
   * {@linkcode OVERTAKE_MIN_MS}.
   */
  overtakes(fn: string, executors: readonly Executor[], now: number): boolean {
    const longer = Math.max(
      OVERTAKE_MIN_MS,
      this.#costs.of(fn) * OVERTAKE_RATIO,
    );
    for (const e of executors) {
      if (e.extra) continue;
      // The longest job it holds (between two jobs too), or what it has
      // been running for, whichever says longer: a line of jobs as short
      // as this one is no reason to overtake.
      if (this.longestMs(e) >= longer) continue;
      if (!onCpuFor(e, now, longer)) return false;
    }
    return true;
  }

  /**
   * How much of its estimated run the job on `executor`'s CPU has done
   * (ms): the time it has been there, at most its estimate.
   */
  #doneMs(executor: Executor, now: number, onlyShort: boolean): number {
    const onCpu = executor.inflight.get(executor.status[STATUS_SEQ]);
    if (!onCpu || !awaitsCpu(onCpu)) return 0;
    if (onlyShort && !this.isShort(onCpu.fn)) return 0;
    return Math.min(this.jobMs(onCpu), onCpuMs(executor, now));
  }
}
