/**
 * A pool of executor workers (one per core by default). Invocations queue
 * here and go to the least-loaded worker; a watchdog stops a guest that
 * runs past its deadline through its worker's interrupt cell (the guest
 * traps at its next check, its worker and the other jobs in it go on), and
 * terminates the worker only when the guest cannot be interrupted (its
 * module was not rewritten) or has not stopped within a grace: that fails
 * the invocation alone, requeues the jobs that had not started and
 * replaces the worker. A job whose
 * signal aborts is cancelled the same way: dropped from the queue, skipped
 * by its worker if not started, unwound if parked in a call or asleep,
 * interrupted (or its worker replaced) if it is on the CPU; the calls it
 * made are cancelled with it.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { transferable } from "../../comm/mod.ts";
import { InvocationError } from "../errors.ts";
import { executorWorkerUrl } from "./worker_url.ts";
import {
  type CompiledModule,
  InterruptCell,
  interruptible,
  jobTag,
} from "../module/mod.ts";
import { HostFdLedger } from "../wasi/fd_ledger.ts";
import { isSpareSized } from "../wasi/stdio.ts";
import type { MemoryBudget } from "../memory_budget.ts";
import type { CallOrigin, CallReply } from "./guest_calls.ts";
import type { FollowerJob, JobResult, JobSignal, JobSpec } from "./job.ts";
import {
  CANCEL_SLOTS,
  type FromWorker,
  IDLE,
  type MessageJob,
  type PostedJob,
  STATUS_CANCEL,
  STATUS_DEADLINE,
  STATUS_MODULES,
  STATUS_RESERVED,
  STATUS_SEQ,
  STATUS_SLOTS,
  STATUS_STARTED,
  STATUS_WARM,
  STATUS_WARM_BYTES,
  type ToWorker,
} from "./_protocol.ts";
import { Ring, SLOT_BYTES } from "./_ring.ts";
import { Background } from "./_background.ts";
import { FairQueue } from "./_fair_queue.ts";
import {
  type Executor,
  moduleKeys,
  noteStage,
  type PendingJob,
  readCpu,
  stageOf,
} from "./_records.ts";
import { cancelled, failedIn, stoppedOr, timedOut } from "./_outcomes.ts";
import { RunCosts } from "./_admission.ts";
import { Workload } from "./_workload.ts";
import { checkGroup, followerJob } from "./_group.ts";
import { Residency } from "./_residency.ts";

/** Options of {@linkcode ExecutorPool}. */
export interface ExecutorPoolOptions {
  /** Number of workers; defaults to the number of cores. */
  workers?: number;
  /**
   * Workers there may be at most: when jobs wait that are much shorter
   * than what every worker holds (`OVERTAKE_RATIO` in `_workload.ts`), an
   * extra worker starts for them (the OS then time-slices the cores), up
   * to this; extra workers end once idle for `EXTRA_IDLE_MS`. Default:
   * twice `workers`.
   */
  maxWorkers?: number;
  /**
   * Jobs sent ahead to one worker while it is busy, so that it never idles
   * waiting for a message; more queue in the pool.
   */
  pipelineDepth?: number;
  /** Jobs waiting beyond this are refused with `overloaded` (503). */
  maxQueued?: number;
  /**
   * A job whose expected wait for a worker (estimated from the jobs ahead
   * of it and recent run times of their functions) exceeds this, or its
   * own timeout, is refused with `overloaded` (503) at once. Default: only
   * its timeout bounds it.
   */
  maxQueueWaitMs?: number;
  /** How often the watchdog looks for runaway guests (ms). */
  watchdogIntervalMs?: number;
  /**
   * Density: estimated bytes of compiled modules each worker keeps (see
   * `CompiledModule.cost`); past it a worker drops the least recently used
   * that no job sent to it needs. An eighth of it (at most 32 MiB) bounds
   * the memory of the instances each worker keeps warm (`WarmInstances`).
   * Default: no bound for modules, 32 MiB for warm instances.
   */
  moduleBudgetBytes?: number;
  /**
   * The node's budget for buffered bytes: guests' outputs reserve from it
   * as they grow, and results carry what they hold (`reserved`).
   */
  budget?: MemoryBudget;
  /**
   * Runs a call a guest made to another function (`eddy.call`); without
   * it, guests are told calls are not available.
   */
  onCall?: (
    fn: string,
    input: Uint8Array,
    origin: CallOrigin,
  ) => Promise<CallReply>;
}

/** Live figures of a pool, for metrics. */
export interface ExecutorStats {
  workers: number;
  running: number;
  queued: number;
  restarts: number;
  /** Compiled modules the workers hold, over all of them (as they report). */
  modules: number;
  /** Instances the workers keep warm, over all of them (as they report). */
  warm: number;
  /** Memory those instances hold between runs (bytes). */
  warmBytes: number;
  /** Compiled modules workers dropped to stay within their budget, since start. */
  evictions: number;
  /**
   * Times a worker in the background was lifted out of it because it got
   * almost no core (see _background.ts), since start: the machine's
   * other work kept every core busy.
   */
  starvedLifts: number;
}

/**
 * One stage of a job: a compiled module (known to workers by `moduleKey`)
 * and what it runs with.
 *
 * @example
 * ```ts ignore
 * const stage: JobStage = { compiled, moduleKey: "echo", spec };
 * ```
 */
export interface JobStage {
  compiled: CompiledModule;
  moduleKey: string;
  spec: JobSpec;
}

/**
 * A later stage of a grouped job (see {@linkcode ExecutorPool.runGroup}).
 *
 * @example
 * ```ts ignore
 * const sink: FollowerStage = { compiled, moduleKey: "sink", spec, maxInputBytes: 1 << 20 };
 * ```
 */
