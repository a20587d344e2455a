/**
 * Per-function resource limits, their defaults and the most a manifest may
 * ask for.
 *
 * @module
 */

/**
 * What one invocation of a function may use.
 *
 * @example
 * ```ts
 * import type { Limits } from "./limits.ts";
 * const small: Limits = {
 *   maxMemoryBytes: 16 << 20, timeoutMs: 1000, maxInputBytes: 1 << 20,
 *   maxOutputBytes: 1 << 20, callDepth: 2,
 * };
 * ```
 */
export interface Limits {
  /** Linear memory cap; `memory.grow` past it fails. */
  maxMemoryBytes: number;
  /** Deadline of one invocation. */
  timeoutMs: number;
  /** Largest request body (stdin). */
  maxInputBytes: number;
  /** Largest stdout. */
  maxOutputBytes: number;
  /**
   * How deep a chain of guest calls (`eddy.call`) through this function
   * may go: an invocation's calls may reach depth `callDepth` counted from
   * the chain's first invocation (depth 0), the least limit along the
   * chain winning, across nodes too.
   */
  callDepth: number;
  /**
   * Invocations of this function in flight at once on a node; beyond it
   * an invocation is refused at once (503 `overloaded`, naming the
   * function) instead of queueing. Unset: no limit of its own.
   */
  concurrency?: number;
  /**
   * The longest an invocation of this function may wait for a worker: one
   * expected to wait longer is refused at once (503 `overloaded`, naming
   * the function), so that a function whose callers would rather retry
   * than wait answers fast under load, whatever the node's
   * `--max-queue-wait`. Unset: its timeout (and the node's bound) only.
   */
  maxQueueWaitMs?: number;
}

/**
 * Limits of a function whose manifest sets none: 128 MiB, 10 s, 64 MiB in,
 * 64 MiB out, calls 8 deep.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * console.log(DEFAULT_LIMITS.timeoutMs); // 10000
 * ```
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMemoryBytes: 128 * 1024 * 1024,
  timeoutMs: 10_000,
  maxInputBytes: 64 * 1024 * 1024,
  maxOutputBytes: 64 * 1024 * 1024,
  callDepth: 8,
});

/**
 * The largest value of each limit: 4 GiB is all a 32-bit memory can address
 * (and so all a guest can take in or hand out), an invocation running
 * longer than an hour is a job, not a function call, and each level of a
 * call chain holds a parked guest (its instance and memory) until the
 * chain unwinds, so chains stop at 64.
 *
 * @example
 * ```ts
 * import { LIMIT_MAXIMUMS } from "./limits.ts";
 * console.log(LIMIT_MAXIMUMS.timeoutMs); // 3600000
 * ```
 */
export const LIMIT_MAXIMUMS: Readonly<Required<Limits>> = Object.freeze({
  maxMemoryBytes: 4 * 1024 ** 3,
  timeoutMs: 3_600_000,
  maxInputBytes: 4 * 1024 ** 3,
  maxOutputBytes: 4 * 1024 ** 3,
  callDepth: 64,
  concurrency: 10_000,
  maxQueueWaitMs: 3_600_000,
});

/**
 * The manifest key (under `limits:`) of each limit, for messages that point
 * at what the user wrote.
 *
 * @example
 * ```ts
 * import { LIMIT_FIELDS } from "./limits.ts";
 * console.log(LIMIT_FIELDS.timeoutMs); // "timeout"
 * ```
 */
export const LIMIT_FIELDS: Readonly<Record<keyof Limits, string>> = Object
  .freeze({
    maxMemoryBytes: "memory",
    timeoutMs: "timeout",
    maxInputBytes: "maxInput",
    maxOutputBytes: "maxOutput",
    callDepth: "callDepth",
    concurrency: "concurrency",
    maxQueueWaitMs: "maxQueueWait",
  });
