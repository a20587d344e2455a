/**
 * A descriptor's file: filestat (get, set size, set times), sync, datasync,
 * advise, allocate.
 *
 * A right the fd lacks answers ENOTCAPABLE; a stream (stdio) where a file is
 * needed answers ESPIPE for advise/allocate and EINVAL for sync, as POSIX.
 *
 * @module
 */

import { Rights, Size } from "./_abi.ts";
import type { WasiContext } from "./_context.ts";
import { DirFd, type FdEntry, FileFd } from "./_fd_table.ts";
import {
  checkFstFlags,
  writeFilestat,
  writeStreamFilestat,
} from "./_filestat.ts";
import type { WasiFile, WasiHandle } from "./dir.ts";
import { Errno } from "./errno.ts";

/** The file or directory behind `entry`, or an errno. */
function handleOf(entry: DirFd | FileFd): WasiHandle | number {
  return entry instanceof FileFd ? entry.file : entry.dir();
}

/** The entry if it holds `right`, else EBADF (not open) or ENOTCAPABLE. */
function withRight(
  entry: FdEntry | undefined,
  right: number,
): FdEntry | number {
  if (entry === undefined) return Errno.EBADF;
  return (entry.rightsBase & right) === right ? entry : Errno.ENOTCAPABLE;
}

/**
 * fd_filestat_get(fd, filestat_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdFilestatGet } from "./_fd_file_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // 64-byte filestat at 64
 *   const errno = fdFilestatGet(ctx, 4, 64);
 * }
 * ```
 */
export function fdFilestatGet(
  ctx: WasiContext,
  fd: number,
  ptr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const entry = withRight(ctx.fds.get(fd), Rights.FD_FILESTAT_GET);
  if (typeof entry === "number") return entry;
  ptr >>>= 0;
  if (!mem.fits(ptr, Size.FILESTAT)) return Errno.EFAULT;
  if (!(entry instanceof FileFd || entry instanceof DirFd)) {
    writeStreamFilestat(mem, ptr, entry.filetype);
    return Errno.ESUCCESS;
  }
  const handle = handleOf(entry);
  if (typeof handle === "number") return handle;
  const stat = handle.stat();
  if (typeof stat === "number") return stat;
  mem.refresh();
  writeFilestat(mem, ptr, stat);
  return Errno.ESUCCESS;
}

/**
 * fd_filestat_set_size(fd, size): truncates or extends the file.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdFilestatSetSize } from "./_fd_file_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // truncate to empty
 *   const errno = fdFilestatSetSize(ctx, 4, 0n);
 * }
 * ```
 */
export function fdFilestatSetSize(
  ctx: WasiContext,
  fd: number,
  size: bigint,
): number {
  const entry = withRight(ctx.fds.get(fd), Rights.FD_FILESTAT_SET_SIZE);
  if (typeof entry === "number") return entry;
  if (!(entry instanceof FileFd)) return Errno.EINVAL;
  const length = Number(BigInt.asUintN(64, size));
  if (length > Number.MAX_SAFE_INTEGER) return Errno.EFBIG;
  return entry.file.setSize(length);
}

/**
 * fd_filestat_set_times(fd, atim, mtim, fstflags)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdFilestatSetTimes } from "./_fd_file_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // atime and mtime to now
 *   const errno = fdFilestatSetTimes(ctx, 4, 0n, 0n, 2 | 8);
 * }
 * ```
 */
export function fdFilestatSetTimes(
  ctx: WasiContext,
  fd: number,
  atim: bigint,
  mtim: bigint,
  flags: number,
): number {
  const entry = withRight(ctx.fds.get(fd), Rights.FD_FILESTAT_SET_TIMES);
  if (typeof entry === "number") return entry;
  if (!(entry instanceof FileFd || entry instanceof DirFd)) {
    return Errno.EINVAL;
  }
  const invalid = checkFstFlags(flags);
  if (invalid) return invalid;
  const handle = handleOf(entry);
  if (typeof handle === "number") return handle;
  return handle.setTimes({ atim, mtim, flags });
}

/**
 * fd_sync(fd)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdSync } from "./_fd_file_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   const errno = fdSync(ctx, 4);
 * }
 * ```
 */
export function fdSync(ctx: WasiContext, fd: number): number {
  return syncCall(ctx.fds.get(fd), Rights.FD_SYNC, (f) => f.sync());
}

/**
 * fd_datasync(fd)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdDatasync } from "./_fd_file_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   const errno = fdDatasync(ctx, 4);
 * }
 * ```
 */
export function fdDatasync(ctx: WasiContext, fd: number): number {
  return syncCall(ctx.fds.get(fd), Rights.FD_DATASYNC, (f) => f.datasync());
}

function syncCall(
  entry: FdEntry | undefined,
  right: number,
  sync: (file: WasiFile) => number,
): number {
  if (entry === undefined) return Errno.EBADF;
  // Directory entries reach disk with the files' own syncs; nothing to do.
  if (entry instanceof DirFd) return Errno.ESUCCESS;
  if (!(entry instanceof FileFd)) return Errno.EINVAL;
  if ((entry.rightsBase & right) === 0) return Errno.ENOTCAPABLE;
  return sync(entry.file);
}

/**
 * fd_advise(fd, offset, len, advice): advisory, so validated and ignored.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdAdvise } from "./_fd_file_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // sequential access (accepted, ignored)
 *   const errno = fdAdvise(ctx, 4, 0n, 0n, 1);
 * }
 * ```
 */
export function fdAdvise(
  ctx: WasiContext,
  fd: number,
  _offset: bigint,
  _len: bigint,
  advice: number,
): number {
  const entry = ctx.fds.get(fd);
  if (entry === undefined) return Errno.EBADF;
  if (entry instanceof DirFd) return Errno.EBADF;
  if (!(entry instanceof FileFd)) return Errno.ESPIPE;
  if ((entry.rightsBase & Rights.FD_ADVISE) === 0) return Errno.ENOTCAPABLE;
  return advice >= 0 && advice <= 5 ? Errno.ESUCCESS : Errno.EINVAL;
}

/**
 * fd_allocate(fd, offset, len): grows the file to cover the range.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdAllocate } from "./_fd_file_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // make the file at least 4 KiB
 *   const errno = fdAllocate(ctx, 4, 0n, 4096n);
 * }
 * ```
 */
export function fdAllocate(
  ctx: WasiContext,
  fd: number,
  offset: bigint,
  len: bigint,
): number {
  const entry = ctx.fds.get(fd);
  if (entry === undefined) return Errno.EBADF;
  if (entry instanceof DirFd) return Errno.EBADF;
  if (!(entry instanceof FileFd)) return Errno.ESPIPE;
  if ((entry.rightsBase & Rights.FD_ALLOCATE) === 0) return Errno.ENOTCAPABLE;
  const end = BigInt.asUintN(64, offset) + BigInt.asUintN(64, len);
  if (BigInt.asUintN(64, len) === 0n) return Errno.EINVAL;
  if (end > BigInt(Number.MAX_SAFE_INTEGER)) return Errno.EFBIG;
  return entry.file.allocate(
    Number(BigInt.asUintN(64, offset)),
    Number(BigInt.asUintN(64, len)),
  );
}