export interface FollowerStage extends JobStage {
  /** An input past this fails the stage (`input_too_large`). */
  maxInputBytes: number;
  /**
   * The earlier stages (0 is the group's first) whose outputs, joined in
   * this order, are its input; unset, the stage just before it.
   */
  from?: number[];
}

/**
 * How long a cancelled guest on the CPU may go on before its worker is
 * replaced: one about to finish costs less than a new worker (~16 ms) and
 * the parked invocations a replacement ends with it.
 */
const CANCEL_GRACE_MS = 50;

/**
 * How long an interrupted guest may take to stop before its worker is
 * replaced. It stops at its next loop header or call (microseconds); a
 * long host call (a big copy, a state read) or a machine so loaded that
 * the worker's thread waits for a core is what this waits for: replacing
 * the worker costs every job in it, so the grace is generous.
 */
const INTERRUPT_GRACE_MS = 1000;

/**
 * The most memory a worker's warm instances hold, whatever the budget: a
 * few hundred small guests (10,000 functions each invoked once: RSS +128
 * MB over the node's 2 workers at 64 MiB each).
 */
const MAX_WARM_BYTES = 32 << 20;

/** Whether `bytes` lives in shared memory: it reaches a worker as it is. */
function shared(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof SharedArrayBuffer;
}

/**
 * Inputs up to this size may be copied ahead to a busy worker (a shared
 * one of any size goes ahead as it is). A larger
 * one waits for an idle worker and moves there: a copy ahead costs the
 * clone, the worker's own copy and a fresh buffer, which past 64 KiB costs
 * more than the wait (1 MiB memory-mode chains: 712–798 → 814–1,008/s).
 */
const SEND_AHEAD_MAX_BYTES = 64 << 10;

/**
 * Estimated work (ms) a busy worker may hold, the job sent ahead included:
 * short jobs are sent ahead in numbers (a worker never idles between
 * them), long ones wait in the pool, where a job of another function can
 * still pass them and go to the first worker free.
 */
const SEND_AHEAD_MS = 10;

/**
 * Work (ms) a job may find ahead of it on an awake worker rather than wake
 * a sleeping one: a wake costs the waking thread ~50 µs here and the job
 * ~100 µs before it starts (see the report's wake floors).
 */
const WAKE_WORTH_MS = 0.2;

/**
 * The pool idle this long (ms) starts its next regular worker (see
 * `#startNext`): the answers just settled must be written out first.
 */
const IDLE_BEFORE_NEXT_MS = 25;

/** An extra worker idle this long (ms) ends. */
const EXTRA_IDLE_MS = 5000;

/**
 * Bytes of spares (`recycle`) kept for one worker until its next wake-up:
 * its largest spare (one 16 MiB output's buffer).
 */
const SPARE_BYTES_PENDING = 16 << 20;

/** What a settled job's `resolve` and `reject` become: nothing to tell. */
function settledAlready(): void {}

/**
 * The refusal of a job of `fn` by a pool that is closing (503
 * `overloaded`: another node, or this one restarted, may take it).
 *
 * @example
 * ```ts
 * import { shuttingDown } from "./pool.ts";
 * console.log(shuttingDown("echo").code); // overloaded
 * ```
 */
export function shuttingDown(fn: string): InvocationError {
  return new InvocationError(fn, "overloaded", "the node is shutting down");
}

/**
 * Runs guests in Deno workers.
 *
 * @example
 * ```ts
 * import { ExecutorPool } from "./pool.ts";
 * const pool = new ExecutorPool({ workers: 2 });
 * const module = await WebAssembly.compile(await Deno.readFile("examples/echo/echo.wasm"));
 * const result = await pool.run({ module }, "echo", {
 *   fn: "echo", args: ["echo"], env: {}, preopens: [], timeoutMs: 1000,
 *   maxMemoryBytes: 1 << 26, maxOutputBytes: 1 << 20,
 * }, new TextEncoder().encode("hi"));
 * await pool.close();
 * ```
 */
export class ExecutorPool {
  readonly #executors: Executor[] = [];
  /** Extra workers loading, given jobs once they are ready. */
  readonly #starting = new Set<Executor>();
  /** Bytes of memory each worker's warm instances may hold. */
  readonly #warmBytes: number;
  readonly #queue = new FairQueue<PendingJob>();
  readonly #depth: number;
  readonly #maxWorkers: number;
  /** Extra workers loading. */
  #extraStarting = 0;
  readonly #maxQueued: number;
  readonly #maxQueueWaitMs: number;
  /** Recent core time per run of each function, for admission. */
  readonly #costs = new RunCosts();
  /** The work workers hold, estimated from those costs. */
  readonly #workload = new Workload(this.#costs, SEND_AHEAD_MS);
  /** Which workers run in the background, and when they come back. */
  readonly #background = new Background((job) => this.#workload.jobMs(job));
  readonly #watchdogMs: number;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #seq = 0;
  #restarts = 0;
  /** Buffers given to workers by {@linkcode recycle}, to take turns. */
  #recycled = 0;
  #closed = false;
  readonly #onCall: ExecutorPoolOptions["onCall"];
  readonly #budget: MemoryBudget | undefined;
  /** The modules and templates each worker holds. */
  readonly #residency: Residency;
  #dispatchScheduled = false;
  /** Regular workers yet to start (see `#startNext`). */
  #unstarted: number;
  /** The regular worker started last is ready. */
  #lastReady = false;
  /** Looks again once the answers just settled are out (`IDLE_BEFORE_NEXT_MS`). */
  #nextTimer: ReturnType<typeof setTimeout> | undefined;
  /** When a job last came or ended (performance.now()). */
  #lastActivity = 0;
  /** When each function was last refused for its concurrency (Date.now()). */
  /** Jobs whose signal is yet to be asked for (see {@linkcode JobSignal}). */
  #late: PendingJob[] = [];

