/**
 * Byte I/O on descriptors: fd_read, fd_write, fd_pread, fd_pwrite, fd_seek,
 * fd_tell. fd_read/fd_write on stdio are the hot path of every invocation:
 * they copy straight between guest memory and the stdin array or the
 * OutputBuffer, with no allocation besides the copy itself.
 *
 * Every iovec is bounds-checked before any byte moves, so a bad iovec array
 * answers EFAULT with nothing read or written.
 *
 * @module
 */

import { FdFlags, Rights, Size } from "./_abi.ts";
import { copyToGuest } from "./guest_copy.ts";
import type { WasiContext } from "./_context.ts";
import { DirFd, type FdEntry, FileFd, SinkFd, StdinFd } from "./_fd_table.ts";
import type { GuestMemory } from "./_memory.ts";
import type { WasiFile } from "./dir.ts";
import { Errno } from "./errno.ts";

const U32_MAX = 0xffffffff;

/**
 * Checks an iovec array and every buffer it names; answers the total length,
 * or -EFAULT / -EINVAL (a total past u32).
 */
function checkIovs(mem: GuestMemory, iovs: number, count: number): number {
  if (!mem.fitsArray(iovs, count, Size.IOVEC)) return -Errno.EFAULT;
  const view = mem.view;
  const size = mem.size;
  let total = 0;
  for (let p = iovs, end = iovs + count * Size.IOVEC; p < end; p += 8) {
    const ptr = view.getUint32(p, true);
    const len = view.getUint32(p + 4, true);
    if (ptr + len > size) return -Errno.EFAULT;
    total += len;
  }
  return total > U32_MAX ? -Errno.EINVAL : total;
}

/**
 * fd_read(fd, iovs, iovs_len, nread_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdRead } from "./_fd_io.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // stdin into the iovecs at 0 (one of them); count read at 8
 *   const errno = fdRead(ctx, 0, 0, 1, 8);
 * }
 * ```
 */
export function fdRead(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  count: number,
  nreadPtr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const entry = ctx.fds.get(fd);
  if (entry === undefined) return Errno.EBADF;
  iovs >>>= 0;
  count >>>= 0;
  nreadPtr >>>= 0;
  if (!mem.fits(nreadPtr, 4)) return Errno.EFAULT;
  const checked = checkIovs(mem, iovs, count);
  if (checked < 0) return -checked;
  if (entry instanceof DirFd) return Errno.EISDIR;
  if ((entry.rightsBase & Rights.FD_READ) === 0) return Errno.ENOTCAPABLE;
  let total: number;
  if (entry instanceof StdinFd) total = readStdin(mem, entry, iovs, count);
  else {
    total = readFile(mem, (entry as FileFd).file, iovs, count, -1);
    if (total < 0) return -total;
  }
  mem.view.setUint32(nreadPtr, total, true);
  return Errno.ESUCCESS;
}

function readStdin(
  mem: GuestMemory,
  entry: StdinFd,
  iovs: number,
  count: number,
): number {
  const bytes = entry.bytes;
  let total = 0;
  for (let i = 0, p = iovs; i < count; i++, p += 8) {
    const view = mem.view;
    const ptr = view.getUint32(p, true);
    const len = view.getUint32(p + 4, true);
    if (len === 0) continue;
    let n: number;
    if (bytes !== undefined) {
      const pos = entry.pos;
      n = Math.min(len, bytes.length - pos);
      if (n <= 0) break;
      copyToGuest(bytes, pos, pos + n, mem.u8, ptr);
      entry.pos = pos + n;
    } else {
      const got = entry.source!.read(mem.u8.subarray(ptr, ptr + len));
      // The source is foreign code: memory may have grown meanwhile.
      mem.refresh();
      // A misbehaving source must not make the guest see more than it asked.
      n = got > 0 ? Math.min(Math.floor(got), len) : 0;
    }
    total += n;
    if (n < len) break;
  }
  return total;
}

/**
 * Reads into the iovecs from the file's position, or at `at` when it is
 * not negative; -errno on failure.
 */
function readFile(
  mem: GuestMemory,
  file: WasiFile,
  iovs: number,
  count: number,
  at: number,
): number {
  const { u8, view } = mem;
  let total = 0;
  for (let i = 0, p = iovs; i < count; i++, p += 8) {
    const ptr = view.getUint32(p, true);
    const len = view.getUint32(p + 4, true);
    if (len === 0) continue;
    const into = u8.subarray(ptr, ptr + len);
    const n = at < 0 ? file.read(into) : file.pread(into, at + total);
    if (n < 0) return total > 0 ? total : n;
    total += n;
    if (n < len) break;
  }
  return total;
}

/** Writes the iovecs at the position (or `at`); bytes written or -errno. */
function writeFile(
  mem: GuestMemory,
  file: WasiFile,
  iovs: number,
  count: number,
  at: number,
  append: boolean,
): number {
  const { u8, view } = mem;
  let total = 0;
  for (let i = 0, p = iovs; i < count; i++, p += 8) {
    const ptr = view.getUint32(p, true);
    const data = u8.subarray(ptr, ptr + view.getUint32(p + 4, true));
    if (data.length === 0) continue;
    const n = at < 0 ? file.write(data, append) : file.pwrite(data, at + total);
    if (n < 0) return total > 0 ? total : n;
    total += n;
  }
  return total;
}

/**
 * fd_write(fd, iovs, iovs_len, nwritten_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdWrite } from "./_fd_io.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // the iovec at 0 to stdout; count written at 8
 *   const errno = fdWrite(ctx, 1, 0, 1, 8);
 * }
 * ```
 */
