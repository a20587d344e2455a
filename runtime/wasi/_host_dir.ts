/**
 * The host directory backend: a preopen is a directory descriptor, and
 * every guest path is resolved by the kernel beneath it.
 *
 * - A path is opened with `openat2(dirfd, path, RESOLVE_BENEATH |
 *   RESOLVE_NO_MAGICLINKS)`: `..`, absolute paths and symlinks that would
 *   leave the directory fail in the kernel (EXDEV → ENOTCAPABLE), whatever
 *   runs concurrently; no path is checked first and opened again later.
 *   Without openat2, `_beneath.ts` walks it one O_NOFOLLOW name at a time.
 * - A call on a last component (mkdir, unlink, rename, link, symlink,
 *   readlink, lstat, lutimes) opens the parent that way (O_PATH) and hands
 *   the `*at()` call a single name with no `/`, which the kernel cannot be
 *   tricked into resolving elsewhere. `.`/`..` and trailing slashes, which
 *   would make the kernel look further, never reach an `*at()` call.
 * - I/O, stat, truncate, sync and times act on descriptors.
 * - A symlink the guest creates may not hold an absolute target nor a `..`
 *   component: then no host reading of it can lead out of the directory
 *   either, whatever the guest renames later, and the refusal does not
 *   depend on anything outside.
 *
 * @module
 */

import { FileType, FstFlags } from "./_abi.ts";
import { openBeneath } from "./_beneath.ts";
import {
  cstr,
  dirFlags,
  lastErrno,
  type Libc,
  libc,
  Linux,
  openat,
  wasiErrno,
} from "./_libc.ts";
import type {
  DirEntry,
  Filestat,
  NewTimes,
  OpenOptions,
  WasiDir,
  WasiFile,
} from "./dir.ts";
import { Errno } from "./errno.ts";
import { listFd, unlistFd } from "./fd_ledger.ts";

const EMPTY_PATH = new Uint8Array(1);
const statxBuf = new Uint8Array(Linux.STATX_SIZE);
const statxView = new DataView(statxBuf.buffer);
const times = new BigInt64Array(4);
const timesBytes = new Uint8Array(times.buffer);
const linkBuf = new Uint8Array(4097);
const dentBuf = new Uint8Array(32 * 1024);
const dentView = new DataView(dentBuf.buffer);
const NS = 1_000_000_000n;

/** WASI file type of a `st_mode`. */
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

/** WASI file type of a dirent `d_type` (undefined: DT_UNKNOWN, ask statx). */
const TYPE_OF_DT: Record<number, number> = {
  1: FileType.UNKNOWN, // FIFO
  2: FileType.CHARACTER_DEVICE,
  4: FileType.DIRECTORY,
  6: FileType.BLOCK_DEVICE,
  8: FileType.REGULAR_FILE,
  10: FileType.SYMBOLIC_LINK,
  12: FileType.SOCKET_STREAM,
};

function time(offset: number): bigint {
  return statxView.getBigInt64(offset, true) * NS +
    BigInt(statxView.getUint32(offset + 8, true));
}

