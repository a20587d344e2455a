/**
 * fd_readdir: a directory as a byte stream of dirents (24-byte header:
 * d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20; then the
 * name, not NUL-terminated).
 *
 * Cookies are positions in a listing taken when the guest starts over at
 * cookie 0 (like rewinddir) and kept on the fd for later cookies. The
 * listing starts with `.` and `..`, then the host's order. When the buffer
 * is too small for the next entry, as much of it as fits is written and
 * bufused equals buf_len: the spec's signal that the guest should grow its
 * buffer and ask again from that entry's cookie (wasi-libc does).
 *
 * @module
 */

import { FileType, fileTypeOf, Rights, Size } from "./_abi.ts";
import type { WasiContext } from "./_context.ts";
import { DirFd, type DirListing } from "./_fd_table.ts";
import { dirHostPath } from "./_paths.ts";
import { Errno, errnoFromError } from "./errno.ts";

const encoder = new TextEncoder();
const header = new Uint8Array(Size.DIRENT);
const headerView = new DataView(header.buffer);

function entryOf(name: string, info: Deno.FileInfo | undefined): DirListing {
  return {
    name: encoder.encode(name),
    ino: BigInt(info?.ino ?? 0),
    type: info === undefined ? FileType.UNKNOWN : fileTypeOf(info),
  };
}

function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch {
    return undefined; // removed since listed: still listed, type unknown
  }
}

/** Lists `dir` with `.` and `..` first. `..` of a preopen root is itself. */
function list(dir: DirFd): DirListing[] {
  const path = dirHostPath(dir);
  const self = Deno.statSync(path);
  if (!self.isDirectory) {
    throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
  }
  const parent = dir.rel.length === 0
    ? self
    : lstatOrUndefined(path.slice(0, path.lastIndexOf("/")) || "/");
  const listing = [entryOf(".", self), entryOf("..", parent ?? self)];
  for (const entry of Deno.readDirSync(path)) {
    listing.push(
      entryOf(entry.name, lstatOrUndefined(`${path}/${entry.name}`)),
    );
  }
  return listing;
}

/**
 * fd_readdir(fd, buf, buf_len, cookie, bufused_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdReaddir } from "./_readdir.ts";
 * declare const ctx: WasiContext;
 * // dirents from the start into [1024, 5120); bytes used at 8
 * const errno = fdReaddir(ctx, 3, 1024, 4096, 0n, 8);
 * ```
 */
export function fdReaddir(
  ctx: WasiContext,
  fd: number,
  buf: number,
  bufLen: number,
  cookie: bigint,
  bufusedPtr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const dir = ctx.fds.get(fd);
  if (dir === undefined) return Errno.EBADF;
  if (!(dir instanceof DirFd)) return Errno.ENOTDIR;
  if ((dir.rightsBase & Rights.FD_READDIR) === 0) return Errno.ENOTCAPABLE;
  buf >>>= 0;
  bufLen >>>= 0;
  bufusedPtr >>>= 0;
  if (!mem.fits(buf, bufLen) || !mem.fits(bufusedPtr, 4)) return Errno.EFAULT;
  let listing = dir.listing;
  if (cookie === 0n || listing === undefined) {
    try {
      listing = dir.listing = list(dir);
    } catch (e) {
      return errnoFromError(e);
    }
  }
  const u8 = mem.u8;
  const first = cookie >= BigInt(listing.length)
    ? listing.length
    : Number(cookie);
  let used = 0;
  for (let i = first; i < listing.length && used < bufLen; i++) {
    const { name, ino, type } = listing[i];
    headerView.setBigUint64(0, BigInt(i + 1), true);
    headerView.setBigUint64(8, ino, true);
    headerView.setUint32(16, name.length, true);
    headerView.setUint32(20, type, true); // d_type and zeroed padding
    const room = bufLen - used;
    if (Size.DIRENT + name.length <= room) {
      u8.set(header, buf + used);
      u8.set(name, buf + used + Size.DIRENT);
      used += Size.DIRENT + name.length;
    } else {
      // Partial last entry: the guest sees bufused == buf_len and retries.
      u8.set(header.subarray(0, Math.min(room, Size.DIRENT)), buf + used);
      if (room > Size.DIRENT) {
        u8.set(name.subarray(0, room - Size.DIRENT), buf + used + Size.DIRENT);
      }
      used = bufLen;
    }
  }
  mem.view.setUint32(bufusedPtr, used, true);
  return Errno.ESUCCESS;
}