export function fdWrite(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  count: number,
  nwrittenPtr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const entry = ctx.fds.get(fd);
  if (entry === undefined) return Errno.EBADF;
  iovs >>>= 0;
  count >>>= 0;
  nwrittenPtr >>>= 0;
  if (!mem.fits(nwrittenPtr, 4)) return Errno.EFAULT;
  let total = checkIovs(mem, iovs, count);
  if (total < 0) return -total;
  if ((entry.rightsBase & Rights.FD_WRITE) === 0) return Errno.ENOTCAPABLE;
  if (entry instanceof SinkFd) {
    // Sink errors (OutputLimitError, ...) propagate: they end the run.
    const buffer = entry.buffer;
    for (let i = 0, p = iovs; i < count; i++, p += 8) {
      const view = mem.view;
      const ptr = view.getUint32(p, true);
      const len = view.getUint32(p + 4, true);
      if (len === 0) continue;
      if (buffer !== undefined) buffer.writeRange(mem.u8, ptr, ptr + len);
      else {
        entry.sink.write(mem.u8.subarray(ptr, ptr + len));
        mem.refresh(); // foreign code: memory may have grown meanwhile
      }
    }
  } else {
    const file = (entry as FileFd).file;
    const n = writeFile(
      mem,
      file,
      iovs,
      count,
      -1,
      (entry.flags & FdFlags.APPEND) !== 0,
    );
    if (n < 0) return -n;
    if (entry.flags & (FdFlags.DSYNC | FdFlags.SYNC)) file.datasync();
    total = n;
  }
  mem.view.setUint32(nwrittenPtr, total, true);
  return Errno.ESUCCESS;
}

/** The file behind `entry` if it may be positioned; else an errno. */
function seekable(entry: FdEntry | undefined, right: number): FileFd | number {
  if (entry === undefined) return Errno.EBADF;
  if (entry instanceof StdinFd || entry instanceof SinkFd) return Errno.ESPIPE;
  if (entry instanceof DirFd) return Errno.EISDIR;
  if ((entry.rightsBase & right) !== right) return Errno.ENOTCAPABLE;
  return entry;
}

/** A guest u64 file offset as a safe number, or -1 when it is not one. */
function offsetOf(value: bigint): number {
  const n = Number(BigInt.asUintN(64, value));
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

/**
 * fd_pread(fd, iovs, iovs_len, offset, nread_ptr): leaves the position as is.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdPread } from "./_fd_io.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // read at file offset 100 without moving the position
 *   const errno = fdPread(ctx, 4, 0, 1, 100n, 8);
 * }
 * ```
 */
export function fdPread(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  count: number,
  offset: bigint,
  nreadPtr: number,
): number {
  return positioned(ctx, fd, iovs, count, offset, nreadPtr, false);
}

/**
 * fd_pwrite(fd, iovs, iovs_len, offset, nwritten_ptr): leaves the position as is.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdPwrite } from "./_fd_io.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // write at file offset 100 without moving the position
 *   const errno = fdPwrite(ctx, 4, 0, 1, 100n, 8);
 * }
 * ```
 */
export function fdPwrite(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  count: number,
  offset: bigint,
  nwrittenPtr: number,
): number {
  return positioned(ctx, fd, iovs, count, offset, nwrittenPtr, true);
}

function positioned(
  ctx: WasiContext,
  fd: number,
  iovs: number,
  count: number,
  offset: bigint,
  resultPtr: number,
  write: boolean,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const entry = seekable(
    ctx.fds.get(fd),
    (write ? Rights.FD_WRITE : Rights.FD_READ) | Rights.FD_SEEK,
  );
  if (typeof entry === "number") return entry;
  iovs >>>= 0;
  count >>>= 0;
  resultPtr >>>= 0;
  if (!mem.fits(resultPtr, 4)) return Errno.EFAULT;
  const checked = checkIovs(mem, iovs, count);
  if (checked < 0) return -checked;
  const at = offsetOf(offset);
  if (at < 0) return Errno.EINVAL;
  const total = write
    ? writeFile(mem, entry.file, iovs, count, at, false)
    : readFile(mem, entry.file, iovs, count, at);
  if (total < 0) return -total;
  mem.view.setUint32(resultPtr, total, true);
  return Errno.ESUCCESS;
}

/**
 * fd_seek(fd, offset, whence, newoffset_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdSeek } from "./_fd_io.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // 10 bytes before the end; new offset (u64) at 8
 *   const errno = fdSeek(ctx, 4, -10n, 2, 8);
 * }
 * ```
 */
export function fdSeek(
  ctx: WasiContext,
  fd: number,
  offset: bigint,
  whence: number,
  newOffsetPtr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  const tellOnly = offset === 0n && whence === Deno.SeekMode.Current;
  const entry = seekable(
    ctx.fds.get(fd),
    tellOnly ? Rights.FD_TELL : Rights.FD_SEEK,
  );
  if (typeof entry === "number") return entry;
  newOffsetPtr >>>= 0;
  if (!mem.fits(newOffsetPtr, 8)) return Errno.EFAULT;
  if (whence < 0 || whence > 2) return Errno.EINVAL;
  const delta = Number(offset);
  if (!Number.isSafeInteger(delta)) return Errno.EINVAL;
  const position = entry.file.seek(delta, whence);
  if (position < 0) return -position;
  mem.setU64(newOffsetPtr, position);
  return Errno.ESUCCESS;
}

/**
 * fd_tell(fd, offset_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { fdTell } from "./_fd_io.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // current offset (u64) at 8
 *   const errno = fdTell(ctx, 4, 8);
 * }
 * ```
 */
export function fdTell(
  ctx: WasiContext,
  fd: number,
  offsetPtr: number,
): number {
  return fdSeek(ctx, fd, 0n, Deno.SeekMode.Current, offsetPtr);
}
