/**
 * The names of the WASI preview1 functions: what a module may import from
 * `wasi_snapshot_preview1`. A file of its own, without the functions,
 * because deploying checks a module's imports in the node's main isolate,
 * which runs no guest and should not load the WASI host.
 *
 * @module
 */

/**
 * Every function of witx `wasi_snapshot_preview1`, in the spec's order.
 *
 * @example
 * ```ts
 * import { PREVIEW1_FUNCTIONS } from "./functions.ts";
 * console.log(PREVIEW1_FUNCTIONS.length); // 46
 * ```
 */
export const PREVIEW1_FUNCTIONS = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "sched_yield",
  "random_get",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
] as const;

/**
 * Name of a preview1 function.
 *
 * @example
 * ```ts
 * import type { Preview1Function } from "./functions.ts";
 * const name: Preview1Function = "fd_write";
 * ```
 */
export type Preview1Function = (typeof PREVIEW1_FUNCTIONS)[number];

/**
 * Names of every `wasi_snapshot_preview1` import eddy provides: all 46
 * functions of the preview1 spec.
 *
 * @example
 * ```ts
 * import { WASI_FUNCTIONS } from "./functions.ts";
 * console.log(WASI_FUNCTIONS.includes("fd_write")); // true
 * ```
 */
export const WASI_FUNCTIONS: readonly string[] = Object.freeze([
  ...PREVIEW1_FUNCTIONS,
]);
