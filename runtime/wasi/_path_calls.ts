/**
 * path_* calls other than path_open. Every guest path is handed to the
 * directory backend, which resolves it beneath its root; every call that
 * changes the file system needs the matching right, which a read-only
 * preopen never grants (ENOTCAPABLE).
 *
 * @module
 */

import { LOOKUP_SYMLINK_FOLLOW, Rights, Size } from "./_abi.ts";
import type { WasiContext } from "./_context.ts";
import { checkFstFlags, writeFilestat } from "./_filestat.ts";
import { backendWith, dirWith, pathArg } from "./_path_args.ts";
import { readGuestPath } from "./_paths.ts";
import { Errno } from "./errno.ts";

/**
 * path_create_directory(fd, path, path_len)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathCreateDirectory } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // mkdir the 3-byte path at 64
 *   const errno = pathCreateDirectory(ctx, 3, 64, 3);
 * }
 * ```
 */
export function pathCreateDirectory(
  ctx: WasiContext,
  fd: number,
  ptr: number,
  len: number,
): number {
  ctx.mem.refresh();
  const dir = backendWith(ctx, fd, Rights.PATH_CREATE_DIRECTORY);
  if (typeof dir === "number") return dir;
  const path = pathArg(ctx, ptr, len, Errno.EEXIST);
  if (typeof path === "number") return path;
  return dir.createDirectory(path);
}

/**
 * path_remove_directory(fd, path, path_len): the directory must be empty.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathRemoveDirectory } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // rmdir the 3-byte path at 64
 *   const errno = pathRemoveDirectory(ctx, 3, 64, 3);
 * }
 * ```
 */
export function pathRemoveDirectory(
  ctx: WasiContext,
  fd: number,
  ptr: number,
  len: number,
): number {
  ctx.mem.refresh();
  const dir = backendWith(ctx, fd, Rights.PATH_REMOVE_DIRECTORY);
  if (typeof dir === "number") return dir;
  const path = pathArg(ctx, ptr, len, Errno.EINVAL);
  if (typeof path === "number") return path;
  return dir.removeDirectory(path);
}

/**
 * path_unlink_file(fd, path, path_len): never a directory (EISDIR).
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathUnlinkFile } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // unlink the 5-byte path at 64
 *   const errno = pathUnlinkFile(ctx, 3, 64, 5);
 * }
 * ```
 */
export function pathUnlinkFile(
  ctx: WasiContext,
  fd: number,
  ptr: number,
  len: number,
): number {
  ctx.mem.refresh();
  const dir = backendWith(ctx, fd, Rights.PATH_UNLINK_FILE);
  if (typeof dir === "number") return dir;
  const path = pathArg(ctx, ptr, len, Errno.EISDIR);
  if (typeof path === "number") return path;
  return dir.unlinkFile(path);
}

/**
 * path_rename(fd, old_path, old_len, new_fd, new_path, new_len)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathRename } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // rename the path at 64 to the one at 128
 *   const errno = pathRename(ctx, 3, 64, 5, 3, 128, 5);
 * }
 * ```
 */
export function pathRename(
  ctx: WasiContext,
  fd: number,
  oldPtr: number,
  oldLen: number,
  newFd: number,
  newPtr: number,
  newLen: number,
): number {
  ctx.mem.refresh();
  const from = backendWith(ctx, fd, Rights.PATH_RENAME_SOURCE);
  if (typeof from === "number") return from;
  const to = backendWith(ctx, newFd, Rights.PATH_RENAME_TARGET);
  if (typeof to === "number") return to;
  const oldPath = pathArg(ctx, oldPtr, oldLen, Errno.EBUSY);
  if (typeof oldPath === "number") return oldPath;
  const newPath = pathArg(ctx, newPtr, newLen, Errno.EBUSY);
  if (typeof newPath === "number") return newPath;
  return from.rename(oldPath, to, newPath);
}

/**
 * path_filestat_get(fd, lookupflags, path, path_len, filestat_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathFilestatGet } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // stat (following links) into the 64 bytes at 256
 *   const errno = pathFilestatGet(ctx, 3, 1, 64, 5, 256);
 * }
 * ```
 */
