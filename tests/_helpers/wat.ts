/**
 * Compiles WebAssembly text to binary for tests, through `npm:wabt`.
 *
 * @module
 */
import { initWabt } from "./deps.ts";

const wabt = await initWabt();

/**
 * Assembles a WAT source into a wasm binary.
 *
 * @example
 * ```ts
 * import { wat } from "./wat.ts";
 * const bytes = wat(`(module (memory (export "memory") 1) (func (export "_start")))`);
 * ```
 */
export function wat(source: string): Uint8Array<ArrayBuffer> {
  const parsed = wabt.parseWat("test.wat", source, {
    bulk_memory: true,
    mutable_globals: true,
    sign_extension: true,
  });
  try {
    parsed.resolveNames();
    parsed.validate();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}
