/**
 * Test guests: small valid function modules built from WAT, with the knobs
 * the module, manifest and registry tests turn.
 *
 * @module
 */
import { wat } from "./wat.ts";
import {
  type CompiledModule,
  INTERRUPT_IMPORT,
  InterruptCell,
  MEMORY_IMPORT,
} from "../../runtime/module/mod.ts";

/** Knobs of {@link guest}. */
export interface GuestOptions {
  /** Initial memory pages (default 1). */
  initialPages?: number;
  /** Declared maximum pages (default none). */
  maxPages?: number;
  /** Makes the bytes (and so the digest) unique without changing behaviour. */
  tag?: string;
}

/**
 * A valid function module: imports `fd_write`, exports `memory`, `_start`
 * and `grow(pages) -> old size or -1` to probe the memory cap, and keeps a
 * data segment so a rewrite that damages later sections would show.
 *
 * @example
 * ```ts
 * import { guest } from "./module_guest.ts";
 * const bytes = guest({ initialPages: 2, tag: "v2" });
 * ```
 */
export function guest(options: GuestOptions = {}): Uint8Array<ArrayBuffer> {
  const { initialPages = 1, maxPages, tag = "" } = options;
  const limits = maxPages === undefined
    ? `${initialPages}`
    : `${initialPages} ${maxPages}`;
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write"
      (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") ${limits})
    (data (i32.const 16) "hello ${tag}")
    (func (export "_start"))
    (func (export "grow") (param i32) (result i32)
      (memory.grow (local.get 0)))
    (func (export "peek") (result i32)
      (i32.load8_u (i32.const 16))))`) as Uint8Array<ArrayBuffer>;
}

/** Imports that satisfy {@link guest} modules when instantiating them. */
export const GUEST_IMPORTS: WebAssembly.Imports = {
  wasi_snapshot_preview1: { fd_write: () => 0 },
};

/** Exports of an instantiated {@link guest}. */
export interface GuestExports {
  memory: WebAssembly.Memory;
  grow(pages: number): number;
  peek(): number;
}

/**
 * Instantiates a compiled guest and returns its exports. A compiled module
 * whose memory is imported gets a fresh memory of the limits it asks for,
 * and an interrupt cell nobody writes to.
 *
 * @example
 * ```ts
 * import { guest, instantiate } from "./module_guest.ts";
 * const exports = instantiate(new WebAssembly.Module(guest()));
 * console.log(exports.grow(1)); // 1
 * ```
 */
export function instantiate(
  compiled: WebAssembly.Module | CompiledModule,
): GuestExports {
  const { module, memory } = compiled instanceof WebAssembly.Module
    ? { module: compiled, memory: undefined }
    : compiled;
  const imports = memory
    ? {
      ...GUEST_IMPORTS,
      [MEMORY_IMPORT.module]: {
        [MEMORY_IMPORT.name]: new WebAssembly.Memory({
          initial: memory.initialPages,
          maximum: memory.maxPages,
        }),
        [INTERRUPT_IMPORT.name]: new InterruptCell().memory,
      },
    }
    : GUEST_IMPORTS;
  const instance = new WebAssembly.Instance(module, imports);
  return instance.exports as unknown as GuestExports;
}
/**
 * The error `fn` throws or the promise rejects with; fails when there is none.
 *
 * @example
 * ```ts
 * import { caught } from "./module_guest.ts";
 * const error = await caught(() => JSON.parse("{"));
 * ```
 */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, got none");
}
