/**
 * What each worker holds besides its jobs: compiled modules (most recently
 * used last, within a byte budget) and the frozen job specs it knows by an
 * id (templates), so that a job with a small input names its spec instead
 * of carrying it.
 *
 * @module
 */
import { COMPILED_BASE_BYTES, type CompiledModule } from "../module/mod.ts";
import type { JobSpec } from "./job.ts";
import type { ToWorker } from "./_protocol.ts";
import { type Executor, moduleKeys, type PendingJob } from "./_records.ts";
import { GroupIds } from "./_group.ts";

/** Options of {@linkcode Residency}. */
export interface ResidencyOptions {
  /**
   * Estimated bytes of compiled modules each worker keeps; past it, the
   * least recently used that no job sent to it needs are dropped.
   */
  budgetBytes: number;
  /** Sends a message to a worker. */
  post: (executor: Executor, message: ToWorker) => void;
}

/**
 * Which modules and templates the pool's workers hold, and the messages
 * that keep them so.
 *
 * @example
 * ```ts ignore
 * const residency = new Residency({ budgetBytes: Infinity, post });
 * residency.hold(executor, job);
 * ring.writeJob(seq, residency.template(executor, job)!, stdin);
 * ```
 */
export class Residency {
  readonly #budgetBytes: number;
  readonly #post: ResidencyOptions["post"];
  /** Keys of the modules still deployed; `undefined` until told. */
  #live: Set<string> | undefined;
  #evictions = 0;
  /** Ids of frozen specs (see `ExecutorPool.run`). */
  readonly #templateIds = new WeakMap<JobSpec, number>();
  /** Ids of groups of frozen specs (see `ExecutorPool.runGroup`). */
  readonly #groupIds = new GroupIds();
  #nextTemplate = 0;

  constructor(options: ResidencyOptions) {
    this.#budgetBytes = options.budgetBytes;
    this.#post = options.post;
  }

  /** Modules dropped for the budget so far. */
  get evictions(): number {
    return this.#evictions;
  }

  /**
   * Tells `executors` to drop every module but those of `moduleKeys` (the
   * ones still deployed). One a job still needs (an invocation that began
   * before its function was replaced) is dropped once that worker has no
   * job left that uses it (see {@linkcode Residency.forgetUnused}).
   */
  retain(executors: readonly Executor[], moduleKeys: Iterable<string>): void {
    this.#live = new Set(moduleKeys);
    for (const e of executors) {
      for (const key of e.modules.keys()) this.forgetUnused(e, key);
    }
  }

  /**
   * Drops module `key` from `executor` if it is no longer deployed and no
   * job there needs it.
   */
  forgetUnused(executor: Executor, key: string): void {
    if (!this.#live || this.#live.has(key) || !executor.modules.has(key)) {
      return;
    }
    for (const job of executor.inflight.values()) {
      if (moduleKeys(job).includes(key)) return;
    }
    this.#drop(executor, key);
  }

  /**
   * Density: has `executor` hold the modules `job` runs, most recently
   * used, and drop its least recently used modules no job sent to it needs
   * while they cost more than the budget.
   */
  hold(executor: Executor, job: PendingJob): void {
    this.#holdModule(executor, job.posted.moduleKey, job.compiled);
    job.posted.then?.forEach((stage, k) =>
      this.#holdModule(executor, stage.moduleKey, job.laterCompiled![k])
    );
    if (executor.moduleBytes <= this.#budgetBytes) return;
    const needed = new Set<string>();
    for (const j of executor.inflight.values()) {
      for (const key of moduleKeys(j)) needed.add(key);
    }
    for (const old of executor.modules.keys()) {
      if (executor.moduleBytes <= this.#budgetBytes) break;
      if (needed.has(old)) continue;
      this.#drop(executor, old);
      this.#evictions++;
    }
  }

  /**
   * The id `executor` knows `job`'s spec (or group of specs) by, sending
   * it first if needed; `undefined` when the job must carry its spec (it
   * is not a frozen one).
   */
  template(executor: Executor, job: PendingJob): number | undefined {
    const { spec, moduleKey, then } = job.posted;
    if (!Object.isFrozen(spec)) return undefined;
    if (then?.some((stage) => !Object.isFrozen(stage.spec))) return undefined;
    let id: number | undefined;
    if (then) {
      id = this.#groupIds.of(spec, then, () => this.#nextTemplate++);
    } else {
      id = this.#templateIds.get(spec);
      if (id === undefined) {
        this.#templateIds.set(spec, id = this.#nextTemplate++);
      }
    }
    if (!executor.templates.has(id)) {
      executor.templates.set(id, moduleKeys(job));
      this.#post(executor, {
        type: "template",
        id,
        moduleKey,
        spec,
        ...(then ? { then } : {}),
      });
    }
    return id;
  }

  /** Has `executor` hold module `key`, most recently used. */
  #holdModule(
    executor: Executor,
    key: string,
    compiled: CompiledModule,
  ): void {
    const held = executor.modules.get(key);
    if (held !== undefined) {
      executor.modules.delete(key);
      executor.modules.set(key, held);
      return;
    }
    this.#post(executor, {
      type: "module",
      key,
      module: compiled.module,
      memory: compiled.memory,
    });
    const cost = compiled.cost ?? COMPILED_BASE_BYTES;
    executor.modules.set(key, cost);
    executor.moduleBytes += cost;
  }

  /** Tells `executor` to drop module `key`, and the templates that use it. */
  #drop(executor: Executor, key: string): void {
    const cost = executor.modules.get(key) ?? 0;
    executor.moduleBytes -= cost;
    executor.modules.delete(key);
    this.#post(executor, { type: "forget", key, cost });
    for (const [id, keys] of executor.templates) {
      if (!keys.includes(key)) continue;
      executor.templates.delete(id);
      this.#post(executor, { type: "forgetTemplate", id });
    }
  }
}
