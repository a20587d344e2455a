/**
 * WASI preview1 ABI constants (witx `wasi_snapshot_preview1`): rights,
 * file types, flags and struct sizes. Rights fit in 30 bits, so eddy keeps
 * them as plain numbers and converts the guest's u64 at the boundary.
 *
 * @module
 */

/**
 * Rights bits (witx `rights`).
 *
 * @example
 * ```ts
 * import { Rights } from "./_abi.ts";
 * const readWrite = Rights.FD_READ | Rights.FD_WRITE;
 * ```
 */
export const Rights = {
  FD_DATASYNC: 1 << 0,
  FD_READ: 1 << 1,
  FD_SEEK: 1 << 2,
  FD_FDSTAT_SET_FLAGS: 1 << 3,
  FD_SYNC: 1 << 4,
  FD_TELL: 1 << 5,
  FD_WRITE: 1 << 6,
  FD_ADVISE: 1 << 7,
  FD_ALLOCATE: 1 << 8,
  PATH_CREATE_DIRECTORY: 1 << 9,
  PATH_CREATE_FILE: 1 << 10,
  PATH_LINK_SOURCE: 1 << 11,
  PATH_LINK_TARGET: 1 << 12,
  PATH_OPEN: 1 << 13,
  FD_READDIR: 1 << 14,
  PATH_READLINK: 1 << 15,
  PATH_RENAME_SOURCE: 1 << 16,
  PATH_RENAME_TARGET: 1 << 17,
  PATH_FILESTAT_GET: 1 << 18,
  PATH_FILESTAT_SET_SIZE: 1 << 19,
  PATH_FILESTAT_SET_TIMES: 1 << 20,
  FD_FILESTAT_GET: 1 << 21,
  FD_FILESTAT_SET_SIZE: 1 << 22,
  FD_FILESTAT_SET_TIMES: 1 << 23,
  PATH_SYMLINK: 1 << 24,
  PATH_REMOVE_DIRECTORY: 1 << 25,
  PATH_UNLINK_FILE: 1 << 26,
  POLL_FD_READWRITE: 1 << 27,
  SOCK_SHUTDOWN: 1 << 28,
  SOCK_ACCEPT: 1 << 29,
} as const;

const R = Rights;

/**
 * Every right a regular file can have.
 *
 * @example
 * ```ts
 * import { FILE_RIGHTS, Rights } from "./_abi.ts";
 * console.log((FILE_RIGHTS & Rights.FD_SEEK) !== 0); // true
 * ```
 */
export const FILE_RIGHTS = R.FD_DATASYNC | R.FD_READ | R.FD_SEEK |
  R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_TELL | R.FD_WRITE | R.FD_ADVISE |
  R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES | R.POLL_FD_READWRITE;

/**
 * File rights that need the host file opened for writing (the same set
 * wasi-libc and wasmtime use to pick the open mode).
 *
 * @example
 * ```ts
 * import { FILE_WRITE_RIGHTS, Rights } from "./_abi.ts";
 * const wantsWrite = (Rights.FD_WRITE & FILE_WRITE_RIGHTS) !== 0; // true
 * ```
 */
export const FILE_WRITE_RIGHTS = R.FD_DATASYNC | R.FD_WRITE | R.FD_ALLOCATE |
  R.FD_FILESTAT_SET_SIZE;

/**
 * Every right a directory can have.
 *
 * @example
 * ```ts
 * import { DIR_RIGHTS, Rights } from "./_abi.ts";
 * console.log((DIR_RIGHTS & Rights.FD_READ) === 0); // true: directories are not read as bytes
 * ```
 */
export const DIR_RIGHTS = R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE |
  R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE |
  R.PATH_LINK_TARGET | R.PATH_OPEN | R.FD_READDIR | R.PATH_READLINK |
  R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_GET |
  R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET |
  R.FD_FILESTAT_SET_TIMES | R.PATH_SYMLINK | R.PATH_REMOVE_DIRECTORY |
  R.PATH_UNLINK_FILE;

/**
 * Rights that change the file system; a read-only preopen never grants them.
 *
 * @example
 * ```ts
 * import { DIR_RIGHTS, MUTATING_RIGHTS } from "./_abi.ts";
 * const readOnlyDir = DIR_RIGHTS & ~MUTATING_RIGHTS;
 * ```
 */
export const MUTATING_RIGHTS = FILE_WRITE_RIGHTS | R.FD_FILESTAT_SET_TIMES |
  R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE |
  R.PATH_LINK_TARGET | R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET |
  R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES | R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE;

