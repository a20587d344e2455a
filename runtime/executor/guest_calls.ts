/**
 * The `eddy` host imports: a guest calls another function by name and gets
 * its output (CWASI's `func_connect`, Spin's service chaining). The call is
 * a JSPI `Suspending` import: the guest sees a plain synchronous call while
 * its stack is parked and the worker goes on with other work.
 *
 * ABI (all i32):
 * - `call(name_ptr, name_len, input_ptr, input_len, out_len_ptr) -> status`
 *   calls function `name` with the input bytes and writes the length of
 *   its output at `out_len_ptr`. Status: 0 ok, 1 no such function,
 *   2 the function failed (the output is the JSON error), 3 the node that
 *   runs it could not be reached in time, 4 calls are not available here,
 *   5 refused: the call chain would go deeper than its `callDepth` limit
 *   (the output is the JSON error naming the function and the depth),
 *   21 (EFAULT) a pointer outside memory.
 * - `result(buf_ptr, buf_len) -> n` copies the first `n` (≤ `buf_len`)
 *   bytes of the last call's output to `buf_ptr`; -21 for a bad pointer.
 *
 * @module
 */
import { jspi } from "../jspi.ts";

/** What a call answered. */
export interface CallReply {
  /**
   * HTTP-like: 200 ok, 404 no such function, 502/504 unreachable, 508 too
   * deep, else failed.
   */
  status: number;
  payload: Uint8Array;
  /** The node that ran it and how the bytes travelled, for the trace. */
  node?: string;
  mode?: string;
  /** Why it failed or was refused, for the trace. */
  error?: string;
}

/**
 * Rejecting a call with this unwinds the guest instead of answering it: its
 * invocation was given up (it ran past its deadline while parked).
 */
export class CallCancelled extends Error {
  constructor() {
    super("the invocation was cancelled while it waited for a call");
    this.name = "CallCancelled";
  }
}

/**
 * The invocation that made a call, as the node needs it to run the call:
 * where it is in its chain, when it must end, and a signal that aborts
 * when it ends, so that what it started ends with it.
 */
export interface CallOrigin {
  /** The calling function. */
  fn: string;
  /** The caller's depth in its chain (0 for a first invocation). */
  depth: number;
  /** The deepest the chain may go. */
  maxDepth: number;
  /** The caller's deadline (epoch ms); its callees inherit it. */
  deadline: number;
  /** Aborts when the caller ends (done, failed, timed out, cancelled). */
  signal: AbortSignal;
}

/**
 * Runs a call a guest made. `input` is the caller's own: a copy of the
 * guest's bytes in a buffer of exactly their size, so it may be transferred.
 */
export type GuestCaller = (fn: string, input: Uint8Array) => Promise<CallReply>;

/** One call a guest made, as the invocation's trace shows it. */
export interface CallTrace {
  fn: string;
  status: number;
  node?: string;
  mode?: string;
  bytesIn: number;
  bytesOut: number;
  ms: number;
  /** Why it failed or was refused. */
  error?: string;
}

/** Status codes `eddy.call` returns. */
export const CALL_STATUS = {
  ok: 0,
  notFound: 1,
  failed: 2,
  unreachable: 3,
  unavailable: 4,
  tooDeep: 5,
  fault: 21,
} as const;

/** Hooks around a suspension, so the executor knows the guest is off-CPU. */
export interface SuspendHooks {
  suspend(): void;
  resume(): void;
}

const decoder = new TextDecoder();

/**
 * The `eddy` imports of one guest run.
 *
 * @example
 * ```ts ignore
 * const calls = new GuestCalls(async (fn, input) => ({ status: 200, payload: input }));
 * const instance = new WebAssembly.Instance(module, { ...wasi.imports, ...calls.imports });
 * calls.bind(instance.exports.memory as WebAssembly.Memory);
 * ```
 */
