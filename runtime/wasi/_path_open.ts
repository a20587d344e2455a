/**
 * path_open: opens a file or directory under a directory fd.
 *
 * The host open mode follows the rights asked for, as wasi-libc and
 * wasmtime do: any of FD_WRITE, FD_DATASYNC, FD_ALLOCATE,
 * FD_FILESTAT_SET_SIZE (or O_TRUNC, or APPEND) opens for writing, and asking
 * for those where the directory cannot grant them (a read-only preopen)
 * answers ENOTCAPABLE. Other rights asked for and not held are dropped
 * quietly (the spec lets the host grant fewer). The new fd's rights never
 * claim more than the host handle can do: a file opened read-only has no
 * FD_WRITE.
 *
 * @module
 */

import {
  DIR_RIGHTS,
  FdFlags,
  FILE_RIGHTS,
  FILE_WRITE_RIGHTS,
  FileType,
  LOOKUP_SYMLINK_FOLLOW,
  OFlags,
  Rights,
  rightsFromU64,
} from "./_abi.ts";
import type { WasiContext } from "./_context.ts";
import { DirFd, FileFd } from "./_fd_table.ts";
import { dirWith, pathArg } from "./_path_args.ts";
import type { WasiDir, WasiFile } from "./dir.ts";
import { Errno } from "./errno.ts";

/**
 * path_open(fd, dirflags, path, path_len, oflags, base, inheriting, fdflags, fd_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathOpen } from "./_path_open.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // open the 9-byte path at 64 for reading; new fd at 8
 *   const errno = pathOpen(ctx, 3, 1, 64, 9, 0, 2n, 0n, 0, 8);
 * }
 * ```
 */
export function pathOpen(
  ctx: WasiContext,
  fd: number,
  dirflags: number,
  pathPtr: number,
  pathLen: number,
  oflags: number,
  base: bigint,
  inheriting: bigint,
  fdflags: number,
  fdPtr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const dir = dirWith(ctx, fd, Rights.PATH_OPEN);
  if (typeof dir === "number") return dir;
  fdPtr >>>= 0;
  if (!mem.fits(fdPtr, 4)) return Errno.EFAULT;
  if (oflags & ~0xf || fdflags & ~0x1f) return Errno.EINVAL;
  const requested = rightsFromU64(base);
  const creat = (oflags & OFlags.CREAT) !== 0;
  const trunc = (oflags & OFlags.TRUNC) !== 0;
  const write = (requested & FILE_WRITE_RIGHTS) !== 0 || trunc ||
    (fdflags & FdFlags.APPEND) !== 0;
  // Asking to write where writing is not granted (a read-only preopen).
  if (write && (requested & FILE_WRITE_RIGHTS & ~dir.rightsInheriting)) {
    return Errno.ENOTCAPABLE;
  }
  if ((write || creat) && !dir.writable) return Errno.ENOTCAPABLE;
  if (creat && (dir.rightsBase & Rights.PATH_CREATE_FILE) === 0) {
    return Errno.ENOTCAPABLE;
  }
  // Truncating changes the file's size: the directory must grant that.
  if (trunc && (dir.rightsBase & Rights.PATH_FILESTAT_SET_SIZE) === 0) {
    return Errno.ENOTCAPABLE;
  }
  const path = pathArg(ctx, pathPtr, pathLen);
  if (typeof path === "number") return path;
  const backend = dir.dir();
  if (typeof backend === "number") return backend;
  const read = (requested & (Rights.FD_READ | Rights.FD_READDIR)) !== 0 ||
    !write;
  const opened = backend.open(path, {
    follow: (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0,
    create: creat,
    exclusive: creat && (oflags & OFlags.EXCL) !== 0,
    truncate: trunc,
    directory: (oflags & OFlags.DIRECTORY) !== 0,
    read,
    write,
  });
  if (typeof opened === "number") return opened;
  const inherited = rightsFromU64(inheriting) & dir.rightsInheriting;
  if (opened.filetype === FileType.DIRECTORY) {
    return install(
      ctx,
      new DirFd(
        opened as WasiDir,
        dir.writable,
        requested & dir.rightsInheriting & DIR_RIGHTS,
        inherited,
      ),
      fdflags,
      fdPtr,
    );
  }
  let rights = requested & dir.rightsInheriting & FILE_RIGHTS;
  if (!write) rights &= ~FILE_WRITE_RIGHTS;
  if (!read) rights &= ~Rights.FD_READ;
  return install(
    ctx,
    new FileFd(opened as WasiFile, rights, inherited),
    fdflags,
    fdPtr,
  );
}

/** Puts a newly opened entry in the table and tells the guest its fd. */
function install(
  ctx: WasiContext,
  entry: DirFd | FileFd,
  fdflags: number,
  fdPtr: number,
): number {
  entry.flags = fdflags;
  const fd = ctx.fds.add(entry);
  if (fd < 0) return -fd;
  ctx.mem.refresh();
  ctx.mem.view.setUint32(fdPtr, fd, true);
  return Errno.ESUCCESS;
}
