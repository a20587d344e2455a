/**
 * Runs a guest once in the current isolate: fresh instance from a compiled
 * module, WASI host with in-memory stdio, classified outcome. Executor
 * workers call this per invocation; `eddy run` calls it with the terminal as
 * stdio.
 *
 * @module
 */
import {
  INTERRUPT_IMPORT,
  InterruptCell,
  interruptible,
} from "../module/interrupt.ts";
import { MEMORY_IMPORT, PAGE_BYTES } from "../module/memory.ts";
import { REFUSED_GROW_EXPORT } from "../module/grow_hook.ts";
import { resettable } from "../module/reset.ts";
import {
  type ByteSink,
  type ByteSource,
  importsPollOneoff,
  OutputBuffer,
  OutputLimitError,
  readsClocks,
  type Sleep,
  StateDeadline,
  WasiHost,
} from "../wasi/mod.ts";
import {
  failedRun,
  type JobFailure,
  type JobResult,
  type JobSpec,
} from "./job.ts";
import {
  type GuestCaller,
  GuestCalls,
  importsGuestCalls,
  type SuspendHooks,
} from "./guest_calls.ts";
import { TailBuffer } from "./tail_buffer.ts";
import { GuestKv } from "./guest_kv.ts";
import { prepareState, type RunState } from "./guest_state.ts";
import { OutputBudgetError } from "./budgeted_output.ts";
import { made, type WarmInstance } from "./warm_instances.ts";

/** How much of a guest's stderr is kept for results and error reports. */
export const STDERR_TAIL_BYTES = 4096;

/** Where a run's stdio goes, when not to in-memory buffers. */
export interface RunStdio {
  stdin?: Uint8Array | ByteSource;
  /**
   * Defaults to an in-memory buffer capped at `spec.maxOutputBytes`, which
   * the result's `stdout` takes. An {@linkcode OutputBuffer} given here is
   * the caller's: it keeps the output, the result's `stdout` is a view of
   * it (valid until it is written to, taken or cleared), and the caller
   * takes or clears it, e.g. after copying a small output where it goes.
   */
  stdout?: ByteSink;
  /** Defaults to a tail buffer of {@linkcode STDERR_TAIL_BYTES}. */
  stderr?: ByteSink;
}

/** What to run: a compiled module and, if it imports its memory, that memory. */
export interface Runnable {
  module: WebAssembly.Module;
  /** Supplied as {@link MEMORY_IMPORT} to a module compiled with a memory limit. */
  memory?: WebAssembly.Memory;
  /**
   * The executor's {@link InterruptCell} memory, supplied as
   * {@link INTERRUPT_IMPORT} to a module rewritten with interrupt checks;
   * without it such a module gets one nobody writes to.
   */
  interrupt?: WebAssembly.Memory;
  /**
   * An instance kept between runs (`memory` is its memory), for a module
   * that is `resettable` and whose runs finish synchronously: the run uses
   * it, or makes it at its first run, instead of a new instance.
   */
  warm?: WarmInstance;
}

/** The interrupt memory of runs that nobody can interrupt (`eddy run`). */
let unwatched: InterruptCell | undefined;

/**
 * Calls to other functions, for guests that import `eddy.call`, and waits,
 * for guests that import `poll_oneoff`.
 */
export interface RunCalls {
  /** Runs a call; without it calls answer "not available". */
  caller?: GuestCaller;
  /** Told when the guest parks for a call and when it resumes. */
  hooks?: SuspendHooks;
  /**
   * Waits on clocks without holding the thread (JSPI); without it a
   * guest's `poll_oneoff` blocks its thread while it waits.
   */
  sleeper?: Sleep;
}

/**
 * Whether runs of `module` under `spec` may use a warm instance (see
 * {@linkcode Runnable.warm}): the module is `resettable`, and its runs
 * finish before {@linkcode runGuest} returns (no calls, waits or state).
 *
 * @example
 * ```ts ignore
 * const warm = runsWarm(module, spec) ? warms.take(module, limits) : undefined;
 * ```
 */
export function runsWarm(module: WebAssembly.Module, spec: JobSpec): boolean {
  return !spec.state && resettable(module) && !importsGuestCalls(module) &&
    !importsPollOneoff(module);
}

