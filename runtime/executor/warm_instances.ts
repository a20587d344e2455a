/**
 * Instances kept between runs, each put back to its state at instantiation
 * after every run (see `runtime/module/reset.ts`), so that a run of a
 * resettable module starts from what a new instance would hold without
 * making one. A worker keeps at most one idle instance per module, within a
 * budget of the memory they hold; past it the least recently used goes, its
 * memory back to the pool.
 *
 * @module
 */
import type { MemoryLimits } from "../module/memory.ts";
import { InitialState } from "../module/reset.ts";
import { type WasiBinding, wasiBinding } from "../wasi/mod.ts";
import type { MemoryPool } from "./memory_pool.ts";

/** One instance of a module with the memory and imports it is bound to. */
export interface WarmInstance {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** The shape `memory` came from the pool as, and goes back as. */
  readonly limits: Required<MemoryLimits>;
  /** The WASI functions it was made with, which each run fills. */
  readonly binding: WasiBinding;
  /** Made at its first run (see {@linkcode made}). */
  instance?: WebAssembly.Instance;
  /** Its state when made, put back after each run. */
  initial?: InitialState;
}

/**
 * Records `instance`, just made for `warm` with `warm.binding`'s imports
 * and `warm.memory`, and its state before it ever ran.
 *
 * @example
 * ```ts ignore
 * warm.instance ?? made(warm, new WebAssembly.Instance(warm.module, imports));
 * ```
 */
export function made(
  warm: WarmInstance,
  instance: WebAssembly.Instance,
): WebAssembly.Instance {
  warm.instance = instance;
  warm.initial = InitialState.capture(instance);
  return instance;
}

interface Entry {
  warm: WarmInstance;
  /** Out for a run. */
  busy: boolean;
  /** Its module was dropped while it was out: it goes when given back. */
  forgotten: boolean;
}

/** Options of {@linkcode WarmInstances}. */
export interface WarmInstancesOptions {
  /** Where memories come from and go back to. */
  memories: MemoryPool;
  /** Bytes of memory the idle instances may hold (default 32 MiB). */
  maxBytes?: number;
}

/**
 * A worker's warm instances, one per module at most.
 *
 * @example
 * ```ts
 * import { MemoryPool } from "./memory_pool.ts";
 * import { WarmInstances } from "./warm_instances.ts";
 * const warms = new WarmInstances({ memories: new MemoryPool() });
 * const module = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
 * const warm = warms.take(module, { initialPages: 1, maxPages: 2 });
 * warms.give(warm); // after its run; it never made its instance, so it goes
 * console.log(warms.take(module, { initialPages: 1, maxPages: 2 }) === warm); // false
 * ```
 */
export class WarmInstances {
  readonly #entries = new Map<WebAssembly.Module, Entry>();
  readonly #memories: MemoryPool;
  readonly #maxBytes: number;
  #bytes = 0;
  #newest: WebAssembly.Module | undefined;

  constructor(options: WarmInstancesOptions) {
    this.#memories = options.memories;
    this.#maxBytes = options.maxBytes ?? 32 << 20;
  }

  /** Bytes of memory the idle instances hold. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Instances kept, idle or out for a run. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The idle instance of `module`, or a new one (made at its first run)
   * with a memory of `limits` from the pool. Give it back after the run.
   */
  take(
    module: WebAssembly.Module,
    limits: Required<MemoryLimits>,
  ): WarmInstance {
    const entry = this.#entries.get(module);
    if (entry && !entry.busy) {
      entry.busy = true;
      this.#bytes -= entry.warm.memory.buffer.byteLength;
      return entry.warm;
    }
    const warm: WarmInstance = {
      module,
      memory: this.#memories.acquire(limits),
      limits,
      binding: wasiBinding(),
    };
    if (!entry) {
      this.#entries.set(module, { warm, busy: true, forgotten: false });
    }
    return warm;
  }

  /**
   * Takes `warm` back after its run: it is put back to its state when made
   * and kept for the next run of its module, within the budget.
   */
  give(warm: WarmInstance): void {
    const entry = this.#entries.get(warm.module);
    if (entry?.warm !== warm) {
      // A second one of a module whose first was out: not kept.
      this.#memories.release(warm.memory, warm.limits);
      return;
    }
    if (!warm.initial || entry.forgotten) {
      // It never made its instance, or its module is gone.
      this.#remove(entry);
      this.#memories.release(warm.memory, warm.limits);
      return;
    }
    warm.initial.restore();
    entry.busy = false;
    this.#bytes += warm.memory.buffer.byteLength;
    if (this.#newest !== warm.module) {
      // Least recently used first.
      this.#entries.delete(warm.module);
      this.#entries.set(warm.module, entry);
      this.#newest = warm.module;
    }
    for (const oldest of this.#entries.values()) {
      if (this.#bytes <= this.#maxBytes) break;
      if (!oldest.busy) this.#drop(oldest);
    }
  }

  /** Drops the instance of `module` (no longer run here), now or when back. */
  forget(module: WebAssembly.Module): void {
    const entry = this.#entries.get(module);
    if (!entry) return;
    if (entry.busy) entry.forgotten = true;
    else this.#drop(entry);
  }

  #drop(entry: Entry): void {
    this.#remove(entry);
    this.#bytes -= entry.warm.memory.buffer.byteLength;
    // Put back to its first state, not zeroed: the pool zeroes it.
    this.#memories.release(entry.warm.memory, entry.warm.limits);
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.warm.module);
    if (this.#newest === entry.warm.module) this.#newest = undefined;
  }
}
