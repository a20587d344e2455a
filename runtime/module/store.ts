/**
 * The content-addressed module store: validated modules kept durably as
 * `<dir>/<hex>.wasm`, and a compile cache of (module, memory limit) pairs,
 * least recently used first out past a byte budget. Nothing is compiled
 * ahead: not at upload (the module validated there is dropped), not at
 * open; a module is compiled when it is first run, in ~0.05–1 ms for a
 * small one (V8 compiles a function's code lazily, on its first call).
 * V8 cannot write a compiled `WebAssembly.Module` to disk from Deno, so a
 * restart compiles again, on demand, what is run; given a `preparedDir`,
 * the bytes rewritten for a memory limit are kept on disk (see
 * `PreparedCache`), which is most of a cold compile of a real module.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import { join } from "node:path";
import { removeTempFiles, writeFileAtomic } from "../durable.ts";
import { DroppedModules } from "./collect.ts";
import { EddyError, ModuleError, NotFoundError } from "../errors.ts";
import {
  defaultCompiledBudget,
  estimatedCompiledBytes,
} from "./compiled_cost.ts";
import { digestOf } from "./digest.ts";
import { prepare, PreparedCache } from "./prepared_cache.ts";
import { describeModule, inspectModule, type ModuleInfo } from "./inspect.ts";
import { interruptible, interruptProblem } from "./interrupt.ts";
import {
  type MemoryLimits,
  pagesWithin,
  withImportedMemory,
} from "./memory.ts";

/**
 * A compiled module ready to instantiate. With a memory limit, its memory is
 * imported ({@link MEMORY_IMPORT}) and `memory` says what to supply;
 * without one, the module defines its own memory as uploaded.
 */
export interface CompiledModule {
  module: WebAssembly.Module;
  /** Limits of the memory to import; absent when the module defines its own. */
  memory?: Required<MemoryLimits>;
  /** Estimated bytes it holds in memory (see `estimatedCompiledBytes`). */
  cost?: number;
}

/** Options of {@linkcode ModuleStore.open}. */
export interface ModuleStoreOptions {
  /**
   * Estimated bytes of compiled modules kept (see `estimatedCompiledBytes`);
   * past it the least recently used are dropped, to be compiled again when
   * next run. Default: `defaultCompiledBudget()`.
   */
  budgetBytes?: number;
  /**
   * Where bytes rewritten for a memory limit are kept across restarts (see
   * `PreparedCache`); without it, each cold compile rewrites them again.
   */
  preparedDir?: string;
}

const MODULE_FILE = /^([0-9a-f]{64})\.wasm$/;
/** Set once the file's content has been checked against its name. */
interface _Entry {
  info?: ModuleInfo;
  verified?: boolean;
}

/**
 * Modules by digest. Opening indexes the directory by file name only, so
 * startup cost does not grow with module sizes; a module is read, checked
 * against its digest and described the first time it is used.
 *
 * @example
 * ```ts
 * import { ModuleStore } from "./store.ts";
 * const tmp = await Deno.makeTempDir();
 * const store = await ModuleStore.open(tmp);
 * const info = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
 * const { module, memory } = await store.compiled(info.digest, 64 * 1024 * 1024);
 * await Deno.remove(tmp, { recursive: true });
 * ```
 */
export class ModuleStore {
  /** The directory the module files live in. */
  readonly dir: string;
  readonly #entries = new Map<string, _Entry>();
  /** Compiled modules keyed `<digest>@<pages>`, sized by their estimated cost. */
  readonly #compiled: LRUCache<string, CompiledModule>;
  /** Compiles under way, so that concurrent callers share one. */
  readonly #compiling = new Map<string, Promise<CompiledModule>>();
  readonly #dropped = new DroppedModules();
  #evictions = 0;
  #prepared: PreparedCache | undefined;

