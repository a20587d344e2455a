/**
 * Executors that start when there is something to run. Each executor
 * worker is a V8 isolate costing ~13 MB of RSS at rest, so a node with
 * nothing deployed (a Pi just set up, say) should not pay for one per core.
 * The node starts them as soon as a function is deployed, or at start-up
 * when the data directory already holds some, so the first invocation does
 * not wait for them.
 *
 * @module
 */
import type { InvocationError } from "../runtime/errors.ts";
import type { JobResult, JobSpec } from "../runtime/executor/mod.ts";
// Not through executor/mod.ts: its in-process runner would load the WASI
// host into the main isolate, which runs no guest (~20 ms of every start).
import {
  ExecutorPool,
  type ExecutorPoolOptions,
  type ExecutorStats,
  shuttingDown,
} from "../runtime/executor/pool.ts";

/**
 * An {@linkcode ExecutorPool} created on first need, with the same methods.
 *
 * @example
 * ```ts
 * import { LazyExecutorPool } from "./lazy_pool.ts";
 * const pool = new LazyExecutorPool({ workers: 1 });
 * console.log(pool.stats().workers); // 0: nothing started yet
 * pool.start();
 * console.log(pool.stats().workers); // 1
 * await pool.close();
 * ```
 */
export class LazyExecutorPool {
  readonly #options: ExecutorPoolOptions;
  #pool: ExecutorPool | undefined;
  #closed = false;

  constructor(options: ExecutorPoolOptions = {}) {
    this.#options = options;
  }

  /** Starts the workers unless they run already (or the pool is closed). */
  start(): void {
    if (!this.#closed) this.#pool ??= new ExecutorPool(this.#options);
  }

  /** {@linkcode ExecutorPool.run}, starting the workers first if needed. */
  run(...job: Parameters<ExecutorPool["run"]>): Promise<JobResult> {
    this.start();
    if (!this.#pool) return Promise.reject(shuttingDown(job[2].fn));
    return this.#pool.run(...job);
  }

  /** {@linkcode ExecutorPool.runGroup}, starting the workers first if needed. */
  runGroup(...job: Parameters<ExecutorPool["runGroup"]>): Promise<JobResult> {
    this.start();
    if (!this.#pool) return Promise.reject(shuttingDown(job[0].spec.fn));
    return this.#pool.runGroup(...job);
  }

  /** {@linkcode ExecutorPool.expectedRunMs}; 0 before the workers start (nothing ran). */
  expectedRunMs(fn: string): number {
    return this.#pool?.expectedRunMs(fn) ?? 0;
  }

  /**
   * {@linkcode ExecutorPool.refusal}; before a start nothing waits, so only
   * a closed pool refuses.
   */
  refusal(spec: JobSpec): InvocationError | undefined {
    if (this.#closed) return shuttingDown(spec.fn);
    return this.#pool?.refusal(spec);
  }

  /** {@linkcode ExecutorPool.recycle}; before a start nobody takes it. */
  recycle(bytes: Uint8Array): boolean {
    return this.#pool?.recycle(bytes) ?? false;
  }

  /** {@linkcode ExecutorPool.flooding}; before a start no guest runs. */
  flooding(fn: string): void {
    this.#pool?.flooding(fn);
  }

  /** {@linkcode ExecutorPool.retain}; nothing to drop before a start. */
  retain(moduleKeys: Iterable<string>): void {
    this.#pool?.retain(moduleKeys);
  }

  /** {@linkcode ExecutorPool.stats}; all zero before a start. */
  stats(): ExecutorStats {
    return this.#pool?.stats() ??
      {
        workers: 0,
        running: 0,
        queued: 0,
        restarts: 0,
        modules: 0,
        warm: 0,
        warmBytes: 0,
        evictions: 0,
        starvedLifts: 0,
      };
  }

  /** Stops the workers if they started; later runs are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool?.close();
  }
}
