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

/**
 * One function of a group: its name, the args after its deployed ones, and
 * (for a later one) the earlier functions of the group whose outputs,
 * joined in this order, are its input (unset: the one just before it).
 */
export interface GroupedFunction {
  name: string;
  args?: string[];
  from?: number[];
}

/** What an earlier function of a group did; its output went on in the group. */
export interface StageInvocation {
  fn: string;
  durationMs: number;
  outputBytes: number;
  stderr: string;
  calls?: CallTrace[];
}

/**
 * A successful group: what each function before the last did, in order,
 * and the last one's invocation.
 */
export interface GroupedInvocation {
  earlier: StageInvocation[];
  last: Invocation;
}

/** Per-invocation options of a group: those of its first function. */
export type GroupOptions = Pick<InvokeOptions, "signal" | "reservation">;

/** Runs a group of functions in one worker; the node's `invokeGroup`. */
export type InvokeGroup = (
  fns: GroupedFunction[],
  input: Uint8Array,
  options?: GroupOptions,
) => Promise<GroupedInvocation>;

/**
 * A group's failure, as the failing function's {@linkcode InvocationError},
 * with its place in the group: `stage` 0 for the first (no other ran), and
 * so on (the later ones never ran).
 *
 * @example
 * ```ts
 * import { StageError } from "./invocation.ts";
 * const error = new StageError(1, "sink", "exit", "exited with code 1");
 * console.log(error.stage, error.code, error.details.function); // 1 exit sink
 * ```
 */
export class StageError extends InvocationError {
  readonly stage: number;
  constructor(
    stage: number,
    fn: string,
    reason: InvocationFailure,
    message: string,
    extra: { stderr?: string; exitCode?: number } & ErrorDetails = {},
  ) {
    super(fn, reason, message, extra);
    this.stage = stage;
  }
}