  constructor(options: ExecutorPoolOptions = {}) {
    const count = Math.max(1, options.workers ?? availableParallelism());
    this.#depth = Math.max(1, options.pipelineDepth ?? 8);
    this.#maxQueued = options.maxQueued ?? 4096;
    this.#maxQueueWaitMs = options.maxQueueWaitMs ?? Infinity;
    this.#watchdogMs = options.watchdogIntervalMs ?? 5;
    this.#onCall = options.onCall;
    this.#budget = options.budget;
    this.#warmBytes = Math.min(
      MAX_WARM_BYTES,
      (options.moduleBudgetBytes ?? Infinity) / 8,
    );
    this.#residency = new Residency({
      budgetBytes: options.moduleBudgetBytes ?? Infinity,
      post: (executor, message) => this.#post(executor, message),
    });
    this.#maxWorkers = Math.max(count, options.maxWorkers ?? 2 * count);
    this.#unstarted = count - 1;
    this.#executors.push(this.#spawn(() => this.#readied()));
  }

  #readied(): void {
    this.#lastReady = true;
    if (this.#queue.length > 0) return this.#startNext(true);
    // Not at once: a node that just started has its first invocations on
    // the way (clients that waited for it), and they should not wait for
    // `new Worker` too. Idle a moment, it starts the next (`#startNext`).
    this.#armNext();
  }

  /** Starts the next regular worker once the pool has been idle a moment. */
  #armNext(ms = IDLE_BEFORE_NEXT_MS): void {
    if (this.#unstarted > 0 && this.#nextTimer === undefined) {
      this.#nextTimer = setTimeout(() => this.#startNext(), ms);
    }
  }

  /**
   * Starts the next regular worker, once the one before is ready, when no
   * job runs, or when `needed` (a job waits and no worker is free). Not
   * while jobs run with none waiting: `new Worker` holds this thread until
   * the worker's isolate exists (30–50 ms here), which would hold up their
   * answers (a node's first invocation, typically). The first worker starts
   * with the pool, so that the node serves meanwhile.
   */
  #startNext(needed = false): void {
    clearTimeout(this.#nextTimer);
    this.#nextTimer = undefined;
    if (this.#closed || this.#unstarted === 0 || !this.#lastReady) return;
    if (needed) {
      if (this.#executors.some((e) => e.inflight.size === 0)) return;
    } else {
      if (this.#executors.some((e) => e.inflight.size > 0)) return;
      // A job just ended: its answer is still being written out.
      const idle = performance.now() - this.#lastActivity;
      if (idle < IDLE_BEFORE_NEXT_MS) {
        return this.#armNext(IDLE_BEFORE_NEXT_MS - idle);
      }
    }
    this.#lastReady = false;
    this.#unstarted--;
    this.#executors.push(this.#spawn(() => this.#readied()));
  }

  /** Current figures: workers, jobs running or sent ahead, jobs queued. */
  stats(): ExecutorStats {
    let running = 0;
    let modules = 0;
    let warm = 0;
    let warmBytes = 0;
    for (const e of this.#all()) {
      for (const job of e.inflight.values()) if (!job.settled) running++;
      modules += e.status[STATUS_MODULES];
      warm += e.status[STATUS_WARM];
      warmBytes += e.status[STATUS_WARM_BYTES];
    }
    return {
      workers: this.#executors.length,
      running,
      queued: this.#queue.length,
      restarts: this.#restarts,
      modules,
      warm,
      warmBytes,
      evictions: this.#residency.evictions,
      starvedLifts: this.#background.starvedLifts,
    };
  }

  /**
   * The OS thread ids of its workers (those serving, not starting), where
   * the OS tells them (Linux): to find a worker in `ps -L` or
   * `/proc/<pid>/task`, e.g. one running hot or in the background.
   *
   * @example
   * ```ts ignore
   * for (const tid of pool.workerThreads()) console.log(tid);
   * ```
   */
  workerThreads(): number[] {
    return this.#executors.flatMap((e) =>
      e.thread === undefined ? [] : [e.thread]
    );
  }

  /**
   * Runs `compiled` (known to workers by `moduleKey`) with `spec` and `stdin`.
   * `stdin`'s buffer is transferred to the worker: do not use it afterwards.
   * Resolves with the result, failed runs included; rejects only when the
   * pool refuses the job (overloaded, closed). A frozen `spec` is sent to
   * each worker once and named by an id afterwards, so that an invocation
   * with a small input costs no message at all: freeze one spec per
   * deployment and pass that same object each time. When `signal` aborts before
   * the run ends, it resolves at once as `cancelled` and the guest, and
   * every call it made, is stopped (a signal given as a function: see
   * {@linkcode JobSignal}).
   */
  run(
    compiled: CompiledModule,
    moduleKey: string,
    spec: JobSpec,
    stdin: Uint8Array,
    cancel?: JobSignal,
  ): Promise<JobResult> {
    return this.#enqueue({ compiled, moduleKey, spec }, stdin, cancel);
  }

  /**
   * Runs `first` with `stdin` and then, in the same worker and in order,
   * each of `later` with the outputs of the earlier stages it reads (`from`;
   * the stage just before it by default): one job (one queue place, one
   * message or ring slot each way) for functions whose data moves by
   * memory copy, never between isolates. A pair is a group of two; a
   * fan-out and its fan-in (A → {B, C} → D) is one of four. The result is
   * the last stage's (`stage` its index, `earlier` telling what the stages
   * before it did), or that of the first stage that failed (the later ones
   * never run). An input past a stage's `maxInputBytes` fails that stage
   * with `input_too_large`. Each stage has its own deadline; the job's cost
   * is all runs'. Groups of frozen specs are sent to each worker once (see
   * {@linkcode run}); a frozen spec stands for one deployment: its module
   * key and `maxInputBytes` do not change. Throws a `RangeError` for a
   * stage that reads a later one, or an output nothing reads.
   *
   * @example
   * ```ts ignore
   * const result = await pool.runGroup(
   *   { compiled: gen, moduleKey: "gen", spec: genSpec },
   *   [{ compiled: sink, moduleKey: "sink", spec: sinkSpec, maxInputBytes: 1 << 20 }],
   *   new TextEncoder().encode("1048576"),
   * );
   * console.log(result.stage, result.earlier?.[0].outputBytes); // 1 1048576
   * ```
   */
  runGroup(
    first: JobStage,
    later: FollowerStage[],
    stdin: Uint8Array,
    cancel?: JobSignal,
  ): Promise<JobResult> {
    const then = later.map((stage, k) => followerJob(stage, k + 1));
    checkGroup(first.spec.fn, then);
    return this.#enqueue(first, stdin, cancel, then, later);
  }

  #enqueue(
    { compiled, moduleKey, spec }: JobStage,
    stdin: Uint8Array,
    cancel: JobSignal | undefined,
    then?: FollowerJob[],
    later?: FollowerStage[],
  ): Promise<JobResult> {
    const refusal = this.refusal(spec);
    if (refusal) return Promise.reject(refusal);
    const late = typeof cancel === "function" ? cancel : undefined;
    const signal = typeof cancel === "function" ? undefined : cancel;
    if (signal?.aborted) {
      return Promise.resolve(cancelled(signal, "before it started"));
    }
    return new Promise((resolve, reject) => {
      const posted: PostedJob = { seq: this.#seq++, moduleKey, spec, stdin };
      const job: PendingJob = {
        fn: spec.fn,
        posted,
        compiled,
        resolve,
        reject,
        parked: 0,
        parkedMs: 0,
      };
      if (then?.length) {
        posted.then = then;
        job.laterCompiled = later!.map((stage) => stage.compiled);
      }
      if (signal) this.#watchSignal(job, signal);
      else if (late) {
        job.lateSignal = late;
        this.#late.push(job);
      }
      this.#queue.push(job);
      this.#scheduleDispatch();
    });
  }

  /**
   * Why a job with `spec` posted now would be refused (`overloaded`: the
   * pool is closing, its queue is full, or the job's expected wait for a
   * worker is past its bound), or `undefined`. {@linkcode run} asks too;
   * asking first lets a caller refuse before it reads the job's input.
   */
  refusal(spec: JobSpec): InvocationError | undefined {
    if (this.#closed) return shuttingDown(spec.fn);
    if (this.#queue.length >= this.#maxQueued) {
      return new InvocationError(
        spec.fn,
        "overloaded",
        `${this.#queue.length} invocations already queued; retry later`,
      );
    }
    return this.#admission(spec);
  }

  /**
   * Tells the pool that `fn` was refused for its own concurrency limit: for
   * the next second its jobs run on background threads, so that its flood
   * takes the cores only when other functions' guests leave them idle.
   */
  flooding(fn: string): void {
    this.#background.flooding(fn);
  }

  /**
   * Why a new job with `spec` is refused: its expected wait for a worker
   * exceeds its bound (its timeout, what is left to its caller's deadline,
   * its function's `maxQueueWaitMs`, the pool's `maxQueueWaitMs`). Its own
   * function's line counts in full, others' one job per job of its own
   * (they are served in turn): a function that floods the node is refused
   * while others are still admitted. A job on a worker's CPU counts for
   * what it has left of its estimate.
   */
  #admission(spec: JobSpec): InvocationError | undefined {
    const now = Date.now();
    const own = spec.maxQueueWaitMs ?? Infinity;
    const bound = Math.min(
      spec.timeoutMs,
      this.#maxQueueWaitMs,
      own,
      (spec.deadline ?? Infinity) - now,
    );
    // A short job is not held up by long ones while extra workers (running
    // or yet to start) can take it: only short work counts ahead of it.
    const onlyShort = this.#workload.isShort(spec.fn) &&
      (this.#executors.length < this.#maxWorkers ||
        this.#executors.some((e) => e.extra));
    const wait = this.#workload.waitMs(
      spec.fn,
      this.#executors,
      this.#queue.lines(),
      onlyShort,
      now,
    );
    if (wait === undefined || wait <= bound) return undefined;
    // Its own line is what the node cannot take: its guests run in the
    // background for a while, so that the node's thread (answering this
    // refusal and the next) and other functions' guests get a core first.
    this.#background.flooding(spec.fn);
    const why = bound === own
      ? "its limits.maxQueueWait"
      : bound === this.#maxQueueWaitMs
      ? "the node's --max-queue-wait"
      : "its timeout";
    return new InvocationError(
      spec.fn,
      "overloaded",
      `it would wait ~${Math.round(wait)} ms for a worker (${
        this.#queue.waiting(spec.fn)
      } of its invocations queued), past ${
        Math.round(bound)
      } ms (${why}); retry later`,
      { expectedWaitMs: Math.round(wait) },
    );
  }

  /**
   * What a run of `fn` is expected to cost (ms of a worker's CPU), from
   * its recent runs (a first guess before it ran).
   *
   * @example
   * ```ts ignore
   * if (pool.expectedRunMs("sha256") <= 1) console.log("brief");
   * ```
   */
  expectedRunMs(fn: string): number {
    return this.#costs.of(fn);
  }

  /** Whether an extra worker runs, starts, or may start. */
  #extraPossible(): boolean {
    return this.#extraStarting > 0 ||
      this.#executors.length < this.#maxWorkers ||
      this.#executors.some((e) => e.extra);
  }

  /** Cancels `job` once `signal` aborts (at once if it has). */
  #watchSignal(job: PendingJob, signal: AbortSignal): void {
    job.signal = signal;
    job.onAbort = () => this.#cancel(job);
    if (signal.aborted) return job.onAbort();
    signal.addEventListener("abort", job.onAbort, { once: true });
  }

  /**
   * Listens to the late signals of jobs still out at their second watchdog
   * round (see {@linkcode JobSignal}); a job is out for one to two rounds
   * by then, so that one that came just before a round does not count.
   */
  #listenLate(): void {
    const late = this.#late;
    this.#late = [];
    for (const job of late) {
      if (job.settled) continue;
      job.lateRounds = (job.lateRounds ?? 0) + 1;
      if (job.lateRounds < 2) this.#late.push(job);
      else this.#watchSignal(job, job.lateSignal!());
    }
  }

  #park(job: PendingJob): void {
    if (job.parked++ === 0) job.parkedAt = performance.now();
  }

  #unpark(job: PendingJob): void {
    if (--job.parked === 0 && job.parkedAt !== undefined) {
      job.parkedMs += performance.now() - job.parkedAt;
      job.parkedAt = undefined;
    }
  }

  /**
   * Gives `job`'s outcome to its caller, once, and cancels the calls it
   * made that are still out.
   */
  #settle(job: PendingJob, result: JobResult): void {
    if (job.settled) return;
    job.settled = true;
    if (result.failure?.reason !== "cancelled" && result.durationMs > 0) {
      // Time parked in calls and sleeps is not a run's cost; a grouped
      // job's is taken from the stage that ended it.
      const parkedMs = job.parkedMs +
        (job.parkedAt === undefined ? 0 : performance.now() - job.parkedAt);
      const then = job.posted.then;
      const fnOf = (k: number) => k === 0 ? job.fn : then![k - 1].spec.fn;
      result.earlier?.forEach((stage, k) =>
        this.#costs.observe(fnOf(k), stage.durationMs)
      );
      this.#costs.observe(
        fnOf(result.stage ?? 0),
        result.durationMs - parkedMs,
      );
    }
    if (job.onAbort) job.signal!.removeEventListener("abort", job.onAbort);
    job.calls?.abort(new Error(`its caller '${job.posted.spec.fn}' ended`));
    job.resolve(result);
    // Nothing of its caller's stays reachable through it. A settled job can
    // still be referenced from dead old-space objects (a Map's table
    // replaced after deletes, say) until the next mark-compact, and V8's
    // scavenges count such references as live: through the promise's
    // functions every request's objects were promoted and kept until then
    // (1 KB echo, 5 s, with the flags of node/v8_flags.ts: 144 MB promoted
    // on the node's thread, 18 without these references).
    job.resolve = job.reject = settledAlready;
    job.signal = job.onAbort = job.lateSignal = undefined;
  }

  /**
   * Cancels `job` wherever it is: a queued job is dropped; one its worker
   * has not started is marked for the worker to skip; a parked one is
   * unwound; one on the CPU is left to the watchdog, which replaces its
   * worker at its next round.
   */
  #cancel(job: PendingJob): void {
    if (job.settled) return;
    this.#settle(job, cancelled(job.signal!, ""));
    if (this.#queue.remove(job)) return;
    const executor = this.#all().find((e) =>
      e.inflight.get(job.posted.seq) === job
    );
    if (!executor) return;
    job.cancelled = true;
    if (job.order! >= executor.status[STATUS_STARTED]) {
      this.#markCancelled(executor, job);
    } else if (job.parked > 0) {
      this.#post(executor, { type: "cancel", seq: job.posted.seq });
    }
  }

  /**
   * Writes `job`'s seq to a free cancel slot of its worker, so that the
   * worker skips it. With no slot free, or had the worker started it
   * meanwhile, the watchdog or its next call stops it instead.
   */
  #markCancelled(executor: Executor, job: PendingJob): void {
    for (let i = STATUS_CANCEL; i < STATUS_CANCEL + CANCEL_SLOTS; i++) {
      if (executor.status[i] !== IDLE) continue;
      executor.status[i] = job.posted.seq;
      job.slot = i;
      return;
    }
  }

  /**
   * Keeps `bytes`' buffer for a worker (each in turn) to write its next
   * outputs in, when it is a whole buffer of a size worth keeping (see
   * `recycleBuffer`) and the worker has fewer than `SPARE_BYTES_PENDING`
   * waiting; says whether it took it. The caller must own `bytes` alone and
   * be done with it: the buffer leaves this isolate with the worker's next
   * wake-up (not a wake-up of its own, which costs as much as a job's). A
   * large output that left its worker for a socket otherwise costs that
   * worker fresh pages for the next one (page faults were most of a 1 MiB
   * producer's run here).
   */
  recycle(bytes: Uint8Array): boolean {
    const buffer = bytes.buffer;
    if (
      !(buffer instanceof ArrayBuffer) || buffer.detached ||
      bytes.byteOffset !== 0 || !isSpareSized(buffer)
    ) {
      return false;
    }
    const regular = this.#executors.filter((e) => !e.extra);
    if (regular.length === 0) return false;
    const executor = regular[this.#recycled++ % regular.length];
    if (executor.spareBytes + buffer.byteLength > SPARE_BYTES_PENDING) {
      return false;
    }
    executor.spares.push(buffer);
    executor.spareBytes += buffer.byteLength;
    return true;
  }

  /**
   * Tells workers to drop every compiled module but those of `moduleKeys`
   * (the ones still deployed). A module outside them that a job still
   * needs (an invocation that began before its function was replaced) is
   * dropped as soon as that worker has no job left that uses it.
   */
  retain(moduleKeys: Iterable<string>): void {
    this.#residency.retain(this.#executors, moduleKeys);
  }

  #all(): Executor[] {
    return [...this.#executors, ...this.#starting];
  }

  /** Stops all workers; queued and running jobs are refused. */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#watchdog);
    clearTimeout(this.#nextTimer);
    for (const e of this.#all()) {
      this.#terminate(e);
      for (const job of e.inflight.values()) this.#refuse(job);
    }
    for (const job of this.#queue.drain()) this.#refuse(job);
    return Promise.resolve();
  }

  #refuse(job: PendingJob): void {
    job.settled = true;
    if (job.onAbort) job.signal!.removeEventListener("abort", job.onAbort);
    job.calls?.abort(new Error("the node is shutting down"));
    job.reject(shuttingDown(job.posted.spec.fn));
  }

  #spawn(onReady?: () => void): Executor {
    const worker = new Worker(executorWorkerUrl(), {
      type: "module",
    });
    const shared = new SharedArrayBuffer(
      STATUS_SLOTS * Float64Array.BYTES_PER_ELEMENT,
    );
    const status = new Float64Array(shared);
    status[STATUS_SEQ] = IDLE;
    status.fill(IDLE, STATUS_CANCEL);
    worker.postMessage(shared);
    const fds = new HostFdLedger();
    worker.postMessage(
      { type: "fdLedger", buffer: fds.buffer } satisfies ToWorker,
    );
    const ring = new Ring();
    worker.postMessage(
      { type: "ring", shared: ring.shared } satisfies ToWorker,
    );
    const interrupt = new InterruptCell();
    worker.postMessage(
      { type: "interrupt", memory: interrupt.memory } satisfies ToWorker,
    );
    if (this.#budget) {
      worker.postMessage({ type: "budget", shared: this.#budget.shared });
    }
    worker.postMessage(
      { type: "warm", maxBytes: this.#warmBytes } satisfies ToWorker,
    );
    const executor: Executor = {
      worker,
      ring,
      templates: new Map(),
      fds,
      interrupt,
      status,
      inflight: new Map(),
      modules: new Map(),
      moduleBytes: 0,
      posted: 0,
      spares: [],
      spareBytes: 0,
    };
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === "ready") {
        executor.thread = message.thread;
        if (message.thread !== undefined) {
          this.#background.adopt(message.thread);
        }
        return onReady?.();
      }
      if (message.type === "result") {
        this.#finished(executor, message.seq, message.result);
        this.#endWhenIdle(executor);
        return this.#scheduleDispatch();
      }
      const job = executor.inflight.get(message.seq);
      if (!job) return;
      if (message.type !== "unpark" && message.stage) job.stage = message.stage;
      if (message.type === "park") {
        // Its worker ends the sleep at the deadline and answers with the
        // guest's stderr; the watchdog steps in only if it does not.
        job.deadline = message.deadline + INTERRUPT_GRACE_MS;
        this.#park(job);
        this.#scheduleDispatch();
        return;
      }
      if (message.type === "unpark") {
        this.#unpark(job);
        return;
      }
      job.deadline = message.deadline;
      if (job.cancelled) {
        this.#post(executor, { type: "cancel", seq: job.posted.seq });
        return;
      }
      this.#call(executor, job, message.callId, message.fn, message.input);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#replace(executor, `executor worker failed: ${event.message}`);
    };
    this.#listen(executor);
    return executor;
  }

  /** Takes the results `executor` writes to its ring until it is terminated. */
  async #listen(executor: Executor): Promise<void> {
    while (!executor.dead) {
      await executor.ring.waitResults();
      if (executor.dead) return;
      this.#takeResults(executor);
      this.#endWhenIdle(executor);
      this.#scheduleDispatch();
    }
  }

  /**
   * Ends `executor`, an extra worker, once it has stayed idle for
   * `EXTRA_IDLE_MS`; a job sent to it meanwhile keeps it.
   */
  #endWhenIdle(executor: Executor): void {
    if (!executor.extra || executor.inflight.size > 0 || executor.idleTimer) {
      return;
    }
    executor.idleTimer = setTimeout(() => {
      executor.idleTimer = undefined;
      const index = this.#executors.indexOf(executor);
      if (executor.inflight.size > 0 || index < 0) return;
      this.#executors.splice(index, 1);
      this.#terminate(executor);
    }, EXTRA_IDLE_MS);
  }

  /**
   * Starts an extra worker when a waiting job would overtake what every
   * worker holds (see `OVERTAKE_RATIO`), so that short work does not wait
   * for long work to end.
   */
  #overflow(now: number): void {
    if (
      this.#closed || this.#extraStarting > 0 ||
      this.#executors.length >= this.#maxWorkers ||
      !this.#queue.heads().some((job) =>
        this.#workload.overtakes(job.fn, this.#executors, now)
      )
    ) {
      return;
    }
    this.#extraStarting++;
    const extra: Executor = this.#spawn(() => {
      this.#extraStarting--;
      this.#starting.delete(extra);
      if (this.#closed) return this.#terminate(extra);
      this.#executors.push(extra);
      this.#endWhenIdle(extra);
      this.#scheduleDispatch();
    });
    extra.extra = true;
    this.#starting.add(extra);
  }

  #takeResults(executor: Executor): void {
    executor.ring.takeResults((seq, result) =>
      this.#finished(executor, seq, result as JobResult)
    );
  }

  /** Gives job `seq`'s result to its caller, if it still waits for it. */
  #finished(executor: Executor, seq: number, result: JobResult): void {
    const job = executor.inflight.get(seq);
    // Settled already (timed out while parked, or cancelled): nobody takes
    // its output.
    if (!job || job.settled) this.#budget?.release(result.reserved ?? 0);
    if (!job) return;
    executor.inflight.delete(seq);
    if (job.slot !== undefined) executor.status[job.slot] = IDLE;
    // Asked to stop just as it ended: no later job may see the request.
    if (job.interruptedAt) executor.interrupt.clear(jobTag(seq));
    this.#background.prioritise(executor, Date.now());
    this.#settle(job, stoppedOr(job, result));
    for (const key of moduleKeys(job)) {
      this.#residency.forgetUnused(executor, key);
    }
  }

  async #call(
    executor: Executor,
    job: PendingJob,
    callId: number,
    fn: string,
    input: Uint8Array,
  ): Promise<void> {
    let reply: CallReply;
    // A parked guest holds no CPU: its worker may take more jobs (its
    // callee among them) meanwhile.
    this.#park(job);
    this.#scheduleDispatch();
    const { spec } = stageOf(job);
    try {
      reply = this.#onCall
        ? await this.#onCall(fn, input, {
          fn: spec.fn,
          depth: spec.depth ?? 0,
          maxDepth: spec.maxDepth ?? 0,
          deadline: job.deadline!,
          signal: (job.calls ??= new AbortController()).signal,
        })
        : {
          status: 503,
          payload: new TextEncoder().encode("calls are not available"),
        };
    } catch (error) {
      reply = { status: 500, payload: new TextEncoder().encode(String(error)) };
    } finally {
      this.#unpark(job);
    }
    if (!executor.inflight.has(job.posted.seq) || job.cancelled) return;
    // The reply is the caller's own (comm hands payloads over): it moves to
    // the worker, copied only when it is a view of a bigger buffer.
    const [payload, buffer] = transferable(reply.payload);
    this.#post(
      executor,
      { type: "callReply", callId, reply: { ...reply, payload } },
      [buffer],
    );
  }

  /**
   * Dispatches once at the end of the current task, so that a burst of new
   * jobs and finished ones goes to each worker as one message.
   */
  #scheduleDispatch(): void {
    this.#lastActivity = performance.now();
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    // Few workers, and jobs by message are rare: no Set or Map per round.
    let batches: Map<Executor, [PendingJob, MessageJob][]> | undefined;
    const touched: Executor[] = [];
    while (this.#queue.length > 0) {
      if (this.#unstarted > 0) this.#startNext(true);
      const next = this.#next();
      if (!next) break;
      const [head, executor] = next;
      // A job that comes by message to an idle worker gets its input
      // transferred; jobs sent ahead get a copy, so the original can be
      // requeued if the worker must be replaced before it starts them.
      // Inputs in the ring are copies too; a shared input is neither.
      const idle = executor.inflight.size === 0;
      head.order = executor.posted++;
      executor.inflight.set(head.posted.seq, head);
      if (!touched.includes(executor)) touched.push(executor);
      this.#residency.hold(executor, head);
      const { seq, stdin } = head.posted;
      const template = this.#residency.template(executor, head);
      if (template !== undefined && stdin.byteLength <= SLOT_BYTES) {
        executor.ring.writeJob(seq, template, stdin);
        continue;
      }
      head.transferred = idle && !shared(stdin);
      executor.ring.writeJob(seq, -1);
      batches ??= new Map();
      const batch = batches.get(executor) ?? [];
      batch.push([
        head,
        template === undefined ? head.posted : { seq, template, stdin },
      ]);
      batches.set(executor, batch);
    }
    // A worker that gets a message drains its ring when it comes: waking it
    // through the ring as well would cost a second cross-thread wake. Spares
    // kept for it ride the same wake, in the jobs message if there is one.
    // A worker's priority follows the work it now holds at once, not at the
    // next patrol: one in the background that gets other work comes back
    // before that work waits behind the cores' other threads, and one given
    // only a flood's jobs goes there before it runs them.
    for (const executor of touched) {
      this.#background.prioritise(executor, Date.now());
      if (batches?.has(executor)) continue;
      if (executor.spares.length > 0) this.#postSpares(executor);
      else executor.ring.notifyWorker();
    }
    for (const [executor, batch] of batches ?? []) {
      const spares = this.#takeSpares(executor);
      this.#post(
        executor,
        { type: "jobs", jobs: batch.map(([, message]) => message), spares },
        [
          ...batch.flatMap(([job]) =>
            job.transferred ? [job.posted.stdin.buffer as ArrayBuffer] : []
          ),
          ...spares,
        ],
      );
    }
    this.#armWatchdog();
    this.#armNext();
  }

  /**
   * The next job that can go to a worker now, taken from the queue, with
   * its worker: lines are tried in turn, so a job no worker takes now (a
   * long one while only extra workers are free) lets the others pass.
   * Jobs whose caller's deadline passed meanwhile are settled on the way.
   */
  #next(): [PendingJob, Executor] | undefined {
    for (const head of this.#queue.heads()) {
      if ((head.posted.spec.deadline ?? Infinity) <= Date.now()) {
        // Its caller's deadline passed while it waited: nothing to run for.
        this.#queue.take(head);
        this.#settle(head, timedOut(head, head.posted.spec.deadline!));
        return this.#next();
      }
      const executor = this.#target(head);
      if (!executor) continue;
      this.#queue.take(head);
      return [head, executor];
    }
    return undefined;
  }

  /** Ends `executor`'s worker and frees the budget its unfinished outputs held. */
  #terminate(executor: Executor): void {
    clearTimeout(executor.idleTimer);
    executor.dead = true;
    executor.ring.wake();
    executor.worker.terminate();
    executor.fds.closeAfterExit();
    this.#budget?.release(executor.status[STATUS_RESERVED]);
    executor.status[STATUS_RESERVED] = 0;
  }

  #postSpares(executor: Executor): void {
    const buffers = this.#takeSpares(executor);
    this.#post(executor, { type: "spares", buffers }, buffers);
  }

  /** The spares kept for `executor`, which the caller posts to it. */
  #takeSpares(executor: Executor): ArrayBuffer[] {
    executor.spareBytes = 0;
    return executor.spares.splice(0);
  }

  #post(
    executor: Executor,
    message: ToWorker,
    transfer: ArrayBuffer[] = [],
  ): void {
    executor.worker.postMessage(message, transfer);
  }

  /**
   * An idle worker if there is one; otherwise, for a small input, the least
   * loaded worker with room in its pipeline (in jobs and in estimated
   * work, see `SEND_AHEAD_MS`). An idle worker that sleeps is passed over
   * for an awake one with little work ahead (`WAKE_WORTH_MS`). Extra
   * workers take short jobs only.
   */
  #target(job: PendingJob): Executor | undefined {
    let best: Executor | undefined;
    let bestAheadMs = 0;
    const cost = this.#workload.jobMs(job);
    let overtakes: boolean | undefined;
    const overtaking = () =>
      overtakes ??= this.#workload.overtakes(
        job.fn,
        this.#executors,
        Date.now(),
      );
    let asleep: Executor | undefined;
    for (const e of this.#executors) {
      if (!e.ring.canWrite()) continue;
      // Extra workers are there for jobs that overtake.
      if (e.extra && !overtaking()) continue;
      const load = this.#load(e);
      if (load === 0) {
        if (!e.ring.workerAsleep()) return e;
        asleep ??= e;
        continue;
      }
      if (load >= this.#depth) continue;
      const aheadMs = this.#workload.aheadMs(e);
      if (aheadMs + cost > SEND_AHEAD_MS) continue;
      // Not queued behind longer work when an extra worker can take it.
      if (!e.extra && overtaking() && this.#extraPossible()) continue;
      if (!best || load < this.#load(best)) {
        best = e;
        bestAheadMs = aheadMs;
      }
    }
    const input = job.posted.stdin;
    const sentAhead = input.byteLength <= SEND_AHEAD_MAX_BYTES ||
      shared(input);
    if (!asleep) return sentAhead ? best : undefined;
    return sentAhead && best && !best.ring.workerAsleep() &&
        bestAheadMs + cost <= WAKE_WORTH_MS
      ? best
      : asleep;
  }

  /** Jobs sent to `executor` that are not parked in a call. */
  #load(executor: Executor): number {
    let load = 0;
    for (const job of executor.inflight.values()) if (job.parked === 0) load++;
    return load;
  }

  #armWatchdog(): void {
    const busy = this.#all().some((e) => e.inflight.size > 0);
    if (busy && this.#watchdog === undefined) {
      this.#watchdog = setInterval(() => this.#patrol(), this.#watchdogMs);
    } else if (!busy && this.#watchdog !== undefined) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }

  #patrol(): void {
    this.#listenLate();
    const now = Date.now();
    for (const executor of this.#all()) {
      // A guest parked in a call past its deadline is unwound, not killed:
      // its worker runs other jobs meanwhile.
      for (const job of executor.inflight.values()) {
        if (
          job.parked > 0 && !job.cancelled &&
          job.deadline! <= now
        ) {
          executor.inflight.delete(job.posted.seq);
          this.#settle(job, timedOut(job, job.deadline!));
          this.#post(executor, { type: "cancel", seq: job.posted.seq });
        }
      }
      readCpu(executor);
      this.#background.prioritise(executor, now);
      // A guest on the CPU past its deadline, or cancelled and still there
      // after a grace to finish (or unwind), loses its worker: the jobs
      // behind it go elsewhere. The thread ends once the guest returns;
      // `Worker.terminate()` does not stop one that spins, which is why
      // nodes run only modules with interrupt checks.
      const seq = executor.status[STATUS_SEQ];
      if (seq === IDLE) continue;
      const job = executor.inflight.get(seq);
      if (job) noteStage(executor, job);
      const deadline = executor.status[STATUS_DEADLINE];
      if (
        job && (deadline <= now || job.cancelled) &&
        this.#interrupting(executor, job, now, deadline)
      ) {
        continue;
      }
      let givenUp = false;
      if (job?.cancelled) {
        job.cancelledOnCpu ??= now;
        givenUp = now - job.cancelledOnCpu >= CANCEL_GRACE_MS;
      }
      if (deadline > now && !givenUp) continue;
      if (job) {
        executor.inflight.delete(seq);
        this.#settle(job, timedOut(job, deadline));
      }
      this.#replace(executor, "executor worker restarted");
    }
    this.#overflow(now);
    this.#armWatchdog();
  }

  /**
   * Asks `job`, on `executor`'s CPU and overdue or cancelled, to stop, if
   * its module can be interrupted; says whether it is still given time to
   * (its result then settles it, its worker stays).
   */
  #interrupting(
    executor: Executor,
    job: PendingJob,
    now: number,
    deadline: number,
  ): boolean {
    if (!interruptible(stageOf(job).compiled.module)) return false;
    if (job.interruptedAt === undefined) {
      job.interruptedAt = now;
      job.deadline ??= deadline;
      executor.interrupt.request(jobTag(job.posted.seq));
    }
    return now - job.interruptedAt < INTERRUPT_GRACE_MS;
  }

  /**
   * Terminates `executor` and starts a fresh worker in its place. Jobs it
   * had not started yet go back to the front of the queue; one that was
   * mid-run (and not already settled) fails with `reason`.
   */
  #replace(executor: Executor, reason: string): void {
    this.#terminate(executor);
    // Results it wrote before it ended are good.
    this.#takeResults(executor);
    this.#starting.delete(executor);
    this.#restarts++;
    const startedCount = executor.status[STATUS_STARTED];
    const requeue: PendingJob[] = [];
    for (const job of executor.inflight.values()) {
      if (job.cancelled) continue;
      const started = job.order! < startedCount;
      if (started || job.transferred) {
        if (executor.status[STATUS_SEQ] === job.posted.seq) {
          noteStage(executor, job);
        }
        this.#settle(job, failedIn(job, { reason: "trap", message: reason }));
      } else {
        requeue.push(job);
      }
    }
    if (this.#closed) return;
    const index = this.#executors.indexOf(executor);
    // An extra worker that failed while starting had no place yet; an
    // ended one has none left.
    if (index >= 0) {
      const fresh = this.#spawn();
      fresh.extra = executor.extra;
      this.#executors[index] = fresh;
      this.#endWhenIdle(fresh);
    }
    this.#queue.unshift(requeue);
    this.#dispatch();
  }
}
