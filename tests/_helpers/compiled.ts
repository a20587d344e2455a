/**
 * Guests compiled as a node compiles a deployed module.
 *
 * @module
 */
import {
  type CompiledModule,
  withGrowHook,
  withImportedMemory,
  withInterrupts,
} from "../../runtime/module/mod.ts";

/**
 * `bytes` compiled as a node compiles a deployed module: its memory
 * imported and capped at `maxPages`, its growth recorded, its loops
 * interruptible.
 *
 * @example
 * ```ts ignore
 * const spin = await compiledAsNode(spinner());
 * ```
 */
export async function compiledAsNode(
  bytes: Uint8Array<ArrayBuffer>,
  maxPages = 16,
): Promise<CompiledModule> {
  const limited = withImportedMemory(bytes, maxPages);
  return {
    module: await WebAssembly.compile(
      withInterrupts(withGrowHook(limited.bytes)),
    ),
    memory: limited.memory,
  };
}
