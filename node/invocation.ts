/**
 * What an invocation takes and gives, shared by the node and the parts it
 * hands its `invoke` to (peers' handler, workflows).
 *
 * @module
 */
import type { CallTrace, JobSignal } from "../runtime/executor/mod.ts";
import type { Reservation } from "../runtime/memory_budget.ts";
import {
  type ErrorDetails,
  InvocationError,
  type InvocationFailure,
} from "../runtime/errors.ts";

/** Per-invocation options of a node's `invoke`. */
export interface InvokeOptions {
  /** Appended to the function's argv after the args it was deployed with. */
  args?: string[];
  /**
   * Cancels the invocation (its client or caller went away): queued, it is
   * dropped; running, it is stopped, and so is every call it made. A
   * function is asked for the signal only if the invocation is still out
   * after a few milliseconds (see {@linkcode JobSignal}).
   */
  signal?: JobSignal;
  /**
   * Takes over the budget the output holds, to release once it is sent;
   * without it the output is released from the budget on return.
   */
  reservation?: Reservation;
  /** Set when another invocation called this one (`eddy.call`). */
  chain?: CallChain;
}

/** Where an invocation stands in a chain of guest calls. */
export interface CallChain {
  /** Calls above it: 1 for a function a first invocation called. */
  depth: number;
  /** The deepest the chain may go (the least `callDepth` along it). */
  maxDepth: number;
  /** The caller's deadline (epoch ms): the callee ends by it. */
  deadline: number;
}

/** A successful invocation. */
export interface Invocation {
  fn: string;
  stdout: Uint8Array<ArrayBuffer>;
  stderr: string;
  exitCode: number;
  durationMs: number;
  /** Calls the guest made to other functions. */
  calls?: CallTrace[];
}

/** Runs a function on this node; the node's `invoke`. */
export type Invoke = (
  name: string,
  input: Uint8Array,
  options?: InvokeOptions,
) => Promise<Invocation>;

/** One function of a pair: its name and the args after its deployed ones. */
export interface PairedFunction {
  name: string;
  args?: string[];
}

/** What a pair's first function did; its output went on to the second. */
export interface LeadInvocation {
  fn: string;
  durationMs: number;
  outputBytes: number;
  stderr: string;
  calls?: CallTrace[];
}

/** A successful pair: the first function, and the second's invocation. */
export interface PairedInvocation {
  lead: LeadInvocation;
  follower: Invocation;
}

/** Per-invocation options of a pair: those of its first function. */
export type PairOptions = Pick<InvokeOptions, "signal" | "reservation">;

/** Runs a pair of functions on this node; the node's `invokePair`. */
export type InvokePair = (
  lead: PairedFunction,
  follower: PairedFunction,
  input: Uint8Array,
  options?: PairOptions,
) => Promise<PairedInvocation>;

/**
 * A pair's failure, as the failing function's {@linkcode InvocationError},
 * with which of the two it was: `stage` 0 for the first (the second never
 * ran), 1 for the second.
 *
 * @example
 * ```ts
 * import { PairStageError } from "./invocation.ts";
 * const error = new PairStageError(1, "sink", "exit", "exited with code 1");
 * console.log(error.stage, error.code, error.details.function); // 1 exit sink
 * ```
 */
export class PairStageError extends InvocationError {
  readonly stage: 0 | 1;
  constructor(
    stage: 0 | 1,
    fn: string,
    reason: InvocationFailure,
    message: string,
    extra: { stderr?: string; exitCode?: number } & ErrorDetails = {},
  ) {
    super(fn, reason, message, extra);
    this.stage = stage;
  }
}
