/**
 * Recycled guest memories. A fresh wasm memory costs 130–200 µs of page
 * faults on small VMs; a recycled one, zeroed when it is given back, costs
 * a `fill(0)` of its size. Modules compiled with a memory limit import
 * their memory (see `withImportedMemory`), so each run can take one from
 * here. A memory the guest grew is recycled too: a memory cannot shrink,
 * but an imported memory may be larger than the module's minimum, and a
 * guest that grew its memory in one run (examples/sha256 grows from 17 to
 * 18 pages on every input) will likely grow it again in the next.
 *
 * @module
 */
import type { MemoryLimits } from "../module/mod.ts";

/** Options of {@linkcode MemoryPool}. */
export interface MemoryPoolOptions {
  /** Idle memories kept, in bytes over all of them (default 64 MiB). */
  maxIdleBytes?: number;
  /** Idle memories kept per (initial, maximum) shape (default 2). */
  maxIdlePerShape?: number;
}

/**
 * Hands out zeroed memories of a given shape, recycling returned ones.
 *
 * @example
 * ```ts
 * import { MemoryPool } from "./memory_pool.ts";
 * const pool = new MemoryPool();
 * const limits = { initialPages: 2, maxPages: 16 };
 * const memory = pool.acquire(limits);
 * new Uint8Array(memory.buffer)[0] = 42;
 * pool.release(memory, limits);
 * console.log(new Uint8Array(pool.acquire(limits).buffer)[0]); // 0
 * ```
 */
export class MemoryPool {
  readonly #idle = new Map<string, WebAssembly.Memory[]>();
  readonly #maxIdleBytes: number;
  readonly #maxPerShape: number;
  #idleBytes = 0;

  constructor(options: MemoryPoolOptions = {}) {
    this.#maxIdleBytes = options.maxIdleBytes ?? 64 << 20;
    this.#maxPerShape = options.maxIdlePerShape ?? 2;
  }

  /** Bytes held by idle memories. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /**
   * A zeroed memory of at least `limits.initialPages` (more when a guest
   * grew it in an earlier run) that can grow to `limits.maxPages`.
   */
  acquire(limits: Required<MemoryLimits>): WebAssembly.Memory {
    const recycled = this.#idle.get(shape(limits))?.pop();
    if (recycled) {
      this.#idleBytes -= recycled.buffer.byteLength;
      return recycled;
    }
    return new WebAssembly.Memory({
      initial: limits.initialPages,
      maximum: limits.maxPages,
    });
  }

  /**
   * Takes back a memory after its run, grown or not. It is zeroed now, so
   * no guest data lingers, and kept only if the idle budget allows.
   */
  release(memory: WebAssembly.Memory, limits: Required<MemoryLimits>): void {
    const bytes = memory.buffer.byteLength;
    if (this.#idleBytes + bytes > this.#maxIdleBytes) return;
    const key = shape(limits);
    let idle = this.#idle.get(key);
    if (!idle) this.#idle.set(key, idle = []);
    if (idle.length >= this.#maxPerShape) return;
    new Uint8Array(memory.buffer).fill(0);
    idle.push(memory);
    this.#idleBytes += bytes;
  }
}

function shape(limits: Required<MemoryLimits>): string {
  return `${limits.initialPages}:${limits.maxPages}`;
}
