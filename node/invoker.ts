/**
 * Running functions on a node's executors: each invocation checked
 * against its function's limits (input size, `limits.concurrency`, the
 * pool's admission), run, and counted in the metrics; a group of functions
 * run as one job (see {@linkcode Invoker.invokeGroup}).
 *
 * @module
 */
import { InvocationError, NotFoundError } from "../runtime/errors.ts";
import {
  inputTooLargeFailure,
  type JobResult,
  type JobSpec,
} from "../runtime/executor/job.ts";
import type { MemoryBudget, Reservation } from "../runtime/memory_budget.ts";
import type { CompiledModule } from "../runtime/module/mod.ts";
import type { FollowerStage } from "../runtime/executor/mod.ts";
import type { Deployment, Registry } from "../runtime/registry.ts";
import type { LazyExecutorPool } from "./lazy_pool.ts";
import type { Metrics } from "./metrics.ts";
import type { NodeState } from "./state.ts";
import {
  type CallChain,
  type GroupedFunction,
  type GroupedInvocation,
  type GroupOptions,
  type Invocation,
  type InvokeOptions,
  StageError,
} from "./invocation.ts";

/**
 * A run expected to take at most this (ms) is brief: a workflow's fan-out
 * branches of such functions run one after the other in their producer's
 * worker, where a job each would cost more than the wait (a job's way
 * through the pool and back is ~0.1 ms of the node's thread).
 */
const BRIEF_RUN_MS = 1;

/** What an {@linkcode Invoker} runs with: its node's parts. */
export interface InvokerParts {
  registry: Registry;
  pool: LazyExecutorPool;
  metrics: Metrics;
  /** Bytes buffered node-wide: outputs hold some until they are sent. */
  budget: MemoryBudget;
  state: NodeState;
}

/**
 * Runs a node's functions.
 *
 * @example
 * ```ts ignore
 * const invoker = new Invoker({ registry, pool, metrics, budget, state });
 * const out = await invoker.invoke("echo", new TextEncoder().encode("hi"));
 * ```
 */
export class Invoker {
  readonly #parts: InvokerParts;
  readonly #specs = new WeakMap<Deployment, JobSpec>();
  /** Invocations in flight per function, for `limits.concurrency`. */
  readonly #running = new Map<string, number>();
  /** The last refusal of a function at its concurrency, and at what count. */
  readonly #floodRefusals = new WeakMap<
    Deployment,
    { running: number; error: InvocationError }
  >();

  constructor(parts: InvokerParts) {
    this.#parts = parts;
  }

