/**
 * One host descriptor: stat (statx, ns times), times (utimensat), the fd
 * ledger around open and close, and {@link HostFile}, a file of the host
 * directory backend.
 *
 * @module
 */

import { FileType, FstFlags } from "./_abi.ts";
import { cstr, lastErrno, type Libc, Linux, wasiErrno } from "./_libc.ts";
import type { Filestat, NewTimes, WasiFile } from "./dir.ts";
import { Errno } from "./errno.ts";
import { listFd, unlistFd } from "./fd_ledger.ts";

/**
 * The empty C string, for `*at()` calls with AT_EMPTY_PATH.
 *
 * @example
 * ```ts
 * import { EMPTY_PATH } from "./_host_fd.ts";
 * console.log(EMPTY_PATH.length); // 1
 * ```
 */
export const EMPTY_PATH: Uint8Array = new Uint8Array(1);
const statxBuf = new Uint8Array(Linux.STATX_SIZE);
const statxView = new DataView(statxBuf.buffer);
const times = new BigInt64Array(4);
const timesBytes = new Uint8Array(times.buffer);
const NS = 1_000_000_000n;

function typeOfMode(mode: number): number {
  switch (mode & 0o170000) {
    case 0o100000:
      return FileType.REGULAR_FILE;
    case 0o040000:
      return FileType.DIRECTORY;
    case 0o120000:
      return FileType.SYMBOLIC_LINK;
    case 0o020000:
      return FileType.CHARACTER_DEVICE;
    case 0o060000:
      return FileType.BLOCK_DEVICE;
    case 0o140000:
      return FileType.SOCKET_STREAM;
    default:
      return FileType.UNKNOWN;
  }
}

function time(offset: number): bigint {
  return statxView.getBigInt64(offset, true) * NS +
    BigInt(statxView.getUint32(offset + 8, true));
}

/**
 * `statx(dirfd, path, flags)` as a Filestat, or an errno.
 *
 * @example
 * ```ts ignore
 * import { EMPTY_PATH, statx } from "./_host_fd.ts";
 * import { libc, Linux } from "./_libc.ts";
 * const stat = statx(libc(), fd, EMPTY_PATH, Linux.AT_EMPTY_PATH);
 * ```
 */
export function statx(
  lib: Libc,
  dirfd: number,
  path: Uint8Array,
  flags: number,
): Filestat | number {
  if (lib.statx(dirfd, path, flags, Linux.STATX_BASIC_STATS, statxBuf) < 0) {
    return lastErrno();
  }
  const v = statxView;
  const major = v.getUint32(136, true), minor = v.getUint32(140, true);
  return {
    // glibc's makedev(), so st_dev reads the same as stat(2) would.
    dev: (BigInt(major & 0xfffff000) << 32n) | BigInt((major & 0xfff) << 8) |
      (BigInt(minor & 0xffffff00) << 12n) | BigInt(minor & 0xff),
    ino: v.getBigUint64(32, true),
    filetype: typeOfMode(v.getUint16(28, true)),
    nlink: BigInt(v.getUint32(16, true)),
    size: v.getBigUint64(40, true),
    atim: time(64),
    mtim: time(112),
    ctim: time(96),
  };
}

/**
 * The two timespecs utimensat takes, from validated fstflags (a time
 * without its flag is UTIME_OMIT). Reused buffer: valid until the next call.
 *
 * @example
 * ```ts
 * import { timespecs } from "./_host_fd.ts";
 * console.log(timespecs({ atim: 0n, mtim: 1_500_000_000n, flags: 4 }).length); // 32
 * ```
 */
export function timespecs(t: NewTimes): Uint8Array {
  const pick = (i: number, value: bigint, set: number, now: number) => {
    const ns = BigInt.asUintN(64, value);
    times[i] = t.flags & set ? ns / NS : 0n;
    times[i + 1] = t.flags & set
      ? ns % NS
      : BigInt(t.flags & now ? Linux.UTIME_NOW : Linux.UTIME_OMIT);
  };
  pick(0, t.atim, FstFlags.ATIM, FstFlags.ATIM_NOW);
  pick(2, t.mtim, FstFlags.MTIM, FstFlags.MTIM_NOW);
  return timesBytes;
}

/**
 * Sets the times of the file open as `fd`: `futimens` for a descriptor
 * opened for I/O; for an O_PATH one (EBADF there), `utimensat` with
 * AT_EMPTY_PATH (Linux 5.8+), else through its `/proc/self/fd` link, which
 * the kernel resolves to that very file.
 *
 * @example
 * ```ts ignore
 * import { setTimesOf } from "./_host_fd.ts";
 * setTimesOf(lib, fd, { atim: 0n, mtim: 0n, flags: 2 | 8 });
 * ```
 */
