/**
 * What an invocation takes and gives, shared by the node and the parts it
 * hands its `invoke` to (peers' handler, workflows).
 *
 * @module
 */
import type { CallTrace, JobSignal } from "../runtime/executor/mod.ts";
import type { Reservation } from "../runtime/memory_budget.ts";

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
