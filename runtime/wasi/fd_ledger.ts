/**
 * A ledger of the host file descriptors an isolate holds for guests, in
 * shared memory, so that another isolate can close them once that one is
 * gone.
 *
 * Why: mounts are served from descriptors opened through libc (FFI), which
 * Deno does not know about. When an executor worker is terminated (a guest
 * past its deadline), its isolate ends without running any cleanup, and its
 * descriptors would stay open in the process for good: a guest that opens
 * many files and spins could exhaust the node's descriptors in a few runs.
 * The pool gives each worker a ledger and closes what it lists after the
 * worker has been terminated.
 *
 * The worker is the only writer while it lives; a descriptor is listed
 * after it is opened and unlisted before it is closed, so the ledger never
 * names a descriptor the worker has closed (at worst one open in the
 * instant of termination is missed).
 *
 * @module
 */

import { libc } from "./_libc.ts";

/** Descriptors one isolate may hold at once (each guest holds at most 1024). */
const SLOTS = 16_384;
/** How long after terminate() the worker is surely stopped (it stops at its next interrupt check). */
const AFTER_EXIT_MS = 1000;

/**
 * The shared table: one slot per open descriptor, holding `fd + 1` (0 is
 * free).
 *
 * @example
 * ```ts
 * import { HostFdLedger } from "./fd_ledger.ts";
 * const ledger = new HostFdLedger();
 * // worker.postMessage({ type: "fdLedger", buffer: ledger.buffer });
 * // ... after worker.terminate():
 * ledger.closeAfterExit();
 * ```
 */
export class HostFdLedger {
  /** The shared memory to hand to the worker. */
  readonly buffer: SharedArrayBuffer;
  readonly #slots: Int32Array;

  constructor(buffer = new SharedArrayBuffer(SLOTS * 4)) {
    this.buffer = buffer;
    this.#slots = new Int32Array(buffer);
  }

  /** Descriptors listed now. */
  listed(): number[] {
    const fds: number[] = [];
    for (let i = 0; i < this.#slots.length; i++) {
      const value = Atomics.load(this.#slots, i);
      if (value !== 0) fds.push(value - 1);
    }
    return fds;
  }

  /**
   * Closes every listed descriptor, once the terminated worker that held
   * them has surely stopped running. Call it after `worker.terminate()`.
   */
  closeAfterExit(): void {
    if (this.listed().length === 0) return;
    Deno.unrefTimer(setTimeout(() => this.closeNow(), AFTER_EXIT_MS));
  }

  /** Closes every listed descriptor now (its holder must be gone) and clears the ledger. */
  closeNow(): void {
    const fds = this.listed();
    if (fds.length === 0) return;
    const lib = libc();
    for (const fd of fds) lib.close(fd);
    this.#slots.fill(0);
  }
}

/** This isolate's ledger, when its owner gave it one. */
let mine:
  | { slots: Int32Array; free: number[]; at: Map<number, number> }
  | undefined;

/**
 * Lists this isolate's host descriptors in `buffer` from now on (an
 * executor worker calls it with the buffer its pool made).
 *
 * @example
 * ```ts
 * import { adoptFdLedger, HostFdLedger } from "./fd_ledger.ts";
 * adoptFdLedger(new HostFdLedger().buffer);
 * ```
 */
export function adoptFdLedger(buffer: SharedArrayBuffer): void {
  const slots = new Int32Array(buffer);
  const free: number[] = [];
  for (let i = slots.length - 1; i >= 0; i--) free.push(i);
  mine = { slots, free, at: new Map() };
}

/**
 * Lists `fd`; false when the ledger is full (the caller closes it and
 * answers EMFILE). Always true without a ledger.
 *
 * @example
 * ```ts
 * import { listFd } from "./fd_ledger.ts";
 * console.log(listFd(7)); // true
 * ```
 */
export function listFd(fd: number): boolean {
  if (mine === undefined) return true;
  const slot = mine.free.pop();
  if (slot === undefined) return false;
  Atomics.store(mine.slots, slot, fd + 1);
  mine.at.set(fd, slot);
  return true;
}

/**
 * Unlists `fd` (before it is closed).
 *
 * @example
 * ```ts
 * import { listFd, unlistFd } from "./fd_ledger.ts";
 * listFd(7);
 * unlistFd(7);
 * ```
 */
export function unlistFd(fd: number): void {
  if (mine === undefined) return;
  const slot = mine.at.get(fd);
  if (slot === undefined) return;
  mine.at.delete(fd);
  Atomics.store(mine.slots, slot, 0);
  mine.free.push(slot);
}