/**
 * Rights of stdin. No seek/tell: it is a stream.
 *
 * @example
 * ```ts
 * import { Rights, STDIN_RIGHTS } from "./_abi.ts";
 * console.log((STDIN_RIGHTS & Rights.FD_SEEK) === 0); // true
 * ```
 */
export const STDIN_RIGHTS = R.FD_READ | R.FD_FDSTAT_SET_FLAGS |
  R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;

/**
 * Rights of stdout and stderr.
 *
 * @example
 * ```ts
 * import { Rights, SINK_RIGHTS } from "./_abi.ts";
 * console.log((SINK_RIGHTS & Rights.FD_WRITE) !== 0); // true
 * ```
 */
export const SINK_RIGHTS = R.FD_WRITE | R.FD_FDSTAT_SET_FLAGS |
  R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;

/**
 * The guest's u64 rights as eddy's 30-bit number.
 *
 * @example
 * ```ts
 * import { rightsFromU64 } from "./_abi.ts";
 * console.log(rightsFromU64(0xffffffffffffffffn)); // 1073741823
 * ```
 */
export function rightsFromU64(rights: bigint): number {
  return Number(BigInt.asUintN(30, rights));
}

/**
 * File types (witx `filetype`).
 *
 * @example
 * ```ts
 * import { FileType } from "./_abi.ts";
 * console.log(FileType.DIRECTORY); // 3
 * ```
 */
export const FileType = {
  UNKNOWN: 0,
  BLOCK_DEVICE: 1,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SOCKET_DGRAM: 5,
  SOCKET_STREAM: 6,
  SYMBOLIC_LINK: 7,
} as const;

/**
 * fd flags (witx `fdflags`).
 *
 * @example
 * ```ts
 * import { FdFlags } from "./_abi.ts";
 * const flags = FdFlags.APPEND | FdFlags.SYNC;
 * ```
 */
export const FdFlags = {
  APPEND: 1 << 0,
  DSYNC: 1 << 1,
  NONBLOCK: 1 << 2,
  RSYNC: 1 << 3,
  SYNC: 1 << 4,
} as const;

/**
 * path_open flags (witx `oflags`).
 *
 * @example
 * ```ts
 * import { OFlags } from "./_abi.ts";
 * const createNew = OFlags.CREAT | OFlags.EXCL;
 * ```
 */
export const OFlags = {
  CREAT: 1 << 0,
  DIRECTORY: 1 << 1,
  EXCL: 1 << 2,
  TRUNC: 1 << 3,
} as const;

/**
 * Lookup flag: follow a symlink in the last path component.
 *
 * @example
 * ```ts
 * import { LOOKUP_SYMLINK_FOLLOW } from "./_abi.ts";
 * const follow = (1 & LOOKUP_SYMLINK_FOLLOW) !== 0; // true
 * ```
 */
export const LOOKUP_SYMLINK_FOLLOW = 1;

/**
 * filestat_set_times flags (witx `fstflags`).
 *
 * @example
 * ```ts
 * import { FstFlags } from "./_abi.ts";
 * const touch = FstFlags.ATIM_NOW | FstFlags.MTIM_NOW;
 * ```
 */
export const FstFlags = {
  ATIM: 1 << 0,
  ATIM_NOW: 1 << 1,
  MTIM: 1 << 2,
  MTIM_NOW: 1 << 3,
} as const;

/**
 * Clock ids (witx `clockid`).
 *
 * @example
 * ```ts
 * import { ClockId } from "./_abi.ts";
 * console.log(ClockId.MONOTONIC); // 1
 * ```
 */
export const ClockId = {
  REALTIME: 0,
  MONOTONIC: 1,
  PROCESS_CPUTIME: 2,
  THREAD_CPUTIME: 3,
} as const;

/**
 * Event types of poll_oneoff (witx `eventtype`).
 *
 * @example
 * ```ts
 * import { EventType } from "./_abi.ts";
 * console.log(EventType.FD_READ); // 1
 * ```
 */
export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;

/**
 * Struct sizes in bytes.
 *
 * @example
 * ```ts
 * import { Size } from "./_abi.ts";
 * console.log(Size.DIRENT); // 24
 * ```
 */
export const Size = {
  IOVEC: 8,
  DIRENT: 24,
  FILESTAT: 64,
  FDSTAT: 24,
  PRESTAT: 8,
  SUBSCRIPTION: 48,
  EVENT: 32,
} as const;