/**
 * Instantiates `runnable.module` (with `runnable.memory` when it imports its
 * memory) and runs its `_start` with `spec`'s args, env and preopens. Never
 * throws for guest misbehaviour: a trap, a non-zero exit, an output
 * overflow or a memory cap hit come back as `failure`. A module that
 * imports `eddy.call`, or `poll_oneoff` when `calls.sleeper` is given,
 * resolves asynchronously (JSPI); any other finishes
 * before this returns, so callers on a hot path can skip the await with
 * {@linkcode runGuestSync}.
 *
 * @example
 * ```ts
 * import { runGuest } from "./run.ts";
 * const module = await WebAssembly.compile(await Deno.readFile("examples/echo/echo.wasm"));
 * const result = await runGuest({ module }, {
 *   fn: "echo", args: ["echo"], env: {}, preopens: [], timeoutMs: 1000,
 *   maxMemoryBytes: 1 << 26, maxOutputBytes: 1 << 20,
 * }, { stdin: new TextEncoder().encode("hi") });
 * console.log(new TextDecoder().decode(result.stdout)); // "hi"
 * ```
 */
export function runGuest(
  runnable: Runnable,
  spec: JobSpec,
  stdio: RunStdio = {},
  calls: RunCalls = {},
): JobResult | Promise<JobResult> {
  if (spec.state) {
    const started = performance.now();
    const deadline = Math.min(
      Date.now() + spec.timeoutMs,
      spec.deadline ?? Infinity,
    );
    return prepareState(spec.state, calls.hooks, deadline).then(
      (state) => {
        // The guest starts after an await: tell the executor it is back on
        // the CPU, so that its deadline is watched.
        calls.hooks?.resume();
        return new GuestRun(runnable, spec, stdio, calls, state).startAsync();
      },
      (error) =>
        failedRun({
          reason: "state_unavailable",
          message: `its state could not be opened: ${
            (error as Error).message ?? error
          }`,
        }, performance.now() - started),
    );
  }
  if (
    !importsGuestCalls(runnable.module) &&
    !(calls.sleeper && importsPollOneoff(runnable.module))
  ) {
    return runGuestSync(runnable, spec, stdio);
  }
  const run = new GuestRun(runnable, spec, stdio, calls);
  return run.startAsync();
}

/**
 * {@linkcode runGuest} for a module that does not import `eddy.call` (its
 * `poll_oneoff` blocks the thread while it waits).
 *
 * @example
 * ```ts ignore
 * const result = runGuestSync({ module, memory }, spec, { stdin });
 * ```
 */
export function runGuestSync(
  runnable: Runnable,
  spec: JobSpec,
  stdio: RunStdio = {},
): JobResult {
  return new GuestRun(runnable, spec, stdio, {}).start();
}

/** One run: its host, its outputs, and how its outcome is judged. */
class GuestRun {
  readonly #started = performance.now();
  readonly #spec: JobSpec;
  readonly #runnable: Runnable;
  readonly #stdout: ByteSink;
  /** Whether `#stdout` is the run's own buffer, whose bytes leave taken. */
  readonly #ownStdout: boolean;
  readonly #stderr: ByteSink;
  readonly #host: WasiHost;
  readonly #calls: GuestCalls | undefined;
  readonly #kv: GuestKv | undefined;
  readonly #state: RunState | undefined;
  #instance: WebAssembly.Instance | undefined;

