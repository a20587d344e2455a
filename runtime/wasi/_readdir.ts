/**
 * fd_readdir: a directory as a byte stream of dirents (24-byte header:
 * d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20; then the
 * name, not NUL-terminated).
 *
 * Cookies are positions in a listing taken when the guest starts over at
 * cookie 0 (like rewinddir) and kept on the fd for later cookies. The
 * listing starts with `.` and `..`, then the backend's order. When the buffer
 * is too small for the next entry, as much of it as fits is written and
 * bufused equals buf_len: the spec's signal that the guest should grow its
 * buffer and ask again from that entry's cookie (wasi-libc does).
 *
 * @module
 */

import { Rights, Size } from "./_abi.ts";
import type { WasiContext } from "./_context.ts";
import { DirFd } from "./_fd_table.ts";
import { Errno } from "./errno.ts";

const header = new Uint8Array(Size.DIRENT);
const headerView = new DataView(header.buffer);

/**
 * fd_readdir(fd, buf, buf_len, cookie, bufused_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdReaddir } from "./_readdir.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // dirents from the start into [1024, 5120); bytes used at 8
 *   const errno = fdReaddir(ctx, 3, 1024, 4096, 0n, 8);
 * }
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
    const backend = dir.dir();
    if (typeof backend === "number") return backend;
    const entries = backend.entries();
    if (typeof entries === "number") return entries;
    listing = dir.listing = entries;
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
