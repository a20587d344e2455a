/**
 * The content-addressed module store: validated modules kept durably as
 * `<dir>/<hex>.wasm`, and a compile cache so each (module, memory limit) pair
 * is compiled once per process.
 *
 * @module
 */
import { join } from "node:path";
import { removeTempFiles, writeFileAtomic } from "../durable.ts";
import { promptCollection } from "./_collect.ts";
import { EddyError, NotFoundError } from "../errors.ts";
import { digestOf } from "./digest.ts";
import { withGrowHook } from "./grow_hook.ts";
import { withInterrupts } from "./interrupt.ts";
import { describeModule, inspectModule, type ModuleInfo } from "./inspect.ts";
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
}

const MODULE_FILE = /^([0-9a-f]{64})\.wasm$/;
/** Compiled modules dropped between two prompted collections. */
const COLLECT_EVERY = 16;

/** `info` is set once the file's content has been checked against its name. */
interface _Entry {
  info?: ModuleInfo;
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
  /** Keyed `<digest>@<pages>`; promises so concurrent callers share one compile. */
  readonly #compiled = new Map<string, Promise<CompiledModule>>();
  /** Compiled modules dropped since the last prompted collection. */
  #dropped = 0;

  private constructor(dir: string) {
    this.dir = dir;
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
  static async open(dir: string): Promise<ModuleStore> {
    await Deno.mkdir(dir, { recursive: true });
    await removeTempFiles(dir);
    const store = new ModuleStore(dir);
    for await (const entry of Deno.readDir(dir)) {
      const hex = MODULE_FILE.exec(entry.name)?.[1];
      if (entry.isFile && hex) store.#entries.set(`sha256:${hex}`, {});
    }
    return store;
  }

  /**
   * Validates `bytes` (see `inspectModule`), stores them durably unless an
   * intact copy is already there, and caches the compiled module. Storing
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
    const { info, module } = await inspectModule(bytes);
    const known = this.#entries.get(info.digest)?.info !== undefined;
    if (!known && !await _intact(this.#path(info.digest), info.digest)) {
      await writeFileAtomic(this.#path(info.digest), bytes);
    }
    this.#entries.set(info.digest, { info });
    const key = _cacheKey(info.digest);
    if (!this.#compiled.has(key)) {
      this.#compiled.set(key, Promise.resolve({ module }));
    }
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
   * used yet in this process is read and checked synchronously; one whose
   * file no longer matches its digest throws an `EddyError` with code
   * `corrupt_module` and is dropped from the store (upload it again).
   *
   * @example
   * ```ts
   * import { ModuleStore } from "./store.ts";
   * const tmp = await Deno.makeTempDir();
   * const store = await ModuleStore.open(tmp);
   * const { digest } = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
   * console.log(store.info(digest)?.memory.initialPages);
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  info(digest: string): ModuleInfo | undefined {
    const entry = this.#entries.get(digest);
    if (!entry || entry.info) return entry?.info;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = Deno.readFileSync(this.#path(digest));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.#entries.delete(digest);
      return undefined;
    }
    this.#verify(digest, bytes);
    const module = new WebAssembly.Module(bytes);
    entry.info = describeModule(bytes, module, digest);
    const key = _cacheKey(digest);
    if (!this.#compiled.has(key)) {
      this.#compiled.set(key, Promise.resolve({ module }));
    }
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
   * console.log(store.list().map((m) => m.digest));
   * await Deno.remove(tmp, { recursive: true });
   * ```
   */
  list(): ModuleInfo[] {
    return [...this.#entries.keys()].sort().flatMap((digest) => {
      try {
        return this.info(digest) ?? [];
      } catch (error) {
        if (error instanceof EddyError && error.code === "corrupt_module") {
          return [];
        }
        throw error;
      }
    });
  }

  /**
   * The compiled module. Given `maxMemoryBytes` (rounded down to whole
   * pages), its memory becomes an import whose maximum is capped there (see
   * `withImportedMemory`), its grows record refusals (see `withGrowHook`)
   * and it can be stopped at its deadline (see `withInterrupts`); without, it is the module as uploaded. Compiled once
   * per (digest, page limit) and cached until the module is removed.
   * Throws `NotFoundError` for an unknown digest and `ModuleError` when the
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
    let compiling = this.#compiled.get(key);
    if (!compiling) {
      compiling = this.#compile(digest, pages);
      this.#compiled.set(key, compiling);
      // A failed compile is not cached: the next call tries again.
      compiling.catch(() => {
        if (this.#compiled.get(key) === compiling) this.#compiled.delete(key);
      });
    }
    return compiling;
  }

  /**
   * Drops every compiled module but those of `keep` (digest and memory
   * limit of each deployment), so that a module replaced or undeployed is
   * not held in memory (every 16 dropped, V8 is prompted to collect them);
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
    for (const key of this.#compiled.keys()) {
      if (!keys.has(key) && this.#compiled.delete(key)) this.#dropped++;
    }
    if (this.#dropped >= COLLECT_EVERY) {
      this.#dropped = 0;
      promptCollection();
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
    for (const key of this.#compiled.keys()) {
      if (key.startsWith(`${digest}@`)) this.#compiled.delete(key);
    }
    await Deno.remove(this.#path(digest)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  async #compile(
    digest: string,
    pages: number | undefined,
  ): Promise<CompiledModule> {
    const bytes = await this.#read(digest);
    const limited = pages === undefined
      ? { bytes, memory: undefined }
      : withImportedMemory(bytes, pages);
    // A capped memory can refuse a grow: record it, to report memory_limit;
    // and an imported memory leaves index 0 free of the interrupt memory's.
    const module = await WebAssembly.compile(
      pages === undefined ? bytes : withInterrupts(withGrowHook(limited.bytes)),
    );
    const entry = this.#entries.get(digest);
    if (entry && !entry.info) {
      entry.info = describeModule(
        bytes,
        pages === undefined ? module : await WebAssembly.compile(bytes),
        digest,
      );
    }
    return { module, memory: limited.memory };
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
    if (!this.#entries.get(digest)?.info) this.#verify(digest, bytes);
    return bytes;
  }

  #verify(digest: string, bytes: Uint8Array): void {
    if (digestOf(bytes) === digest) return;
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
    return digestOf(await Deno.readFile(path)) === digest;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