  constructor(
    runnable: Runnable,
    spec: JobSpec,
    stdio: RunStdio,
    calls: RunCalls | undefined,
    state?: RunState,
  ) {
    this.#runnable = runnable;
    this.#state = state;
    this.#spec = spec;
    this.#ownStdout = stdio.stdout === undefined;
    this.#stdout = stdio.stdout ?? new OutputBuffer(spec.maxOutputBytes);
    this.#stderr = stdio.stderr ?? new TailBuffer(STDERR_TAIL_BYTES);
    this.#host = new WasiHost({
      args: spec.args,
      env: spec.env,
      preopens: state ? [...spec.preopens, ...state.preopens] : spec.preopens,
      kvSession: state?.session,
      // A sleep makes poll_oneoff suspend: only guests that import it pay.
      sleep: importsPollOneoff(runnable.module) ? calls?.sleeper : undefined,
      stdin: stdio.stdin,
      stdout: this.#stdout,
      stderr: this.#stderr,
      binding: runnable.warm?.binding,
      // A run never calls its instance again after `_start`.
      reuseImports: true,
      cpuClocksFromNow: readsClocks(runnable.module),
    });
    const host = this.#host;
    this.#calls = calls && importsGuestCalls(runnable.module)
      ? new GuestCalls(calls.caller, {
        // Other runs use the thread while this one waits for its call.
        suspend: () => {
          host.suspendCpu();
          calls.hooks?.suspend();
        },
        resume: () => {
          calls.hooks?.resume();
          host.resumeCpu();
        },
      })
      : undefined;
    // In a node (calls can be made) a function without `state:` has
    // declared no bucket; under `eddy run` state is not available at all.
    this.#kv = this.#calls
      ? new GuestKv(
        state?.buckets ?? (calls?.caller ? new Map() : undefined),
        state?.session,
      )
      : undefined;
  }

  start(): JobResult {
    try {
      return this.#finish(this.#host.start(this.#instantiate()));
    } catch (error) {
      return this.#finish(-1, error);
    }
  }

  async startAsync(): Promise<JobResult> {
    try {
      return this.#finish(await this.#host.startAsync(this.#instantiate()));
    } catch (error) {
      return this.#finish(-1, error);
    }
  }

  #instantiate(): WebAssembly.Instance {
    const { module, memory, interrupt, warm } = this.#runnable;
    if (warm?.instance) return this.#instance = warm.instance;
    let imports = this.#host.imports;
    if (memory) {
      const runtime: WebAssembly.ModuleImports = {
        [MEMORY_IMPORT.name]: memory,
      };
      if (interruptible(module)) {
        runtime[INTERRUPT_IMPORT.name] = interrupt ??
          (unwatched ??= new InterruptCell()).memory;
      }
      imports = { ...imports, [MEMORY_IMPORT.module]: runtime };
    }
    if (this.#calls) {
      imports = {
        ...imports,
        eddy: { ...this.#calls.imports.eddy, ...this.#kv!.imports },
      };
    }
    this.#instance = new WebAssembly.Instance(module, imports);
    if (warm) made(warm, this.#instance);
    const exported = this.#instance.exports.memory;
    if (this.#calls && exported instanceof WebAssembly.Memory) {
      this.#calls.bind(exported);
      this.#kv!.bind(exported);
    }
    return this.#instance;
  }

  #finish(exitCode: number, error?: unknown): JobResult {
    const spec = this.#spec;
    let failure: JobFailure | undefined = error === undefined
      ? undefined
      : classify(error, spec);
    if (!failure && exitCode !== 0) {
      failure = { reason: "exit", message: `exited with code ${exitCode}` };
    }
    const refused = refusedGrowPages(this.#instance);
    if (failure && refused > 0 && failure.reason !== "output_too_large") {
      failure = {
        reason: "memory_limit",
        message: `${failure.message} after growing its memory by ${
          formatMiB(refused * PAGE_BYTES)
        } was refused at its ${formatMiB(spec.maxMemoryBytes)} limit`,
      };
    }
    const stdout = this.#stdout;
    const stderr = this.#stderr;
    return {
      exitCode,
      stdout: stdout instanceof OutputBuffer
        // The run's own output leaves in a buffer of its own (the run's
        // buffer is reused); a caller's stays where the caller can copy it.
        ? this.#ownStdout ? stdout.take() : stdout.bytes()
        : new Uint8Array(),
      stderr: stderr instanceof TailBuffer ? stderr.text() : "",
      durationMs: performance.now() - this.#started,
      failure,
      ...(this.#calls?.trace.length ? { calls: this.#calls.trace } : {}),
      ...(this.#state
        ? {
          state: {
            reads: this.#state.session.reads,
            writes: this.#state.session.writes,
          },
        }
        : {}),
    };
  }
}

function classify(error: unknown, spec: JobSpec): JobFailure {
  if (error instanceof OutputLimitError) {
    return {
      reason: "output_too_large",
      message: `output exceeds its limit of ${spec.maxOutputBytes} bytes`,
    };
  }
  if (error instanceof OutputBudgetError) {
    return { reason: "memory_budget", message: error.message };
  }
  if (error instanceof StateDeadline) {
    return {
      reason: "timeout",
      message:
        `ran past its ${spec.timeoutMs} ms timeout (while it waited for a state write)`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: "trap", message: `trapped: ${message}` };
}

/**
 * Pages of the last `memory.grow` the guest was refused, 0 if none: a
 * module compiled with a memory limit records it (see `withGrowHook`).
 */
function refusedGrowPages(instance: WebAssembly.Instance | undefined): number {
  const refused = instance?.exports[REFUSED_GROW_EXPORT];
  return refused instanceof WebAssembly.Global ? refused.value >>> 0 : 0;
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 1048576 * 10) / 10} MiB`;
}