export function setTimesOf(lib: Libc, fd: number, t: NewTimes): number {
  if (lib.futimens(fd, timespecs(t)) === 0) return Errno.ESUCCESS;
  let errno = lastErrno();
  if (errno !== Errno.EBADF) return errno;
  if (
    lib.utimensat(fd, EMPTY_PATH, timespecs(t), Linux.AT_EMPTY_PATH) === 0
  ) {
    return Errno.ESUCCESS;
  }
  errno = lastErrno();
  if (errno !== Errno.EINVAL) return errno;
  const link = cstr(`/proc/self/fd/${fd}`, 2);
  return check(lib.utimensat(Linux.AT_FDCWD, link, timespecs(t), 0));
}

/**
 * `fd` (the result of an open: an fd or -errno) listed in the fd ledger;
 * -EMFILE, with `fd` closed, when the ledger is full.
 *
 * @example
 * ```ts ignore
 * import { listed } from "./_host_fd.ts";
 * const fd = listed(lib, openat(lib, dirfd, name, flags));
 * ```
 */
export function listed(lib: Libc, fd: number): number {
  if (fd < 0 || listFd(fd)) return fd;
  lib.close(fd);
  return -Errno.EMFILE;
}

/**
 * Unlists and closes `fd` (nothing for a negative one).
 *
 * @example
 * ```ts ignore
 * import { closeFd } from "./_host_fd.ts";
 * closeFd(lib, fd);
 * ```
 */
export function closeFd(lib: Libc, fd: number): void {
  if (fd < 0) return;
  unlistFd(fd);
  lib.close(fd);
}

/**
 * ESUCCESS, or the errno of a libc call that answered -1.
 *
 * @example
 * ```ts ignore
 * import { check } from "./_host_fd.ts";
 * const errno = check(lib.fsync(fd));
 * ```
 */
export function check(result: number | bigint): number {
  return result < 0 ? lastErrno() : Errno.ESUCCESS;
}

/**
 * An open host file (any non-directory), opened by a {@link HostDir}.
 *
 * @example
 * ```ts ignore
 * import { openHostDir } from "./_host_dir.ts";
 * const root = openHostDir("/srv/data");
 * if (typeof root !== "number") {
 *   const file = root.open("notes.txt", {
 *     follow: true, create: false, exclusive: false, truncate: false,
 *     directory: false, read: true, write: false,
 *   });
 * }
 * ```
 */
export class HostFile implements WasiFile {
  readonly filetype: number;
  #fd: number;
  readonly #lib: Libc;

  constructor(lib: Libc, fd: number, filetype: number) {
    this.#lib = lib;
    this.#fd = fd;
    this.filetype = filetype;
  }

  read(into: Uint8Array): number {
    const n = Number(this.#lib.read(this.#fd, into, BigInt(into.length)));
    return n < 0 ? -lastErrno() : n;
  }

  write(data: Uint8Array, append: boolean): number {
    if (append && this.#lib.lseek(this.#fd, 0n, 2) < 0n) return -lastErrno();
    let done = 0;
    while (done < data.length) {
      const rest = data.subarray(done);
      const n = Number(this.#lib.write(this.#fd, rest, BigInt(rest.length)));
      if (n < 0) return -lastErrno();
      done += n;
    }
    return done;
  }

  pread(into: Uint8Array, offset: number): number {
    const n = Number(
      this.#lib.pread(this.#fd, into, BigInt(into.length), BigInt(offset)),
    );
    return n < 0 ? -lastErrno() : n;
  }

  pwrite(data: Uint8Array, offset: number): number {
    let done = 0;
    while (done < data.length) {
      const rest = data.subarray(done);
      const n = Number(
        this.#lib.pwrite(
          this.#fd,
          rest,
          BigInt(rest.length),
          BigInt(offset + done),
        ),
      );
      if (n < 0) return -lastErrno();
      done += n;
    }
    return done;
  }

  seek(offset: number, whence: number): number {
    const at = Number(this.#lib.lseek(this.#fd, BigInt(offset), whence));
    return at < 0 ? -lastErrno() : at;
  }

  stat(): Filestat | number {
    return statx(this.#lib, this.#fd, EMPTY_PATH, Linux.AT_EMPTY_PATH);
  }

  setTimes(t: NewTimes): number {
    return setTimesOf(this.#lib, this.#fd, t);
  }

  setSize(size: number): number {
    return check(this.#lib.ftruncate(this.#fd, BigInt(size)));
  }

  sync(): number {
    return check(this.#lib.fsync(this.#fd));
  }

  datasync(): number {
    return check(this.#lib.fdatasync(this.#fd));
  }

  allocate(offset: number, len: number): number {
    const errno = this.#lib.posix_fallocate(
      this.#fd,
      BigInt(offset),
      BigInt(len),
    );
    return errno === 0 ? Errno.ESUCCESS : wasiErrno(errno);
  }

  close(): void {
    closeFd(this.#lib, this.#fd);
    this.#fd = -1;
  }
}
