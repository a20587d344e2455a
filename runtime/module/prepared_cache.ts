/**
 * Prepared module bytes kept on disk across restarts. V8 gives Deno no way
 * to write a compiled `WebAssembly.Module` to disk, but most of a cold
 * compile of a real module is eddy's own rewrite before it: routing every
 * `memory.grow` through the refusal hook decodes all its code (2–5 ms for
 * the 71 KB sha256 example, against ~0.9 ms for V8 to compile the result).
 * So the rewritten bytes of each (module, memory limit) are written once
 * (a write and a rename, ~0.2 ms; no sync, since a file is checked when
 * read) and read back the next time that module is compiled cold, after a
 * restart or an eviction.
 *
 * A file is named `<module hex>.<pages>.<sha256 hex of its content>.wasm`
 * and checked against that digest when read, so a damaged file is dropped,
 * never run. The directory's name carries a fingerprint of the rewrite
 * itself (its output for a probe module, and eddy's version): bytes
 * prepared by another rewrite are never read, and are deleted at open.
 *
 * @module
 */
import { join } from "node:path";
import { VERSION } from "../../version.ts";
import { removeTempFiles } from "../durable.ts";
import { digestOf } from "./digest.ts";
import { withGrowHook } from "./grow_hook.ts";
import { withInterrupts } from "./interrupt.ts";
import { withImportedMemory } from "./memory.ts";
import { withResetExports } from "./reset.ts";

const FILE = /^([0-9a-f]{64})\.(\d+)\.([0-9a-f]{64})\.wasm$/;
const DIR_PREFIX = "prepared-";

/**
 * `(module (memory 1 1) (func (export "_start") (drop (memory.grow
 * (i32.const 1)))))`: what the rewrite is fingerprinted on.
 */
const PROBE = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  4,
  1,
  96,
  0,
  0,
  3,
  2,
  1,
  0,
  5,
  4,
  1,
  1,
  1,
  1,
  7,
  10,
  1,
  6,
  95,
  115,
  116,
  97,
  114,
  116,
  0,
  0,
  10,
  9,
  1,
  7,
  0,
  65,
  1,
  64,
  0,
  26,
  11,
]);

/**
 * The rewrite a prepared file holds: `bytes` with their memory imported and
 * capped at `pages`, every grow hooked and interrupt checks added
 * (`withImportedMemory`, `withGrowHook`, then `withInterrupts`).
 *
 * @example
 * ```ts
 * import { prepare } from "./prepared_cache.ts";
 * const bytes = await Deno.readFile("examples/echo/echo.wasm");
 * const { bytes: prepared, memory } = prepare(bytes, 256);
 * console.log(memory.maxPages <= 256, WebAssembly.validate(prepared)); // true true
 * ```
 */
export function prepare(
  bytes: Uint8Array<ArrayBuffer>,
  pages: number,
): ReturnType<typeof withImportedMemory> {
  const limited = withImportedMemory(bytes, pages);
  return {
    ...limited,
    bytes: withResetExports(withInterrupts(withGrowHook(limited.bytes))),
  };
}

/**
 * Prepared bytes by module digest and page limit, on disk.
 *
 * @example
 * ```ts
 * import { PreparedCache, prepare } from "./prepared_cache.ts";
 * const dir = await Deno.makeTempDir();
 * const cache = await PreparedCache.open(`${dir}/prepared`);
 * const digest = "sha256:" + "a".repeat(64);
 * const { bytes } = prepare(await Deno.readFile("examples/echo/echo.wasm"), 16);
 * await cache.put(digest, 16, bytes);
 * console.log((await cache.get(digest, 16))?.length === bytes.length); // true
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class PreparedCache {
  /** The directory of this rewrite's files. */
  readonly dir: string;
  /** `<module hex>.<pages>` → the content's hex digest. */
  readonly #index = new Map<string, string>();
  /** The directory exists (it is made at the first write). */
  #made = false;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Opens the cache under `parent` (made at the first write), indexing its
   * files by name only and deleting what another rewrite prepared.
   */
  static async open(parent: string): Promise<PreparedCache> {
    const name = DIR_PREFIX + (await digestOf(
      new Uint8Array([
        ...new TextEncoder().encode(VERSION),
        ...prepare(PROBE.slice(), 1).bytes,
      ]),
    )).slice("sha256:".length, "sha256:".length + 16);
    const cache = new PreparedCache(join(parent, name));
    try {
      for await (const entry of Deno.readDir(parent)) {
        if (!entry.isDirectory || !entry.name.startsWith(DIR_PREFIX)) continue;
        if (entry.name === name) cache.#made = true;
        else await Deno.remove(join(parent, entry.name), { recursive: true });
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return cache;
      throw error;
    }
    if (!cache.#made) return cache;
    await removeTempFiles(cache.dir);
    for await (const entry of Deno.readDir(cache.dir)) {
      const match = FILE.exec(entry.name);
      if (entry.isFile && match) {
        cache.#index.set(`${match[1]}.${match[2]}`, match[3]);
      }
    }
    return cache;
  }

  /** How many prepared files are indexed. */
  get size(): number {
    return this.#index.size;
  }

  /**
   * The prepared bytes of `digest` at `pages`, if a file holds them intact;
   * a file that does not match its name is deleted.
   */
  async get(
    digest: string,
    pages: number,
  ): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const key = `${_hex(digest)}.${pages}`;
    const content = this.#index.get(key);
    if (!content) return undefined;
    const path = join(this.dir, `${key}.${content}.wasm`);
    try {
      const bytes = await Deno.readFile(path);
      if (await digestOf(bytes) === `sha256:${content}`) return bytes;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (this.#index.get(key) === content) this.#index.delete(key);
    await Deno.remove(path).catch(() => {});
    return undefined;
  }

  /**
   * Writes the prepared bytes of `digest` at `pages`: to a temp file
   * renamed into place, so a reader never sees half of one.
   */
  async put(
    digest: string,
    pages: number,
    bytes: Uint8Array<ArrayBuffer>,
  ): Promise<void> {
    const key = `${_hex(digest)}.${pages}`;
    const content = _hex(await digestOf(bytes));
    const name = `${key}.${content}.wasm`;
    if (!this.#made) {
      await Deno.mkdir(this.dir, { recursive: true });
      this.#made = true;
    }
    const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(16);
    const temp = join(this.dir, `.${name}.${random}.tmp`);
    await Deno.writeFile(temp, bytes);
    await Deno.rename(temp, join(this.dir, name));
    this.#index.set(key, content);
  }

  /** Deletes every prepared file of `digest`. */
  async remove(digest: string): Promise<void> {
    const hex = _hex(digest);
    for (const [key, content] of [...this.#index]) {
      if (!key.startsWith(`${hex}.`)) continue;
      this.#index.delete(key);
      await Deno.remove(join(this.dir, `${key}.${content}.wasm`)).catch(
        () => {},
      );
    }
  }
}

function _hex(digest: string): string {
  return digest.slice("sha256:".length);
}
