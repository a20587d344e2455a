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

import { FileType } from "./_abi.ts";
import { openBeneath } from "./_beneath.ts";
import {
  check,
  closeFd,
  EMPTY_PATH,
  HostFile,
  listed,
  setTimesOf,
  statx,
  timespecs,
} from "./_host_fd.ts";
import {
  cstr,
  dirFlags,
  lastErrno,
  type Libc,
  libc,
  Linux,
  openat,
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

const linkBuf = new Uint8Array(4097);
const dentBuf = new Uint8Array(32 * 1024);
const dentView = new DataView(dentBuf.buffer);

/** WASI file type of a `st_mode`. */
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