  /**
   * Runs function `name` with `input` as stdin and `options.args` after its
   * deployed args. Throws
   * {@linkcode NotFoundError} for an unknown function and
   * {@linkcode InvocationError} for a failed run.
   *
   * @example
   * ```ts ignore
   * const out = await invoker.invoke("echo", input, { args: ["-n"] });
   * console.log(out.stdout);
   * ```
   */
  async invoke(
    name: string,
    input: Uint8Array,
    options: InvokeOptions = {},
  ): Promise<Invocation> {
    const fn = this.#deployment(name);
    const { chain, signal } = options;
    if (input.byteLength > fn.limits.maxInputBytes) {
      throw inputTooLarge(fn, input.byteLength);
    }
    this.#enter([fn]);
    let result: JobResult;
    let queuedAt = 0;
    try {
      const compiled = await this.#compiled(fn);
      queuedAt = performance.now();
      result = await this.#parts.pool.run(
        compiled,
        moduleKey(fn),
        this.#jobSpec(fn, options.args, chain),
        input,
        signal,
      );
    } catch (error) {
      throw this.#refusedRun(name, error);
    } finally {
      this.#leave([fn]);
    }
    this.#settleRun(name, result, queuedAt, options.reservation);
    this.#record(name, result);
    if (result.failure) {
      throw new InvocationError(
        name,
        result.failure.reason,
        result.failure.message,
        { exitCode: result.exitCode, stderr: result.stderr },
      );
    }
    return {
      fn: name,
      stdout: result.stdout,
      stderr: result.stderr,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      calls: result.calls,
    };
  }

  /**
   * Runs the functions `fns` in order in one executor worker, the first
   * with `input` and each later one with the outputs of those it reads
   * (`from`; by default the one before it): outputs go from one guest's
   * stdout straight into the next's stdin, never between isolates (the
   * design's memory mode at its cheapest: a workflow runs a step and the
   * local steps it alone feeds this way, e.g. A → {B, C} → D as one job).
   * Each function is checked against its own limits (its input, as the
   * outputs it reads for a later one; its concurrency and timeout) and
   * counted in the metrics as an invocation of its own. Throws
   * {@linkcode NotFoundError} for an unknown function, and a
   * {@linkcode StageError} naming the function that failed (the later
   * ones never run).
   *
   * @example
   * ```ts ignore
   * const { earlier, last } = await invoker.invokeGroup([{ name: "gen" }, { name: "sink" }], input);
   * console.log(earlier[0].outputBytes, last.stdout);
   * ```
   */
  async invokeGroup(
    fns: GroupedFunction[],
    input: Uint8Array,
    options: GroupOptions = {},
  ): Promise<GroupedInvocation> {
    const deployments = fns.map((fn) => this.#deployment(fn.name));
    const [first] = deployments;
    if (input.byteLength > first.limits.maxInputBytes) {
      throw inputTooLarge(first, input.byteLength);
    }
    // A function in a group more than once runs one stage at a time: one
    // slot of its concurrency, as when its steps ran one after the other.
    const distinct = [...new Set(deployments)];
    this.#enter(distinct);
    let result: JobResult;
    let queuedAt = 0;
    try {
      const compiled = await Promise.all(
        deployments.map((fn) => this.#compiled(fn)),
      );
      const stages: FollowerStage[] = [];
      for (const [k, fn] of deployments.entries()) {
        const stage: FollowerStage = {
          compiled: compiled[k],
          moduleKey: moduleKey(fn),
          spec: this.#jobSpec(fn, fns[k].args),
          maxInputBytes: fn.limits.maxInputBytes,
        };
        if (k > 0 && fns[k].from) stage.from = fns[k].from;
        stages.push(stage);
      }
      queuedAt = performance.now();
      result = await this.#parts.pool.runGroup(
        stages[0],
        stages.slice(1),
        input,
        options.signal,
      );
    } catch (error) {
      throw this.#refusedRun(first.name, error);
    } finally {
      this.#leave(distinct);
    }
    this.#settleRun(first.name, result, queuedAt, options.reservation);
    const stage = result.stage ?? 0;
    // The earlier stages' figures are missing only when the pool ended the
    // group itself (a worker replaced mid-run): they ran, for unknown times.
    for (let k = 0; k < stage; k++) {
      const outcome = result.earlier?.[k];
      this.#record(deployments[k].name, {
        durationMs: outcome?.durationMs ?? 0,
        stderr: outcome?.stderr ?? "",
        state: outcome?.state,
      });
    }
    const ended = deployments[stage];
    this.#record(ended.name, result);
    if (result.failure) {
      throw new StageError(
        stage,
        ended.name,
        result.failure.reason,
        result.failure.message,
        { exitCode: result.exitCode, stderr: result.stderr },
      );
    }
    return {
      earlier: result.earlier!.map((outcome, k) => ({
        fn: deployments[k].name,
        durationMs: outcome.durationMs,
        outputBytes: outcome.outputBytes,
        stderr: outcome.stderr,
        ...(outcome.calls ? { calls: outcome.calls } : {}),
      })),
      last: {
        fn: ended.name,
        stdout: result.stdout,
        stderr: result.stderr,
        exitCode: result.exitCode,
        durationMs: result.durationMs,
        calls: result.calls,
      },
    };
  }

  /**
   * Whether runs of `fn` are brief enough (at most `BRIEF_RUN_MS` expected)
   * for a workflow's fan-out branches to run one after the other in one
   * worker rather than each as a job of its own.
   *
   * @example
   * ```ts ignore
   * console.log(invoker.runsBriefly("sha256")); // true
   * ```
   */
  runsBriefly(fn: string): boolean {
    return this.#parts.pool.expectedRunMs(fn) <= BRIEF_RUN_MS;
  }

  /** Function `name`'s deployment; {@linkcode NotFoundError} if none. */
  #deployment(name: string): Deployment {
    const fn = this.#parts.registry.get(name);
    if (!fn) throw new NotFoundError("function", name);
    return fn;
  }

  /** `fn`'s module, compiled with its memory limit. */
  #compiled(fn: Deployment): Promise<CompiledModule> {
    return this.#parts.registry.modules.compiled(
      fn.module,
      fn.limits.maxMemoryBytes,
    );
  }

  /**
   * Counts one more invocation of each of `fns` in flight, or, when one
   * of them runs `limits.concurrency` already, throws its refusal and
   * counts none.
   */
  #enter(fns: Deployment[]): void {
    for (const fn of fns) {
      const atLimit = this.#atLimit(fn);
      if (atLimit) throw this.#refused(fn.name, atLimit);
    }
    for (const fn of fns) {
      this.#running.set(fn.name, (this.#running.get(fn.name) ?? 0) + 1);
    }
  }

  /** Counts one invocation of each of `fns` less in flight. */
  #leave(fns: Deployment[]): void {
    for (const fn of fns) {
      const left = this.#running.get(fn.name)! - 1;
      if (left > 0) this.#running.set(fn.name, left);
      else this.#running.delete(fn.name);
    }
  }

  /**
   * What executors run for an invocation of `fn` with `args` after its
   * deployed ones, in `chain`: its frozen spec when there are neither.
   */
  #jobSpec(fn: Deployment, args?: string[], chain?: CallChain): JobSpec {
    if (!args?.length && !chain) return this.#spec(fn);
    return {
      ...this.#spec(fn),
      args: [fn.name, ...fn.args, ...(args ?? [])],
      depth: chain?.depth ?? 0,
      maxDepth: Math.min(chain?.maxDepth ?? Infinity, fn.limits.callDepth),
      ...(chain ? { deadline: chain.deadline } : {}),
    };
  }

  /** `error`, a job the pool refused for `name`, counted in the metrics. */
  #refusedRun(name: string, error: unknown): unknown {
    if (error instanceof InvocationError) {
      this.#parts.metrics.record(name, 0, error.reason, {
        message: error.message,
        stderr: String(error.details.stderr ?? ""),
      });
    }
    return error;
  }

  /**
   * Counts the time `result`'s job (of `name`, queued at `queuedAt`)
   * waited for a worker, and hands the budget its output holds to
   * `reservation` or releases it.
   */
  #settleRun(
    name: string,
    result: JobResult,
    queuedAt: number,
    reservation?: Reservation,
  ): void {
    let ran = result.durationMs;
    if (result.earlier) {
      for (const stage of result.earlier) ran += stage.durationMs;
    }
    this.#parts.metrics.recordWait(
      name,
      Math.max(0, performance.now() - queuedAt - ran) / 1000,
    );
    if (reservation) reservation.adopt(result.reserved ?? 0);
    else this.#parts.budget.release(result.reserved ?? 0);
  }

  /** Records a run of `name` in the metrics and its state use. */
  #record(
    name: string,
    run: Pick<JobResult, "durationMs" | "failure" | "stderr" | "state">,
  ): void {
    this.#parts.metrics.record(
      name,
      run.durationMs / 1000,
      run.failure?.reason,
      run.failure && { message: run.failure.message, stderr: run.stderr },
    );
    this.#parts.state.record(run.state);
  }

  /**
   * Gives `bytes`, which the caller owns alone and is done with (an
   * invocation's output once its response is sent), back to the executors
   * for later outputs to be written in, when it is worth it; says whether
   * it was taken (see `ExecutorPool.recycle`).
   *
   * @example
   * ```ts ignore
   * const out = await invoker.invoke("gen", input);
   * await send(out.stdout);
   * invoker.recycle(out.stdout);
   * ```
   */
  recycle(bytes: Uint8Array): boolean {
    return this.#parts.pool.recycle(bytes);
  }

  /**
   * Why an invocation of `name` arriving now would be refused (`overloaded`:
   * its function runs `limits.concurrency` invocations already, or it would
   * wait past its bound for a worker), or `undefined`. The API asks before
   * it reads a request's body, so that a refusal is answered at once and a
   * flood's inputs are never buffered; {@linkcode invoke} decides again.
   * A refusal counts in the metrics as a failed invocation.
   *
   * @example
   * ```ts ignore
   * const refusal = invoker.refusal("echo");
   * if (refusal) throw refusal;
   * ```
   */
  refusal(name: string): InvocationError | undefined {
    const fn = this.#parts.registry.get(name);
    if (!fn) return undefined;
    const refusal = this.#atLimit(fn) ??
      this.#parts.pool.refusal(this.#spec(fn));
    return refusal && this.#refused(name, refusal);
  }

  /**
   * The refusal of one more invocation of `fn` past its concurrency; the
   * pool is told, so that the flood's guests yield the cores to others'.
   */
  #atLimit(fn: Deployment): InvocationError | undefined {
    const running = this.#running.get(fn.name) ?? 0;
    const limit = fn.limits.concurrency;
    if (limit === undefined || running < limit) return undefined;
    this.#parts.pool.flooding(fn.name);
    // One error for a whole flood, while its count holds: a flood is
    // refused thousands of times a second, and Deno builds an Error in
    // 2-12 µs (its stack is not the cost); the error is never changed.
    const last = this.#floodRefusals.get(fn);
    if (last?.running === running) return last.error;
    const error = new InvocationError(
      fn.name,
      "overloaded",
      `it already runs ${running} invocations, its limit (limits.concurrency); retry later`,
      { limit },
    );
    this.#floodRefusals.set(fn, { running, error });
    return error;
  }

  /** `refusal` of an invocation of `name`, counted in the metrics. */
  #refused(name: string, refusal: InvocationError): InvocationError {
    this.#parts.metrics.record(name, 0, refusal.reason, {
      message: refusal.message,
      stderr: "",
    });
    return refusal;
  }

  /**
   * What executors run for a first invocation of `fn` without extra args:
   * one frozen object per deployment, which the pool sends each worker
   * once (see `ExecutorPool.run`).
   */
  #spec(fn: Deployment): JobSpec {
    let spec = this.#specs.get(fn);
    if (!spec) {
      spec = Object.freeze({
        fn: fn.name,
        args: [fn.name, ...fn.args],
        env: fn.env,
        preopens: fn.dirs.map((d) => ({
          hostPath: d.host,
          guestPath: d.guest,
          writable: d.writable,
        })),
        ...(fn.state?.length ? { state: this.#parts.state.jobState(fn) } : {}),
        timeoutMs: fn.limits.timeoutMs,
        maxMemoryBytes: fn.limits.maxMemoryBytes,
        maxOutputBytes: fn.limits.maxOutputBytes,
        depth: 0,
        maxDepth: fn.limits.callDepth,
        ...(fn.limits.maxQueueWaitMs === undefined
          ? {}
          : { maxQueueWaitMs: fn.limits.maxQueueWaitMs }),
      });
      this.#specs.set(fn, spec);
    }
    return spec;
  }
}

/**
 * How executors know a deployment's compiled module.
 *
 * @example
 * ```ts ignore
 * pool.retain(registry.list().map(moduleKey));
 * ```
 */
export function moduleKey(fn: Deployment): string {
  return `${fn.module}@${fn.limits.maxMemoryBytes}`;
}

/**
 * Whether `refusal` (from {@linkcode Invoker.refusal}) is of a function
 * at its own `limits.concurrency`, not of the node's load.
 *
 * @example
 * ```ts ignore
 * const refusal = node.refusal("echo");
 * if (refusal && isOwnLimit(refusal)) console.log("echo is at its limit");
 * ```
 */
export function isOwnLimit(refusal: InvocationError): boolean {
  return refusal.reason === "overloaded" && refusal.details.limit !== undefined;
}

/**
 * The error for an input over the function's `maxInput` limit.
 *
 * @example
 * ```ts ignore
 * if (size > fn.limits.maxInputBytes) throw inputTooLarge(fn, size);
 * ```
 */
export function inputTooLarge(fn: Deployment, bytes: number): InvocationError {
  const limit = fn.limits.maxInputBytes;
  const { reason, message } = inputTooLargeFailure(bytes, limit);
  return new InvocationError(fn.name, reason, message, { limit });
}
