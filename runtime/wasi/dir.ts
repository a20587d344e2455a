/**
 * The seam between WASI calls and what stores a preopen's files, in the
 * spirit of wasmtime's `WasiDir` over cap-std's `Dir`: the calls check
 * rights, bounds and guest memory; a backend resolves guest paths beneath
 * its own root and does the file operations. Results are numbers: a
 * non-negative value (or a handle) on success, else a WASI errno (negated
 * where a count could be returned).
 *
 * A backend must never let a path reach outside its root: not through
 * `..`, absolute paths or symlinks, nor by racing a concurrent change.
 * The host backend (`_host_dir.ts`) has the kernel do it (openat2
 * RESOLVE_BENEATH); a key-value-backed preopen implements the same two
 * interfaces.
 *
 * @module
 */

/**
 * What filestat reports (witx `filestat`), times in ns since the epoch.
 *
 * @example
 * ```ts
 * import type { Filestat } from "./dir.ts";
 * const empty: Filestat = {
 *   dev: 0n, ino: 0n, filetype: 4, nlink: 1n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n,
 * };
 * ```
 */
export interface Filestat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

/**
 * New times for set_times: `flags` are witx fstflags (ATIM 1, ATIM_NOW 2,
 * MTIM 4, MTIM_NOW 8), already validated; a time without its flag stays.
 *
 * @example
 * ```ts
 * import type { NewTimes } from "./dir.ts";
 * const touch: NewTimes = { atim: 0n, mtim: 0n, flags: 2 | 8 };
 * ```
 */
export interface NewTimes {
  atim: bigint;
  mtim: bigint;
  flags: number;
}

/**
 * One directory entry (`.` and `..` included).
 *
 * @example
 * ```ts
 * import type { DirEntry } from "./dir.ts";
 * const dot: DirEntry = { name: new Uint8Array([46]), ino: 2n, type: 3 };
 * ```
 */
export interface DirEntry {
  name: Uint8Array;
  ino: bigint;
  type: number;
}

/**
 * How to open a path (witx oflags and the access the rights imply).
 *
 * @example
 * ```ts
 * import type { OpenOptions } from "./dir.ts";
 * const create: OpenOptions = {
 *   follow: true, create: true, exclusive: false, truncate: true,
 *   directory: false, read: false, write: true,
 * };
 * ```
 */
export interface OpenOptions {
  /** Follow a symlink in the last component. */
  follow: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  /** It must be a directory. */
  directory: boolean;
  read: boolean;
  write: boolean;
}

/**
 * What files and directories both do.
 *
 * @example
 * ```ts
 * import type { WasiHandle } from "./dir.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(handle: WasiHandle) {
 *   const stat = handle.stat();
 *   if (typeof stat !== "number") console.log(stat.size);
 *   handle.close();
 * }
 * ```
 */
export interface WasiHandle {
  /** WASI file type of this handle. */
  readonly filetype: number;
  stat(): Filestat | number;
  setTimes(times: NewTimes): number;
  /** Releases it; later calls are not made. */
  close(): void;
}

/**
 * An open file (or other non-directory).
 *
 * @example
 * ```ts
 * import type { WasiFile } from "./dir.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(file: WasiFile) {
 *   const buf = new Uint8Array(16);
 *   const n = file.read(buf); // bytes read, or -errno
 * }
 * ```
 */
export interface WasiFile extends WasiHandle {
  /** Bytes read at the position (moving it), or -errno. */
  read(into: Uint8Array): number;
  /** Bytes written at the position (or at the end with `append`), or -errno. */
  write(data: Uint8Array, append: boolean): number;
  /** Bytes read at `offset` without moving the position, or -errno. */
  pread(into: Uint8Array, offset: number): number;
  /** Bytes written at `offset` without moving the position, or -errno. */
  pwrite(data: Uint8Array, offset: number): number;
  /** New position (whence 0 set, 1 current, 2 end), or -errno. */
  seek(offset: number, whence: number): number;
  setSize(size: number): number;
  sync(): number;
  datasync(): number;
  /** Makes sure [offset, offset+len) is allocated (the file grows to cover it). */
  allocate(offset: number, len: number): number;
}

/**
 * A directory: every path a call names is relative to it and must stay
 * beneath its backend's root.
 *
 * @example
 * ```ts
 * import type { WasiDir } from "./dir.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(dir: WasiDir) {
 *   const errno = dir.createDirectory("logs");
 * }
 * ```
 */
export interface WasiDir extends WasiHandle {
  open(path: string, options: OpenOptions): WasiDir | WasiFile | number;
  statAt(path: string, follow: boolean): Filestat | number;
  setTimesAt(path: string, follow: boolean, times: NewTimes): number;
  createDirectory(path: string): number;
  removeDirectory(path: string): number;
  unlinkFile(path: string): number;
  /** `to` is a directory of the same backend (else EXDEV). */
  rename(path: string, to: WasiDir, toPath: string): number;
  /** A hard link at `toPath` to `path` (following its last symlink if asked). */
  link(path: string, follow: boolean, to: WasiDir, toPath: string): number;
  /** A symlink at `path` holding `target`; targets that could lead out are refused. */
  symlink(target: string, path: string): number;
  /** The link's target as bytes, or an errno. */
  readlink(path: string): Uint8Array | number;
  /** Every entry, `.` and `..` first, or an errno. */
  entries(): DirEntry[] | number;
}