export class GuestCalls {
  readonly imports: WebAssembly.Imports;
  readonly trace: CallTrace[] = [];
  #memory: WebAssembly.Memory | undefined;
  #last: Uint8Array = new Uint8Array();

  constructor(caller: GuestCaller | undefined, hooks?: SuspendHooks) {
    const call = async (
      namePtr: number,
      nameLen: number,
      inputPtr: number,
      inputLen: number,
      outLenPtr: number,
    ): Promise<number> => {
      const name = this.#read(namePtr, nameLen);
      const input = this.#read(inputPtr, inputLen);
      if (!name || !input || !this.#fits(outLenPtr, 4)) {
        return CALL_STATUS.fault;
      }
      if (!caller) {
        this.#last = new TextEncoder().encode(
          "calls to other functions are not available here",
        );
        this.#writeLength(outLenPtr);
        return CALL_STATUS.unavailable;
      }
      const fn = decoder.decode(name);
      const started = performance.now();
      hooks?.suspend();
      let reply: CallReply;
      try {
        reply = await caller(fn, input.slice());
      } catch (error) {
        if (error instanceof CallCancelled) throw error;
        reply = {
          status: 502,
          payload: new TextEncoder().encode(
            String((error as Error).message ?? error),
          ),
        };
      } finally {
        hooks?.resume();
      }
      this.trace.push({
        fn,
        status: reply.status,
        node: reply.node,
        mode: reply.mode,
        bytesIn: inputLen,
        bytesOut: reply.payload.byteLength,
        ms: performance.now() - started,
        ...(reply.error ? { error: reply.error } : {}),
      });
      this.#last = reply.payload;
      // The guest may have grown memory meanwhile: check again.
      if (!this.#fits(outLenPtr, 4)) return CALL_STATUS.fault;
      this.#writeLength(outLenPtr);
      return statusOf(reply.status);
    };
    const result = (bufPtr: number, bufLen: number): number => {
      const n = Math.min(this.#last.byteLength, bufLen >>> 0);
      if (!this.#fits(bufPtr, n)) return -CALL_STATUS.fault;
      new Uint8Array(this.#memory!.buffer, bufPtr >>> 0, n).set(
        this.#last.subarray(0, n),
      );
      return n;
    };
    this.imports = { eddy: { call: new jspi.Suspending(call), result } };
  }

  /** Binds the guest's memory; call after instantiation. */
  bind(memory: WebAssembly.Memory): void {
    this.#memory = memory;
  }

  #fits(ptr: number, len: number): boolean {
    return this.#memory !== undefined &&
      (ptr >>> 0) + (len >>> 0) <= this.#memory.buffer.byteLength;
  }

  #read(ptr: number, len: number): Uint8Array | undefined {
    if (!this.#fits(ptr, len)) return undefined;
    return new Uint8Array(this.#memory!.buffer, ptr >>> 0, len >>> 0);
  }

  #writeLength(ptr: number): void {
    new DataView(this.#memory!.buffer).setUint32(
      ptr >>> 0,
      this.#last.byteLength,
      true,
    );
  }
}

function statusOf(http: number): number {
  if (http >= 200 && http < 300) return CALL_STATUS.ok;
  if (http === 404) return CALL_STATUS.notFound;
  if (http === 502 || http === 504) return CALL_STATUS.unreachable;
  if (http === 508) return CALL_STATUS.tooDeep;
  return CALL_STATUS.failed;
}

/**
 * Whether `module` imports `eddy.call`, and so must run through JSPI.
 *
 * @example
 * ```ts ignore
 * if (importsGuestCalls(module)) await host.startAsync(instance);
 * ```
 */
export function importsGuestCalls(module: WebAssembly.Module): boolean {
  let known = callers.get(module);
  if (known === undefined) {
    known = WebAssembly.Module.imports(module).some((i) => i.module === "eddy");
    callers.set(module, known);
  }
  return known;
}

const callers = new WeakMap<WebAssembly.Module, boolean>();