export function pathFilestatGet(
  ctx: WasiContext,
  fd: number,
  flags: number,
  ptr: number,
  len: number,
  statPtr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const dir = backendWith(ctx, fd, Rights.PATH_FILESTAT_GET);
  if (typeof dir === "number") return dir;
  statPtr >>>= 0;
  if (!mem.fits(statPtr, Size.FILESTAT)) return Errno.EFAULT;
  const path = pathArg(ctx, ptr, len);
  if (typeof path === "number") return path;
  const stat = dir.statAt(path, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
  if (typeof stat === "number") return stat;
  mem.refresh();
  writeFilestat(mem, statPtr, stat);
  return Errno.ESUCCESS;
}

/**
 * path_filestat_set_times(fd, lookupflags, path, path_len, atim, mtim, fstflags)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathFilestatSetTimes } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // touch the path at 64
 *   const errno = pathFilestatSetTimes(ctx, 3, 1, 64, 5, 0n, 0n, 2 | 8);
 * }
 * ```
 */
export function pathFilestatSetTimes(
  ctx: WasiContext,
  fd: number,
  flags: number,
  ptr: number,
  len: number,
  atim: bigint,
  mtim: bigint,
  fstflags: number,
): number {
  ctx.mem.refresh();
  const dir = backendWith(ctx, fd, Rights.PATH_FILESTAT_SET_TIMES);
  if (typeof dir === "number") return dir;
  const path = pathArg(ctx, ptr, len);
  if (typeof path === "number") return path;
  const invalid = checkFstFlags(fstflags);
  if (invalid) return invalid;
  return dir.setTimesAt(path, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0, {
    atim,
    mtim,
    flags: fstflags,
  });
}

/**
 * path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathLink } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // hard link the path at 64 as the one at 128
 *   const errno = pathLink(ctx, 3, 0, 64, 5, 3, 128, 5);
 * }
 * ```
 */
export function pathLink(
  ctx: WasiContext,
  oldFd: number,
  oldFlags: number,
  oldPtr: number,
  oldLen: number,
  newFd: number,
  newPtr: number,
  newLen: number,
): number {
  ctx.mem.refresh();
  // Both ends need write access: a link from a read-only preopen into a
  // writable one would make the read-only file writable.
  const from = dirWith(ctx, oldFd, Rights.PATH_LINK_SOURCE);
  if (typeof from === "number") return from;
  const to = dirWith(ctx, newFd, Rights.PATH_LINK_TARGET);
  if (typeof to === "number") return to;
  if (!from.writable || !to.writable) return Errno.ENOTCAPABLE;
  const oldPath = pathArg(ctx, oldPtr, oldLen, Errno.EPERM);
  if (typeof oldPath === "number") return oldPath;
  const newPath = pathArg(ctx, newPtr, newLen, Errno.EEXIST);
  if (typeof newPath === "number") return newPath;
  const fromDir = from.dir();
  if (typeof fromDir === "number") return fromDir;
  const toDir = to.dir();
  if (typeof toDir === "number") return toDir;
  const follow = (oldFlags & LOOKUP_SYMLINK_FOLLOW) !== 0;
  return fromDir.link(oldPath, follow, toDir, newPath);
}

/**
 * path_readlink(fd, path, path_len, buf, buf_len, bufused_ptr): truncates as POSIX.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathReadlink } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // link target into [256, 356); length at 8
 *   const errno = pathReadlink(ctx, 3, 64, 4, 256, 100, 8);
 * }
 * ```
 */
export function pathReadlink(
  ctx: WasiContext,
  fd: number,
  ptr: number,
  len: number,
  buf: number,
  bufLen: number,
  bufusedPtr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const dir = backendWith(ctx, fd, Rights.PATH_READLINK);
  if (typeof dir === "number") return dir;
  buf >>>= 0;
  bufLen >>>= 0;
  bufusedPtr >>>= 0;
  if (!mem.fits(buf, bufLen) || !mem.fits(bufusedPtr, 4)) return Errno.EFAULT;
  const path = pathArg(ctx, ptr, len);
  if (typeof path === "number") return path;
  const target = dir.readlink(path);
  if (typeof target === "number") return target;
  const n = Math.min(target.length, bufLen);
  mem.refresh();
  mem.u8.set(target.subarray(0, n), buf);
  mem.view.setUint32(bufusedPtr, n, true);
  return Errno.ESUCCESS;
}

/**
 * path_symlink(old_path, old_len, fd, new_path, new_len). The backend
 * refuses targets that could lead out of the preopen.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathSymlink } from "./_path_calls.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // link at the path at 128 pointing to the one at 64
 *   const errno = pathSymlink(ctx, 64, 9, 3, 128, 4);
 * }
 * ```
 */
export function pathSymlink(
  ctx: WasiContext,
  targetPtr: number,
  targetLen: number,
  fd: number,
  ptr: number,
  len: number,
): number {
  ctx.mem.refresh();
  const dir = backendWith(ctx, fd, Rights.PATH_SYMLINK);
  if (typeof dir === "number") return dir;
  const target = readGuestPath(ctx.mem, targetPtr, targetLen);
  if (typeof target === "number") return target;
  const path = pathArg(ctx, ptr, len, Errno.EEXIST);
  if (typeof path === "number") return path;
  return dir.symlink(target, path);
}
