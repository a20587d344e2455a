/**
 * eddy's WASI preview1 host: give a `WasiHost`'s `imports` to
 * `new WebAssembly.Instance`, then `start()` it.
 *
 * Preopens are served by a directory backend (`dir.ts`: `WasiDir`,
 * `WasiFile`); the host one resolves every guest path in the kernel beneath
 * the preopen's descriptor (openat2, or an O_NOFOLLOW walk), through FFI.
 *
 * @example
 * ```ts
 * import { OutputBuffer, WasiHost } from "./mod.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(module: WebAssembly.Module) {
 *   const host = new WasiHost({ args: ["f"], stdin: new Uint8Array(0) });
 *   const code = host.start(new WebAssembly.Instance(module, host.imports));
 *   console.log(code, (host.stdout as OutputBuffer).bytes());
 * }
 * ```
 *
 * @module
 */

export { Errno } from "./errno.ts";
export type {
  DirEntry,
  Filestat,
  NewTimes,
  OpenOptions,
  WasiDir,
  WasiFile,
  WasiHandle,
} from "./dir.ts";
export { ConfinementUnavailable, requireConfinement } from "./confinement.ts";
export { adoptFdLedger, HostFdLedger } from "./fd_ledger.ts";
export { WASI_FUNCTIONS } from "./functions.ts";
export {
  importsPollOneoff,
  type Preopen,
  ProcExit,
  readsClocks,
  type WasiBinding,
  wasiBinding,
  WasiHost,
  type WasiOptions,
} from "./host.ts";
export {
  type BackendPreopen,
  type KvBucket,
  type KvEntry,
  kvPreopen,
  KvSession,
  StateDeadline,
} from "./kv.ts";
export { MAX_VALUE_BYTES } from "./_kv_dir.ts";
export type { Sleep } from "./_poll.ts";
export {
  type ByteSink,
  type ByteSource,
  isSpareSized,
  OutputBuffer,
  OutputLimitError,
  recycleBuffer,
} from "./stdio.ts";
