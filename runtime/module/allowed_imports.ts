/**
 * The host imports eddy provides, per import module. A guest that imports
 * anything else could never be instantiated, so uploads are refused up front.
 *
 * @module
 */
import { WASI_FUNCTIONS } from "../wasi/functions.ts";

/**
 * Functions of the `eddy` import module: `call` another function by name and
 * read its `result` (see runtime/executor/guest_calls.ts for the ABI), and
 * the `kv_*` state calls (runtime/executor/guest_kv.ts).
 *
 * @example
 * ```ts
 * import { EDDY_FUNCTIONS } from "./allowed_imports.ts";
 * console.log(EDDY_FUNCTIONS.length);
 * ```
 */
export const EDDY_FUNCTIONS: readonly string[] = [
  "call",
  "result",
  "kv_get",
  "kv_put",
  "kv_delete",
  "kv_cas",
];

/**
 * Import module name → the function names eddy provides in it. Only function
 * imports exist: memories, tables and globals are never provided.
 *
 * @example
 * ```ts
 * import { ALLOWED_IMPORTS } from "./allowed_imports.ts";
 * console.log(ALLOWED_IMPORTS.get("wasi_snapshot_preview1")?.has("fd_write")); // true
 * ```
 */
export const ALLOWED_IMPORTS: ReadonlyMap<string, ReadonlySet<string>> =
  new Map([
    ["wasi_snapshot_preview1", new Set(WASI_FUNCTIONS)],
    ["eddy", new Set(EDDY_FUNCTIONS)],
  ]);
