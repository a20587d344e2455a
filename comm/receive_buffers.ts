/**
 * Recycled receive buffers for unix frames. A payload read into a fresh
 * buffer pays its page faults (a raw Unix socket moves 1 MB there and back
 * in 1.57 ms into reused buffers and 2.92 ms into fresh ones on a 2-core
 * VM); one read into a buffer that served an earlier payload of the same
 * size does not.
 *
 * The buffers are shared (`SharedArrayBuffer`): a payload that becomes a
 * guest's input reaches the executor worker without being moved off this
 * isolate, so it can come back once the run has read it. An `ArrayBuffer`
 * would be transferred to the worker, and then freed there: every payload
 * paid fresh pages (unix-mode 1 MiB chains: 158–172 → 260–275/s).
 *
 * @module
 */

/** Payload sizes remembered as wanted before the memory starts over. */
const MAX_SIZES = 1024;

/** Options of {@linkcode ReceiveBuffers}. */
export interface ReceiveBuffersOptions {
  /** Idle buffers kept, in bytes over all of them (default 32 MiB). */
  maxIdleBytes?: number;
  /** Idle buffers kept per size (default 4). */
  maxPerSize?: number;
  /** Payloads smaller than this are allocated as usual (default 64 KiB). */
  minBytes?: number;
}

/**
 * Payload buffers of exact sizes, handed out by `take` (a FrameReader's
 * `allocate`) and taken back by `give` from whoever owns a payload and is
 * done with it. Payloads of at least `minBytes` get a whole
 * `SharedArrayBuffer` of exactly their size (smaller ones a plain buffer,
 * never kept). Only give back what nothing references any more: a buffer
 * given back is overwritten by the next payload of its size.
 *
 * @example
 * ```ts
 * import { ReceiveBuffers } from "./receive_buffers.ts";
 * const buffers = new ReceiveBuffers();
 * const first = buffers.take(1 << 20);
 * buffers.give(first);
 * console.log(buffers.take(1 << 20) === first); // true
 * ```
 */
export class ReceiveBuffers {
  readonly #idle = new Map<number, Uint8Array<SharedArrayBuffer>[]>();
  /** Buffers `take` handed out: only those are taken back. */
  readonly #ours = new WeakSet<SharedArrayBuffer>();
  /** Sizes read into before: only those are kept, so unused buffers are not. */
  readonly #asked = new Set<number>();
  readonly #maxIdleBytes: number;
  readonly #maxPerSize: number;
  readonly #minBytes: number;
  #idleBytes = 0;

  constructor(options: ReceiveBuffersOptions = {}) {
    this.#maxIdleBytes = options.maxIdleBytes ?? 32 << 20;
    this.#maxPerSize = options.maxPerSize ?? 4;
    this.#minBytes = options.minBytes ?? 64 << 10;
  }

  /** Bytes held by idle buffers. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /** A buffer of exactly `bytes` bytes: a recycled one when there is one. */
  readonly take = (bytes: number): Uint8Array => {
    if (bytes < this.#minBytes) return new Uint8Array(bytes);
    if (this.#asked.size >= MAX_SIZES) this.#asked.clear();
    this.#asked.add(bytes);
    const recycled = this.#idle.get(bytes)?.pop();
    if (recycled) {
      this.#idleBytes -= bytes;
      return recycled;
    }
    const buffer = new SharedArrayBuffer(bytes);
    this.#ours.add(buffer);
    return new Uint8Array(buffer);
  };

  /**
   * Takes back a payload nothing references any more; `false` when it is
   * not kept (not a whole buffer `take` handed out, of a size no payload
   * was read into lately, or over the idle budget).
   */
  readonly give = (payload: Uint8Array): boolean => {
    const buffer = payload.buffer;
    const bytes = payload.byteLength;
    if (
      !(buffer instanceof SharedArrayBuffer) || !this.#ours.has(buffer) ||
      !this.#asked.has(bytes) || payload.byteOffset !== 0 ||
      buffer.byteLength !== bytes ||
      this.#idleBytes + bytes > this.#maxIdleBytes
    ) {
      return false;
    }
    let idle = this.#idle.get(bytes);
    if (!idle) this.#idle.set(bytes, idle = []);
    // Given back twice, a buffer would be handed out twice: refuse.
    if (
      idle.length >= this.#maxPerSize || idle.some((b) => b.buffer === buffer)
    ) {
      return false;
    }
    idle.push(payload as Uint8Array<SharedArrayBuffer>);
    this.#idleBytes += bytes;
    return true;
  };
}
