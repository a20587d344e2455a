/**
 * Preopen-confined path resolution: the only way a guest path becomes a host
 * path. A guest can never reach outside its preopen:
 * - absolute guest paths are refused (ENOTCAPABLE);
 * - `.` and `..` are resolved lexically against the directory fd, and a `..`
 *   that would climb above the preopen root is refused (ENOTCAPABLE);
 * - the parent of the last component is canonicalised with
 *   `Deno.realPathSync` and must stay under the root's real path, so a
 *   symlink anywhere on the way cannot lead out;
 * - a symlink in the last component is followed (when asked) one hop at a
 *   time, each hop checked the same way; not following it leaves it to the
 *   caller, who acts on the link itself (lstat, unlink, rename, ...).
 *
 * The answer is a host path (string) or an errno (number).
 *
 * @module
 */

import type { DirFd, PreopenRoot } from "./_fd_table.ts";
import type { GuestMemory } from "./_memory.ts";
import { Errno, errnoFromError } from "./errno.ts";

/** Symlink hops followed before answering ELOOP (Linux allows 40). */
const MAX_SYMLINK_HOPS = 32;
/** Longest guest path accepted, as Linux's PATH_MAX. */
const PATH_MAX = 4096;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The real path of a preopen's host directory, resolved once.
 *
 * @example
 * ```ts
 * import { realRoot } from "./_paths.ts";
 * console.log(realRoot({ hostPath: "/", writable: false })); // "/"
 * ```
 */
export function realRoot(root: PreopenRoot): string {
  return root.real ??= Deno.realPathSync(root.hostPath);
}

/**
 * The host path of directory fd `dir` (throws if its root is gone).
 *
 * @example
 * ```ts
 * import { DirFd } from "./_fd_table.ts";
 * import { dirHostPath } from "./_paths.ts";
 * const dir = new DirFd({ hostPath: "/", writable: false }, ["tmp"], 0, 0);
 * console.log(dirHostPath(dir)); // "/tmp"
 * ```
 */
export function dirHostPath(dir: DirFd): string {
  const root = realRoot(dir.root);
  return dir.rel.length === 0 ? root : join(root, dir.rel.join("/"));
}

/**
 * Whether host path `path` is `root` or below it.
 *
 * @example
 * ```ts
 * import { within } from "./_paths.ts";
 * console.log(within("/srv/data/x", "/srv/data"), within("/srv/database", "/srv/data")); // true false
 * ```
 */
export function within(path: string, root: string): boolean {
  if (root === "/") return path.startsWith("/");
  return path === root ||
    (path.startsWith(root) && path.charCodeAt(root.length) === 47 /* / */);
}

/**
 * Components of `real` below the root's real path (for a new DirFd).
 *
 * @example
 * ```ts
 * import { relOf } from "./_paths.ts";
 * console.log(relOf("/srv", "/srv/a/b")); // ["a", "b"]
 * ```
 */
export function relOf(rootReal: string, real: string): string[] {
  const rest = real.slice(rootReal === "/" ? 1 : rootReal.length + 1);
  return rest === "" ? [] : rest.split("/");
}

/**
 * Reads a path argument from guest memory: EFAULT outside memory,
 * ENAMETOOLONG past PATH_MAX, EINVAL with a NUL byte, EILSEQ if not UTF-8.
 *
 * @example
 * ```ts
 * import { GuestMemory } from "./_memory.ts";
 * import { readGuestPath } from "./_paths.ts";
 * const mem = new GuestMemory();
 * mem.bind(new WebAssembly.Memory({ initial: 1 }));
 * console.log(readGuestPath(mem, 65530, 10)); // 21 (EFAULT)
 * ```
 */
export function readGuestPath(
  mem: GuestMemory,
  ptr: number,
  len: number,
): string | number {
  ptr >>>= 0;
  len >>>= 0;
  if (!mem.fits(ptr, len)) return Errno.EFAULT;
  if (len > PATH_MAX) return Errno.ENAMETOOLONG;
  const bytes = mem.u8.subarray(ptr, ptr + len);
  if (bytes.includes(0)) return Errno.EINVAL;
  try {
    return utf8.decode(bytes);
  } catch {
    return Errno.EILSEQ;
  }
}

/**
 * Resolves `path` against directory `dir` to a host path under its preopen.
 * With `follow`, a symlink in the last component is followed (confined);
 * otherwise the answer may name the symlink itself. A path that resolves to
 * the preopen root itself is returned as the root's real path.
 *
 * @example
 * ```ts
 * import { resolvePath } from "./_paths.ts";
 * import { DirFd } from "./_fd_table.ts";
 * const dir = new DirFd({ hostPath: "/tmp", writable: false }, [], 0, 0, "/tmp");
 * console.log(resolvePath(dir, "../etc/passwd", true)); // 76 (ENOTCAPABLE)
 * ```
 */
export function resolvePath(
  dir: DirFd,
  path: string,
  follow: boolean,
): string | number {
  if (path === "") return Errno.ENOENT;
  if (path.charCodeAt(0) === 47 /* / */) return Errno.ENOTCAPABLE;
  const stack = dir.rel.slice();
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return Errno.ENOTCAPABLE;
      stack.pop();
    } else {
      stack.push(part);
    }
  }
  let rootReal: string;
  try {
    rootReal = realRoot(dir.root);
  } catch (e) {
    return errnoFromError(e);
  }
  if (stack.length === 0) return rootReal;
  const name = stack.pop()!;
  const parent = stack.length === 0
    ? rootReal
    : join(rootReal, stack.join("/"));
  return confine(rootReal, parent, name, follow);
}

/** `parent/name` checked to stay under `rootReal`, following `name` if asked. */
function confine(
  rootReal: string,
  parent: string,
  name: string,
  follow: boolean,
): string | number {
  for (let hops = 0;; hops++) {
    let parentReal: string;
    try {
      parentReal = Deno.realPathSync(parent);
    } catch (e) {
      return errnoFromError(e);
    }
    const candidate = join(parentReal, name);
    // A symlink may name the root itself, whose parent is outside.
    if (candidate === rootReal) return rootReal;
    if (!within(parentReal, rootReal)) return Errno.ENOTCAPABLE;
    if (!follow) return candidate;
    let target: string;
    try {
      if (!Deno.lstatSync(candidate).isSymlink) return candidate;
      target = Deno.readLinkSync(candidate);
    } catch (e) {
      const errno = errnoFromError(e);
      // A name that does not exist yet is a fine answer (O_CREAT, mkdir).
      return errno === Errno.ENOENT ? candidate : errno;
    }
    if (hops >= MAX_SYMLINK_HOPS) return Errno.ELOOP;
    const parts = normalize(
      target.charCodeAt(0) === 47 ? target : join(parentReal, target),
    );
    if (parts.length === 0) {
      return within("/", rootReal) ? "/" : Errno.ENOTCAPABLE;
    }
    name = parts.pop()!;
    parent = "/" + parts.join("/");
  }
}

/** Lexical components of an absolute host path (`..` stops at `/`). */
function normalize(absolute: string): string[] {
  const parts: string[] = [];
  for (const part of absolute.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts;
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : dir + "/" + name;
}