  private constructor(dir: string, budgetBytes: number) {
    this.dir = dir;
    this.#compiled = new LRUCache({
      maxSize: Math.max(1, budgetBytes),
      dispose: (compiled, _key, reason) => {
        if (reason === "evict") this.#evictions++;
        this.#dropped.add(compiled.cost ?? 0);
      },
    });
  }

  /**
   * Opens (creating if needed) the store in `dir`, removing temp files a
   * crash left behind: those are the only files a crash can leave
   * incomplete, since module files appear by atomic rename.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(`${tmp}/modules`);
   * console.log(store.list()); // []
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  static async open(
    dir: string,
    options: ModuleStoreOptions = {},
  ): Promise<ModuleStore> {
    await Deno.mkdir(dir, { recursive: true });
    await removeTempFiles(dir);
    const store = new ModuleStore(
      dir,
      options.budgetBytes ?? defaultCompiledBudget(),
    );
    if (options.preparedDir !== undefined) {
      store.#prepared = await PreparedCache.open(options.preparedDir);
    }
    for await (const entry of Deno.readDir(dir)) {
      const hex = MODULE_FILE.exec(entry.name)?.[1];
      if (entry.isFile && hex) store.#entries.set(`sha256:${hex}`, {});
    }
    return store;
  }

  /**
   * Validates `bytes` (see `inspectModule`) and stores them durably unless
   * an intact copy is already there. Nothing stays compiled: a module is
   * compiled again, with its memory limit, when it is first run. Storing
   * the same bytes again returns the same info and writes nothing.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * const { digest } = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
   * console.log(store.has(digest)); // true
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  async put(bytes: Uint8Array<ArrayBuffer>): Promise<ModuleInfo> {
    const { info } = await inspectModule(bytes);
    // Validating compiled it: that module is garbage now.
    this.#dropped.add(estimatedCompiledBytes(bytes.length));
    const known = this.#entries.get(info.digest)?.verified;
    if (!known && !await _intact(this.#path(info.digest), info.digest)) {
      await writeFileAtomic(this.#path(info.digest), bytes);
    }
    this.#entries.set(info.digest, { info, verified: true });
    return info;
  }

  /**
   * Whether a module with this digest is stored.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * console.log(store.has("sha256:" + "0".repeat(64))); // false
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  has(digest: string): boolean {
    return this.#entries.has(digest);
  }

  /**
   * The module's info, or `undefined` when it is not stored. A module not
   * used yet in this process is read and checked first; one whose
   * file no longer matches its digest throws an `EddyError` with code
   * `corrupt_module` and is dropped from the store (upload it again).
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * const { digest } = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
   * console.log((await store.info(digest))?.memory.initialPages);
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  async info(digest: string): Promise<ModuleInfo | undefined> {
    const entry = this.#entries.get(digest);
    if (!entry || entry.info) return entry?.info;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(this.#path(digest));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.#entries.delete(digest);
      return undefined;
    }
    await this.#verify(digest, bytes);
    entry.verified = true;
    // Another call may have described it while this one read and hashed.
    if (entry.info) return entry.info;
    entry.info = describeModule(bytes, new WebAssembly.Module(bytes), digest);
    this.#dropped.add(estimatedCompiledBytes(bytes.length));
    return entry.info;
  }

  /**
   * Digests of every stored module, sorted, without reading any file.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * console.log(store.digests()); // []
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  digests(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /**
   * Infos of every stored module by digest, skipping (and dropping) corrupt
   * ones.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * console.log((await store.list()).map((m) => m.digest));
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  async list(): Promise<ModuleInfo[]> {
    const infos: ModuleInfo[] = [];
    for (const digest of [...this.#entries.keys()].sort()) {
      try {
        const info = await this.info(digest);
        if (info) infos.push(info);
      } catch (error) {
        if (!(error instanceof EddyError && error.code === "corrupt_module")) {
          throw error;
        }
      }
    }
    return infos;
  }

  /**
   * The compiled module. Given `maxMemoryBytes` (rounded down to whole
   * pages), its memory becomes an import whose maximum is capped there (see
   * `withImportedMemory`), its grows record refusals (see `withGrowHook`)
   * and it can be stopped at its deadline (see `withInterrupts`); without,
   * it is the module as uploaded. Compiled on first use per (digest, page
   * limit) and cached while the budget allows (least recently used out
   * first) and the module is stored; one whose estimate exceeds the whole
   * budget is compiled again for each caller that does not share a compile
   * under way. Throws `NotFoundError` for an unknown digest and `ModuleError` when the
   * module's initial memory exceeds the limit.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * const { digest } = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
   * const { module, memory } = await store.compiled(digest, 16 * 1024 * 1024);
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  compiled(
    digest: string,
    maxMemoryBytes?: number,
  ): Promise<CompiledModule> {
    if (!this.#entries.has(digest)) {
      return Promise.reject(new NotFoundError("module", digest));
    }
    const pages = maxMemoryBytes === undefined
      ? undefined
      : pagesWithin(maxMemoryBytes);
    const key = _cacheKey(digest, pages);
    const cached = this.#compiled.get(key);
    if (cached) return Promise.resolve(cached);
    let compiling = this.#compiling.get(key);
    if (!compiling) {
      const started = compiling = this.#compile(digest, pages);
      this.#compiling.set(key, started);
      // Cached once compiled, unless dropped meanwhile; a failed compile
      // is not cached: the next call tries again.
      started.then((compiled) => {
        if (this.#compiling.get(key) !== started) return;
        this.#compiling.delete(key);
        this.#compiled.set(key, compiled, { size: compiled.cost });
      }, () => {
        if (this.#compiling.get(key) === started) this.#compiling.delete(key);
      });
    }
    return compiling;
  }

  /**
   * Drops every compiled module but those of `keep` (digest and memory
   * limit of each deployment), so that a module replaced or undeployed is
   * not held in memory (every 8 MiB dropped, V8 collects them);
   * a later {@linkcode ModuleStore.compiled} compiles again.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * const { digest } = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
   * store.retainCompiled([]);
   * console.log(store.compiledCount); // 0
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  retainCompiled(
    keep: Iterable<{ digest: string; maxMemoryBytes: number }>,
  ): void {
    const keys = new Set<string>();
    for (const { digest, maxMemoryBytes } of keep) {
      keys.add(_cacheKey(digest, pagesWithin(maxMemoryBytes)));
    }
    for (const key of [...this.#compiled.keys(), ...this.#compiling.keys()]) {
      if (keys.has(key)) continue;
      this.#compiled.delete(key);
      this.#compiling.delete(key);
    }
  }

  /**
   * How many compiled modules this store holds (for metrics).
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * console.log(store.compiledCount); // 0
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  get compiledCount(): number {
    return this.#compiled.size;
  }

  /**
   * Figures of the compile cache (for metrics): estimated bytes held, the
   * budget, and how many compiled modules were dropped to stay within it.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp, { budgetBytes: 1 << 20 });
   * console.log(store.compileCache); // { bytes: 0, budgetBytes: 1048576, evictions: 0 }
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  get compileCache(): {
    bytes: number;
    budgetBytes: number;
    evictions: number;
  } {
    return {
      bytes: this.#compiled.calculatedSize,
      budgetBytes: this.#compiled.maxSize,
      evictions: this.#evictions,
    };
  }

  /**
   * Deletes the module file and its compiled forms. Removing a module that is
   * not stored does nothing.
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * const { digest } = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
   * await store.remove(digest);
   * console.log(store.has(digest)); // false
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  async remove(digest: string): Promise<void> {
    this.#entries.delete(digest);
    for (const key of [...this.#compiled.keys(), ...this.#compiling.keys()]) {
      if (!key.startsWith(`${digest}@`)) continue;
      this.#compiled.delete(key);
      this.#compiling.delete(key);
    }
    await this.#prepared?.remove(digest);
    await Deno.remove(this.#path(digest)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  async #compile(
    digest: string,
    pages: number | undefined,
  ): Promise<CompiledModule> {
    const bytes = await this.#read(digest);
    const cost = estimatedCompiledBytes(bytes.length);
    if (pages === undefined) {
      return { module: await WebAssembly.compile(bytes), cost };
    }
    // A capped memory can refuse a grow: the rewrite records it, to report
    // memory_limit; an imported memory leaves index 0 free of the interrupt
    // memory's. Its bytes come from disk when prepared before.
    const cached = await this.#prepared?.get(digest, pages).catch(() =>
      undefined
    );
    if (cached) {
      const { memory } = withImportedMemory(bytes, pages);
      const module = await WebAssembly.compile(cached);
      return { module: stoppable(module, bytes), memory, cost };
    }
    const prepared = prepare(bytes, pages);
    const module = stoppable(await WebAssembly.compile(prepared.bytes), bytes);
    // Only what compiled is kept; a cache that cannot be written is no error.
    await this.#prepared?.put(digest, pages, prepared.bytes).catch(() => {});
    return { module, memory: prepared.memory, cost };
  }

  /** The module's bytes, checked against the digest on first use. */
  async #read(digest: string): Promise<Uint8Array<ArrayBuffer>> {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(this.#path(digest));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.#entries.delete(digest);
      throw new NotFoundError("module", digest);
    }
    const entry = this.#entries.get(digest);
    if (!entry?.verified) {
      await this.#verify(digest, bytes);
      if (entry) entry.verified = true;
    }
    return bytes;
  }

  async #verify(digest: string, bytes: Uint8Array): Promise<void> {
    if (await digestOf(bytes) === digest) return;
    this.#entries.delete(digest);
    throw new EddyError(
      "corrupt_module",
      `stored module ${digest} is corrupt (its content does not match its digest); upload it again`,
      { digest },
    );
  }

  #path(digest: string): string {
    return join(this.dir, `${digest.slice("sha256:".length)}.wasm`);
  }
}

function _cacheKey(digest: string, pages?: number): string {
  return `${digest}@${pages ?? "unlimited"}`;
}

/** Whether `path` holds the bytes of `digest` (false when it does not exist). */
async function _intact(path: string, digest: string): Promise<boolean> {
  try {
    return await digestOf(await Deno.readFile(path)) === digest;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * `module`, unless its runs could not be stopped at their deadline (see
 * `interruptProblem`): deploys refuse such modules, and one stored before
 * they did is refused here, when a function of it is first run.
 */
function stoppable(
  module: WebAssembly.Module,
  bytes: Uint8Array,
): WebAssembly.Module {
  const problem = interruptible(module) ? undefined : interruptProblem(bytes);
  if (problem) throw new ModuleError([problem]);
  return module;
}
