/**
 * Opening a guest path beneath a directory descriptor: the kernel's
 * `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` when it has one, else
 * a walk one component at a time, as wasmtime's cap-std does:
 *
 * - each component is opened with `openat(dir, name, O_PATH | O_NOFOLLOW)`
 *   relative to the descriptor of the directory before it, so no string
 *   longer than one name is ever resolved by the kernel;
 * - `..` goes back to the descriptor kept for the parent, never to the
 *   kernel's `..`, and at the starting directory it is refused
 *   (ENOTCAPABLE);
 * - a symlink is read (`readlinkat`) and its target's components are
 *   walked the same way; an absolute target is refused (ENOTCAPABLE), and
 *   so a /proc magic link, whose target is absolute or not a name here.
 *
 * Every descriptor the walk holds is a directory reached from the start by
 * names, so a concurrent rename by a guest (which can only move things
 * within the same mount) cannot put the walk outside.
 *
 * @module
 */

import {
  BENEATH,
  cstr,
  hasOpenat2,
  lastErrno,
  type Libc,
  Linux,
  openat,
  openat2,
} from "./_libc.ts";
import { FileType } from "./_abi.ts";
import { EMPTY_PATH, statx } from "./_host_fd.ts";
import { Errno } from "./errno.ts";

/** Symlinks followed in one resolution before ELOOP, as Linux. */
const MAX_SYMLINKS = 40;
const linkBuf = new Uint8Array(4097);
const decoder = new TextDecoder();

/**
 * Opens `path` (relative, as the guest gave it) beneath `dirfd` with open
 * `flags`: a new fd, or a negative WASI errno (ENOTCAPABLE for a path that
 * would leave `dirfd`).
 *
 * @example
 * ```ts ignore
 * import { openBeneath } from "./_beneath.ts";
 * import { libc, Linux } from "./_libc.ts";
 * const fd = openBeneath(libc(), root, "a/b.txt", Linux.O_RDONLY | Linux.O_CLOEXEC);
 * ```
 */
export function openBeneath(
  lib: Libc,
  dirfd: number,
  path: string,
  flags: number,
  slot: 0 | 1 = 0,
): number {
  if (path.charCodeAt(0) === 47 /* / */) return -Errno.ENOTCAPABLE;
  if (hasOpenat2()) {
    return openat2(lib, dirfd, cstr(path, slot), flags, BENEATH);
  }
  if (path === "") return -Errno.ENOENT;
  return walk(lib, dirfd, path, flags);
}

/** A path's components; a trailing `/` or `/.` leaves a final "." to open. */
function components(path: string): string[] {
  const raw = path.split("/");
  const parts = raw.filter((p) => p !== "" && p !== ".");
  const last = raw[raw.length - 1];
  if ((last === "" || last === ".") && parts.length > 0) parts.push(".");
  return parts;
}

/** The file type of an O_PATH fd (the link itself), or a negative errno. */
function typeOf(lib: Libc, fd: number): number {
  const info = statx(
    lib,
    fd,
    EMPTY_PATH,
    Linux.AT_EMPTY_PATH | Linux.AT_SYMLINK_NOFOLLOW,
  );
  return typeof info === "number" ? -info : info.filetype;
}

/** The target of the symlink open as O_PATH fd `fd`, or an errno (negative). */
function linkTarget(lib: Libc, fd: number): string | number {
  const n = Number(
    lib.readlinkat(fd, EMPTY_PATH, linkBuf, BigInt(linkBuf.length)),
  );
  return n < 0 ? -lastErrno() : decoder.decode(linkBuf.subarray(0, n));
}

function walk(lib: Libc, start: number, path: string, flags: number): number {
  const follow = (flags & Linux.O_NOFOLLOW) === 0;
  const queue = components(path);
  if (queue.length === 0) queue.push(".");
  /** Directories entered below `start`, each owned by the walk. */
  const stack: number[] = [];
  const here = () => stack.length === 0 ? start : stack[stack.length - 1];
  let links = 0;
  try {
    for (;;) {
      const name = queue.shift()!;
      const last = queue.length === 0;
      if (name === "..") {
        if (stack.length === 0) return -Errno.ENOTCAPABLE;
        lib.close(stack.pop()!);
        if (last) queue.push(".");
        continue;
      }
      if (last && (name === "." || !follow)) {
        // The final name: opened here, never following a symlink.
        return openat(lib, here(), cstr(name, 2), flags | Linux.O_NOFOLLOW);
      }
      const fd = openat(
        lib,
        here(),
        cstr(name, 2),
        Linux.O_PATH | Linux.O_NOFOLLOW | Linux.O_CLOEXEC,
      );
      if (fd < 0) {
        // A final name that does not exist yet may be created.
        if (last && fd === -Errno.ENOENT) {
          return openat(lib, here(), cstr(name, 2), flags | Linux.O_NOFOLLOW);
        }
        return fd;
      }
      const type = typeOf(lib, fd);
      if (type === FileType.SYMBOLIC_LINK) {
        const target = linkTarget(lib, fd);
        lib.close(fd);
        if (typeof target === "number") return target;
        if (++links > MAX_SYMLINKS) return -Errno.ELOOP;
        if (target.charCodeAt(0) === 47 || target === "") {
          return -(target === "" ? Errno.ENOENT : Errno.ENOTCAPABLE);
        }
        const expanded = components(target);
        queue.unshift(...(expanded.length ? expanded : ["."]));
        continue;
      }
      if (last) {
        // Not a symlink: open the final name itself, here.
        lib.close(fd);
        return openat(lib, here(), cstr(name, 2), flags | Linux.O_NOFOLLOW);
      }
      if (type !== FileType.DIRECTORY) {
        lib.close(fd);
        return type < 0 ? type : -Errno.ENOTDIR;
      }
      stack.push(fd);
    }
  } finally {
    for (const fd of stack) lib.close(fd);
  }
}
