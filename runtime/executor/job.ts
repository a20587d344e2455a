/**
 * What an executor is asked to run and what it answers: plain data that
 * crosses the main isolate ↔ worker boundary.
 *
 * @module
 */
import type { InvocationFailure } from "../errors.ts";
import type { Preopen } from "../wasi/mod.ts";
import type { CallTrace } from "./guest_calls.ts";
import type { JobState } from "./guest_state.ts";

/** The per-invocation settings of a guest run (from its deployment). */
export interface JobSpec {
  /** Function name, used in errors and metrics. */
  fn: string;
  /** argv; `args[0]` is the program name. */
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  /** State buckets it declares and the store they live in. */
  state?: JobState;
  /** Deadline for the run, in milliseconds. */
  timeoutMs: number;
  /**
   * A deadline inherited from a caller (epoch ms): the run ends at the
   * earlier of this and `timeoutMs` after it starts.
   */
  deadline?: number;
  /** Its place in a chain of guest calls: 0 (or unset) for a first invocation. */
  depth?: number;
  /** The deepest its calls may reach; unset, it may make none. */
  maxDepth?: number;
  /** The memory cap the module was compiled with (bytes), for reporting. */
  maxMemoryBytes: number;
  /** stdout bytes beyond this fail the invocation (`output_too_large`). */
  maxOutputBytes: number;
  /**
   * Its function's `limits.maxQueueWait`: expected to wait longer for a
   * worker, the job is refused (`overloaded`).
   */
  maxQueueWaitMs?: number;
}

/**
 * A later stage of a grouped job: a function run in the same worker after
 * the stages before it, with the outputs of the stages it reads (`from`) as
 * its stdin (the design's first communication mode: the bytes go from the
 * producer's output straight into the consumer's memory, with no message
 * between isolates). A job with one such stage is a pair.
 *
 * @example
 * ```ts
 * import type { FollowerJob } from "./job.ts";
 * const then: FollowerJob = {
 *   moduleKey: "sha256:…@67108864",
 *   spec: {
 *     fn: "sink", args: ["sink"], env: {}, preopens: [], timeoutMs: 1000,
 *     maxMemoryBytes: 1 << 26, maxOutputBytes: 1 << 20,
 *   },
 *   maxInputBytes: 1 << 20,
 * };
 * ```
 */
export interface FollowerJob {
  /** How workers know its compiled module. */
  moduleKey: string;
  spec: JobSpec;
  /** An input past this fails the stage (`input_too_large`). */
  maxInputBytes: number;
  /**
   * The earlier stages (0 is the job's first) whose outputs, joined in this
   * order, are its input; unset, the stage just before it.
   */
  from?: number[];
}

/**
 * What an earlier stage of a grouped job did: it succeeded, and its output
 * went on to later stages, so only its size is told.
 *
 * @example
 * ```ts
 * import type { StageOutcome } from "./job.ts";
 * const first: StageOutcome = { durationMs: 0.3, outputBytes: 1048576, stderr: "" };
 * ```
 */
export interface StageOutcome {
  durationMs: number;
  outputBytes: number;
  /** The tail of its stderr. */
  stderr: string;
  calls?: CallTrace[];
  state?: { reads: number; writes: number };
}

/**
 * What cancels a job: a signal, or a function that gives one when first
 * asked. The pool asks only once the job has been out two watchdog rounds
 * (5-10 ms by default), so that a signal that costs something to make
 * costs short jobs nothing: an HTTP request's `signal` makes Deno arm an
 * async operation and an abort event per request (about a tenth of the
 * node's thread per 1 KB echo, measured). A cancel before then takes
 * effect at that round.
 *
 * @example
 * ```ts
 * import type { JobSignal } from "./job.ts";
 * const request = new Request("http://127.0.0.1/invoke/echo");
 * const late: JobSignal = () => request.signal;
 * console.log(typeof late); // function
 * ```
 */
export type JobSignal = AbortSignal | (() => AbortSignal);

/** Why a run failed, if it did. */
export interface JobFailure {
  reason: InvocationFailure;
  message: string;
}

/**
 * The outcome of one guest run.
 *
 * @example
 * ```ts
 * import type { JobResult } from "./job.ts";
 * const ok: JobResult = { exitCode: 0, stdout: new Uint8Array(), stderr: "", durationMs: 0.05 };
 * ```
 */
export interface JobResult {
  exitCode: number;
  stdout: Uint8Array<ArrayBuffer>;
  /** The tail of the guest's stderr (its log), decoded as UTF-8. */
  stderr: string;
  durationMs: number;
  /** Present when the run failed; `exitCode` is then -1 unless it exited. */
  failure?: JobFailure;
  /** The calls the guest made to other functions, in order. */
  calls?: CallTrace[];
  /** State reads and writes the guest made (files and `kv_*`). */
  state?: { reads: number; writes: number };
  /**
   * Bytes of the node's memory budget `stdout` holds (an executor worker
   * reserved them as it grew); whoever receives the result releases them.
   */
  reserved?: number;
  /**
   * The stage of a grouped job (see {@linkcode FollowerJob}) this is the
   * result of, when not the first: the last one, or the one that failed
   * (the later ones never ran).
   */
  stage?: number;
  /**
   * The stages before `stage`, in order, all of which succeeded (set by
   * the worker; missing when the pool ended the job itself).
   */
  earlier?: StageOutcome[];
}

/**
 * The failure of an input of `bytes` over its function's `limit`.
 *
 * @example
 * ```ts
 * import { inputTooLargeFailure } from "./job.ts";
 * console.log(inputTooLargeFailure(2048, 1024).message);
 * // "input of 2048 bytes exceeds its limit of 1024 bytes"
 * ```
 */
export function inputTooLargeFailure(bytes: number, limit: number): JobFailure {
  return {
    reason: "input_too_large",
    message: `input of ${bytes} bytes exceeds its limit of ${limit} bytes`,
  };
}

/**
 * The result of a run that failed with `failure` before it could give
 * anything (its output, if any, freed), after `durationMs`.
 *
 * @example
 * ```ts
 * import { failedRun } from "./job.ts";
 * const result = failedRun({ reason: "trap", message: "executor worker restarted" });
 * console.log(result.exitCode, result.stdout.byteLength); // -1 0
 * ```
 */
export function failedRun(failure: JobFailure, durationMs = 0): JobResult {
  return {
    exitCode: -1,
    stdout: new Uint8Array(),
    stderr: "",
    durationMs,
    failure,
  };
}

/**
 * The failure of a run stopped at `deadline` (epoch ms): its own timeout,
 * or the deadline it inherited from its caller.
 *
 * @example
 * ```ts
 * import { timeoutFailure } from "./job.ts";
 * const failure = timeoutFailure({ timeoutMs: 200 }, Date.now());
 * console.log(failure.message); // "ran past its 200 ms timeout"
 * ```
 */
export function timeoutFailure(
  spec: Pick<JobSpec, "timeoutMs" | "deadline">,
  deadline: number,
): JobFailure {
  return {
    reason: "timeout",
    message: deadline === spec.deadline
      ? `ran past the deadline it inherited from its caller (its own timeout is ${spec.timeoutMs} ms)`
      : `ran past its ${spec.timeoutMs} ms timeout`,
  };
}
