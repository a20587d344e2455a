/**
 * Descriptor bookkeeping: close, renumber, fdstat (24 bytes: filetype u8
 * @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16) and its
 * setters, prestat (8 bytes: tag u8 @0, name_len u32 @4).
 *
 * @module
 */

import { FdFlags, Rights, rightsFromU64, Size } from "./_abi.ts";
import type { WasiContext } from "./_context.ts";
import { DirFd, type FdEntry } from "./_fd_table.ts";
import { Errno } from "./errno.ts";

const encoder = new TextEncoder();
const ALL_FDFLAGS = FdFlags.APPEND | FdFlags.DSYNC | FdFlags.NONBLOCK |
  FdFlags.RSYNC | FdFlags.SYNC;

/** The entry if it holds `right`, else EBADF (not open) or ENOTCAPABLE. */
function withRight(
  entry: FdEntry | undefined,
  right: number,
): FdEntry | number {
  if (entry === undefined) return Errno.EBADF;
  return (entry.rightsBase & right) === right ? entry : Errno.ENOTCAPABLE;
}

/**
 * fd_close(fd)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdClose } from "./_fd_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   const errno = fdClose(ctx, 4);
 * }
 * ```
 */
export function fdClose(ctx: WasiContext, fd: number): number {
  return ctx.fds.close(fd);
}

/**
 * fd_renumber(fd, to)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdRenumber } from "./_fd_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // fd 5 becomes fd 4 (which is closed first)
 *   const errno = fdRenumber(ctx, 5, 4);
 * }
 * ```
 */
export function fdRenumber(ctx: WasiContext, fd: number, to: number): number {
  return ctx.fds.renumber(fd, to);
}

/**
 * fd_fdstat_get(fd, fdstat_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdFdstatGet } from "./_fd_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // 24-byte fdstat of stdout at 16
 *   const errno = fdFdstatGet(ctx, 1, 16);
 * }
 * ```
 */
export function fdFdstatGet(ctx: WasiContext, fd: number, ptr: number): number {
  const mem = ctx.mem;
  mem.refresh();
  const entry = ctx.fds.get(fd);
  if (entry === undefined) return Errno.EBADF;
  ptr >>>= 0;
  if (!mem.fits(ptr, Size.FDSTAT)) return Errno.EFAULT;
  const view = mem.view;
  view.setUint32(ptr, 0, true);
  view.setUint8(ptr, entry.filetype);
  view.setUint16(ptr + 2, entry.flags, true);
  view.setUint32(ptr + 4, 0, true);
  mem.setU64(ptr + 8, entry.rightsBase);
  mem.setU64(ptr + 16, entry.rightsInheriting);
  return Errno.ESUCCESS;
}

/**
 * fd_fdstat_set_flags(fd, flags): APPEND and the sync flags take effect.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdFdstatSetFlags } from "./_fd_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // APPEND
 *   const errno = fdFdstatSetFlags(ctx, 4, 1);
 * }
 * ```
 */
export function fdFdstatSetFlags(
  ctx: WasiContext,
  fd: number,
  flags: number,
): number {
  const entry = withRight(ctx.fds.get(fd), Rights.FD_FDSTAT_SET_FLAGS);
  if (typeof entry === "number") return entry;
  if (flags & ~ALL_FDFLAGS) return Errno.EINVAL;
  entry.flags = flags;
  return Errno.ESUCCESS;
}

/**
 * fd_fdstat_set_rights(fd, base, inheriting): rights can only shrink.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdFdstatSetRights } from "./_fd_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // keep FD_READ only
 *   const errno = fdFdstatSetRights(ctx, 4, 2n, 0n);
 * }
 * ```
 */
export function fdFdstatSetRights(
  ctx: WasiContext,
  fd: number,
  base: bigint,
  inheriting: bigint,
): number {
  const entry = ctx.fds.get(fd);
  if (entry === undefined) return Errno.EBADF;
  if (
    BigInt.asUintN(64, base) >> 30n || BigInt.asUintN(64, inheriting) >> 30n
  ) {
    return Errno.ENOTCAPABLE;
  }
  const newBase = rightsFromU64(base);
  const newInheriting = rightsFromU64(inheriting);
  if (
    newBase & ~entry.rightsBase || newInheriting & ~entry.rightsInheriting
  ) {
    return Errno.ENOTCAPABLE;
  }
  entry.rightsBase = newBase;
  entry.rightsInheriting = newInheriting;
  return Errno.ESUCCESS;
}

/**
 * fd_prestat_get(fd, prestat_ptr): EBADF for anything but a preopen.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdPrestatGet } from "./_fd_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // tag and name length of the first preopen at 16
 *   const errno = fdPrestatGet(ctx, 3, 16);
 * }
 * ```
 */
export function fdPrestatGet(
  ctx: WasiContext,
  fd: number,
  ptr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const entry = ctx.fds.get(fd);
  if (!(entry instanceof DirFd) || entry.preopenName === undefined) {
    return Errno.EBADF;
  }
  ptr >>>= 0;
  if (!mem.fits(ptr, Size.PRESTAT)) return Errno.EFAULT;
  mem.view.setUint32(ptr, 0, true); // tag 0 = dir, and the padding
  mem.view.setUint32(
    ptr + 4,
    encoder.encode(entry.preopenName).length,
    true,
  );
  return Errno.ESUCCESS;
}

/**
 * fd_prestat_dir_name(fd, path_ptr, path_len)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdPrestatDirName } from "./_fd_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // its guest path (5 bytes) at 64
 *   const errno = fdPrestatDirName(ctx, 3, 64, 5);
 * }
 * ```
 */
export function fdPrestatDirName(
  ctx: WasiContext,
  fd: number,
  ptr: number,
  len: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const entry = ctx.fds.get(fd);
  if (!(entry instanceof DirFd) || entry.preopenName === undefined) {
    return Errno.EBADF;
  }
  ptr >>>= 0;
  len >>>= 0;
  if (!mem.fits(ptr, len)) return Errno.EFAULT;
  const name = encoder.encode(entry.preopenName);
  if (len < name.length) return Errno.ENAMETOOLONG;
  mem.u8.set(name, ptr);
  return Errno.ESUCCESS;
}
