/**
 * What a compiled module costs in memory, estimated from its size, and the
 * default budget for compiled modules (`eddy serve --memory-budget`).
 *
 * Measured with Deno 2.9.6 (V8 15) on x86_64, RSS growth per module over
 * hundreds of distinct modules held at once (`new WebAssembly.Module`,
 * lazy compilation: only validated, no code yet):
 *
 * | module                  | bytes  | compiled | after one run |
 * |-------------------------|--------|----------|---------------|
 * | WAT guest (fd_write)    | 172    | 9–14 KiB | +3 KiB        |
 * | C echo                  | 5 KB   | 30 KiB   | +25 KiB       |
 * | C sha256                | 71 KB  | 171 KiB  | +169 KiB      |
 * | C guestbook             | 87 KB  | 204 KiB  | +124 KiB      |
 *
 * So about 12 KiB plus 2.2 times the size to compile (V8 keeps the bytes,
 * per-function metadata and a jump table), and up to as much again for the
 * Liftoff code of the functions a run executes. V8 shares a module's code
 * and bytes between every isolate it is posted to (a worker's handle costs
 * ~1.2 KiB more), so the figure is per module, not per holder. A module
 * compiled with a memory limit (memory imported, grow hook) costs ~5 KiB
 * more than as uploaded. In a node, 2,000 distinct 217-byte modules each
 * run once grew RSS by ~21 KiB a module (in-process, after collection).
 * The estimate, {@linkcode estimatedCompiledBytes}, is 20 KiB + 3 × size:
 * the compiled cost with the limit, the handles of the main isolate and
 * two workers, and part of the code a run adds.
 *
 * @module
 */
import { totalmem } from "node:os";

/** Fixed part of {@linkcode estimatedCompiledBytes}. */
export const COMPILED_BASE_BYTES = 20 << 10;

/**
 * Estimated bytes of memory a compiled module of `size` bytes holds (see
 * the module documentation for the measurements behind it).
 *
 * @example
 * ```ts
 * import { estimatedCompiledBytes } from "./compiled_cost.ts";
 * console.log(estimatedCompiledBytes(1024)); // 23552
 * ```
 */
export function estimatedCompiledBytes(size: number): number {
  return COMPILED_BASE_BYTES + 3 * size;
}

/**
 * The default budget for compiled modules, per isolate (the main one and
 * each executor worker): an eighth of the machine's memory, at most
 * 256 MiB — room for ~12,000 small modules, while a 1 GiB Pi keeps 128 MiB.
 *
 * @example
 * ```ts
 * import { defaultCompiledBudget } from "./compiled_cost.ts";
 * console.log(defaultCompiledBudget() <= 256 * 1024 * 1024); // true
 * ```
 */
export function defaultCompiledBudget(): number {
  return Math.min(256 << 20, Math.floor(totalmem() / 8));
}
