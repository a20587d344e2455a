/**
 * Modules: upload-time validation against the function contract, memory
 * limits and interrupt checks written into the binary, and the content-addressed store with its
 * compile cache.
 *
 * @example
 * ```ts
 * import { ModuleStore } from "./mod.ts";
 * const tmp = await Deno.makeTempDir();
 * const store = await ModuleStore.open(`${tmp}/modules`);
 * const info = await store.put(await Deno.readFile("examples/echo/echo.wasm"));
 * const { module, memory } = await store.compiled(info.digest, 64 * 1024 * 1024);
 * await Deno.remove(tmp, { recursive: true });
 * ```
 *
 * @module
 */
export { ALLOWED_IMPORTS, EDDY_FUNCTIONS } from "./allowed_imports.ts";
export { DIGEST_PATTERN, digestOf, isDigest } from "./digest.ts";
export {
  describeModule,
  type InspectedModule,
  inspectModule,
  type ModuleInfo,
} from "./inspect.ts";
export { REFUSED_GROW_EXPORT, withGrowHook } from "./grow_hook.ts";
export {
  INTERRUPT_IMPORT,
  InterruptCell,
  interruptible,
  jobTag,
  withInterrupts,
} from "./interrupt.ts";
export {
  type DefinedMemory,
  type ImportedMemoryModule,
  initialMemoryProblem,
  MAX_PAGES,
  MEMORY_IMPORT,
  type MemoryLimits,
  PAGE_BYTES,
  pagesWithin,
  readDefinedMemory,
  withImportedMemory,
  withMemoryLimit,
} from "./memory.ts";
export {
  COMPILED_BASE_BYTES,
  defaultCompiledBudget,
  estimatedCompiledBytes,
} from "./compiled_cost.ts";
export { collectGarbage, DroppedModules } from "./collect.ts";
export { prepare, PreparedCache } from "./prepared_cache.ts";
export {
  InitialState,
  resettable,
  RESETTABLE_EXPORT,
  withResetExports,
} from "./reset.ts";
export {
  type CompiledModule,
  ModuleStore,
  type ModuleStoreOptions,
} from "./store.ts";