/** statx(dirfd, path, flags) as a Filestat, or an errno. */
function statx(
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

/** Fills `times` for utimensat from validated fstflags. */
function timespecs(t: NewTimes): Uint8Array {
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

function setTimesOf(lib: Libc, fd: number, t: NewTimes): number {
  return lib.utimensat(fd, EMPTY_PATH, timespecs(t), Linux.AT_EMPTY_PATH) < 0
    ? lastErrno()
    : Errno.ESUCCESS;
}

/** `fd` (a result of an open) listed in the fd ledger; -EMFILE if it is full. */
function listed(lib: Libc, fd: number): number {
  if (fd < 0 || listFd(fd)) return fd;
  lib.close(fd);
  return -Errno.EMFILE;
}

function closeFd(lib: Libc, fd: number): void {
  if (fd < 0) return;
  unlistFd(fd);
  lib.close(fd);
}

/** 0 or the errno of a libc call that answers -1 and sets errno. */
function check(result: number | bigint): number {
  return result < 0 ? lastErrno() : Errno.ESUCCESS;
}

/** A guest path cut into the directory part and the last component. */
interface Split {
  /** "" for the directory itself. */
  dir: string;
  name: string;
  /** The path ended in `/`: it must name a directory. */
  trailing: boolean;
}

function split(path: string): Split | number {
  if (path === "") return Errno.ENOENT;
  if (path.charCodeAt(0) === 47 /* / */) return Errno.ENOTCAPABLE;
  let end = path.length;
  while (path.charCodeAt(end - 1) === 47) end--;
  const slash = path.lastIndexOf("/", end - 1);
  return {
    dir: slash < 0 ? "" : path.slice(0, slash),
    name: path.slice(slash + 1, end),
    trailing: end < path.length,
  };
}

function isDot(name: string): boolean {
  return name === "." || name === "..";
}

/**
 * Opens host directory `hostPath` (an operator's absolute path, trusted)
 * as the root of a preopen: a {@link HostDir}, or an errno when it is
 * missing or not a directory. Throws `ConfinementUnavailable` when the
 * kernel cannot confine paths here.
 *
 * @example
 * ```ts ignore
 * import { openHostDir } from "./_host_dir.ts";
 * const root = openHostDir("/srv/data");
 * if (typeof root !== "number") root.close();
 * ```
 */
export function openHostDir(hostPath: string): HostDir | number {
  const lib = libc();
  const fd = listed(
    lib,
    openat(lib, Linux.AT_FDCWD, cstr(hostPath), dirFlags()),
  );
  return fd < 0 ? -fd : new HostDir(lib, fd, true);
}

/**
 * An open host file (any non-directory).
 *
 * @example
 * ```ts ignore
 * import { openHostDir } from "./_host_dir.ts";
 * const root = openHostDir("/srv/data");
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

/**
 * A host directory, as a descriptor; see the module doc for how paths
 * under it are kept under it.
 *
 * @example
 * ```ts ignore
 * import { openHostDir } from "./_host_dir.ts";
 * const root = openHostDir("/srv/data");
 * if (typeof root !== "number") console.log(root.createDirectory("logs"));
 * ```
 */
export class HostDir implements WasiDir {
  readonly filetype = FileType.DIRECTORY;
  #fd: number;
  readonly #lib: Libc;
  /** A preopen root: its `..` entry is reported as itself. */
  readonly #isRoot: boolean;

  constructor(lib: Libc, fd: number, isRoot: boolean) {
    this.#lib = lib;
    this.#fd = fd;
    this.#isRoot = isRoot;
  }

  /** `path` opened beneath this directory: an fd or -errno. */
  #open(path: string, flags: number, slot: 0 | 1 = 0): number {
    return listed(
      this.#lib,
      openBeneath(this.#lib, this.#fd, path, flags, slot),
    );
  }

  /**
   * Runs `op(parentFd, name)` on the last component of `path`, the parent
   * opened beneath this directory. `.`/`..` answer `dotErrno`; with a
   * trailing slash the name must be a directory (ENOTDIR).
   */
  #atName(
    path: string,
    dotErrno: number,
    op: (parent: number, name: Uint8Array, split: Split) => number,
    slot: 0 | 1 = 0,
  ): number {
    const s = split(path);
    if (typeof s === "number") return s;
    if (isDot(s.name)) return dotErrno;
    const parent = s.dir === "" ? this.#fd : this.#open(
      s.dir,
      Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC,
      slot,
    );
    if (parent < 0) return -parent;
    try {
      const name = cstr(s.name, slot);
      if (s.trailing) {
        const info = statx(this.#lib, parent, name, Linux.AT_SYMLINK_NOFOLLOW);
        if (typeof info !== "number" && info.filetype !== FileType.DIRECTORY) {
          return Errno.ENOTDIR;
        }
      }
      return op(parent, name, s);
    } finally {
      if (parent !== this.#fd) closeFd(this.#lib, parent);
    }
  }

  open(path: string, o: OpenOptions): WasiDir | WasiFile | number {
    let flags = Linux.O_CLOEXEC | Linux.O_NOCTTY | Linux.O_NONBLOCK;
    if (!o.follow) flags |= Linux.O_NOFOLLOW;
    if (o.create) flags |= Linux.O_CREAT;
    if (o.exclusive) flags |= Linux.O_EXCL;
    if (o.truncate) flags |= Linux.O_TRUNC;
    if (o.directory) flags |= Linux.O_DIRECTORY;
    flags |= o.write
      ? (o.read ? Linux.O_RDWR : Linux.O_WRONLY)
      : Linux.O_RDONLY;
    const fd = this.#open(path, flags);
    if (fd < 0) return -fd;
    const info = statx(this.#lib, fd, EMPTY_PATH, Linux.AT_EMPTY_PATH);
    if (typeof info === "number") {
      closeFd(this.#lib, fd);
      return info;
    }
    return info.filetype === FileType.DIRECTORY
      ? new HostDir(this.#lib, fd, false)
      : new HostFile(this.#lib, fd, info.filetype);
  }

  stat(): Filestat | number {
    return statx(this.#lib, this.#fd, EMPTY_PATH, Linux.AT_EMPTY_PATH);
  }

  setTimes(t: NewTimes): number {
    return setTimesOf(this.#lib, this.#fd, t);
  }

  /** An O_PATH fd for `path` beneath this directory (the link itself unless `follow`). */
  #pathFd(path: string, follow: boolean): number {
    let flags = Linux.O_PATH | Linux.O_CLOEXEC;
    if (!follow) flags |= Linux.O_NOFOLLOW;
    return this.#open(path, flags);
  }

  statAt(path: string, follow: boolean): Filestat | number {
    const fd = this.#pathFd(path, follow);
    if (fd < 0) return -fd;
    try {
      return statx(this.#lib, fd, EMPTY_PATH, Linux.AT_EMPTY_PATH);
    } finally {
      closeFd(this.#lib, fd);
    }
  }

  setTimesAt(path: string, follow: boolean, t: NewTimes): number {
    const s = split(path);
    if (typeof s === "number") return s;
    if (!follow && !s.trailing && !isDot(s.name)) {
      // A symlink's own times: utimensat on the name, not following it.
      return this.#atName(path, Errno.EINVAL, (parent, name) =>
        check(
          this.#lib.utimensat(
            parent,
            name,
            timespecs(t),
            Linux.AT_SYMLINK_NOFOLLOW,
          ),
        ));
    }
    const fd = this.#pathFd(path, true);
    if (fd < 0) return -fd;
    try {
      return setTimesOf(this.#lib, fd, t);
    } finally {
      closeFd(this.#lib, fd);
    }
  }

  createDirectory(path: string): number {
    return this.#atName(
      path,
      Errno.EEXIST,
      (parent, name) => check(this.#lib.mkdirat(parent, name, 0o777)),
    );
  }

  removeDirectory(path: string): number {
    return this.#atName(
      path,
      Errno.EINVAL,
      (parent, name) =>
        check(this.#lib.unlinkat(parent, name, Linux.AT_REMOVEDIR)),
    );
  }

  unlinkFile(path: string): number {
    return this.#atName(path, Errno.EISDIR, (parent, name, s) => {
      // "dir/" reached here as a directory: unlinking one is EISDIR.
      if (s.trailing) return Errno.EISDIR;
      return check(this.#lib.unlinkat(parent, name, 0));
    });
  }

  rename(path: string, to: WasiDir, toPath: string): number {
    if (!(to instanceof HostDir)) return Errno.EXDEV;
    return this.#atName(path, Errno.EBUSY, (parent, name, s) => {
      const target = split(toPath);
      if (typeof target === "number") return target;
      if (target.trailing && !s.trailing) {
        // "x" → "y/": x must be a directory.
        const info = statx(this.#lib, parent, name, Linux.AT_SYMLINK_NOFOLLOW);
        if (typeof info === "number") return info;
        if (info.filetype !== FileType.DIRECTORY) return Errno.ENOTDIR;
      }
      return to.#atName(
        toPath,
        Errno.EBUSY,
        (toParent, toName) =>
          check(this.#lib.renameat(parent, name, toParent, toName)),
        1,
      );
    });
  }

  link(path: string, follow: boolean, to: WasiDir, toPath: string): number {
    // Following a symlink would need its target resolved outside the
    // kernel's beneath-walk; wasmtime refuses it the same way.
    if (follow) return Errno.EINVAL;
    if (!(to instanceof HostDir)) return Errno.EXDEV;
    return this.#atName(
      path,
      Errno.EPERM,
      (parent, name) =>
        to.#atName(toPath, Errno.EEXIST, (toParent, toName, s) => {
          if (s.trailing) return Errno.ENOENT;
          return check(this.#lib.linkat(parent, name, toParent, toName, 0));
        }, 1),
    );
  }

  symlink(target: string, path: string): number {
    if (target === "") return Errno.ENOENT;
    if (target.charCodeAt(0) === 47) return Errno.ENOTCAPABLE;
    for (const part of target.split("/")) {
      if (part === "..") return Errno.ENOTCAPABLE;
    }
    return this.#atName(path, Errno.EEXIST, (parent, name, s) => {
      if (s.trailing) return Errno.ENOENT;
      return check(this.#lib.symlinkat(cstr(target, 1), parent, name));
    });
  }

  readlink(path: string): Uint8Array | number {
    let result: Uint8Array | number = Errno.EINVAL;
    const errno = this.#atName(path, Errno.EINVAL, (parent, name) => {
      const n = Number(
        this.#lib.readlinkat(parent, name, linkBuf, BigInt(linkBuf.length)),
      );
      if (n < 0) return lastErrno();
      result = linkBuf.slice(0, n);
      return Errno.ESUCCESS;
    });
    return errno === Errno.ESUCCESS ? result : errno;
  }

  entries(): DirEntry[] | number {
    const lib = this.#lib;
    if (lib.lseek(this.#fd, 0n, 0) < 0n) return lastErrno();
    const dots: DirEntry[] = [];
    const rest: DirEntry[] = [];
    for (;;) {
      const n = Number(
        lib.getdents64(this.#fd, dentBuf, BigInt(dentBuf.length)),
      );
      if (n < 0) return lastErrno();
      if (n === 0) break;
      for (let at = 0; at < n;) {
        const reclen = dentView.getUint16(at + 16, true);
        const dtype = dentBuf[at + 18];
        const start = at + 19;
        const end = dentBuf.indexOf(0, start);
        const name = dentBuf.slice(start, end);
        const entry = {
          name,
          ino: dentView.getBigUint64(at, true),
          type: TYPE_OF_DT[dtype] ?? this.#typeOf(name),
        };
        const dot = name.length <= 2 && name[0] === 46 &&
          (name.length === 1 || name[1] === 46);
        (dot ? dots : rest).push(entry);
        at += reclen;
      }
    }
    dots.sort((a, b) => a.name.length - b.name.length);
    if (this.#isRoot && dots.length === 2) dots[1].ino = dots[0].ino;
    return [...dots, ...rest];
  }

  #typeOf(name: Uint8Array): number {
    const path = new Uint8Array(name.length + 1);
    path.set(name);
    const info = statx(this.#lib, this.#fd, path, Linux.AT_SYMLINK_NOFOLLOW);
    return typeof info === "number" ? FileType.UNKNOWN : info.filetype;
  }

  close(): void {
    closeFd(this.#lib, this.#fd);
    this.#fd = -1;
  }
}
