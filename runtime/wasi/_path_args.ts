/**
 * The arguments path_* calls share: a directory fd holding a right, and a
 * guest path turned into a confined host path.
 *
 * @module
 */

import type { WasiContext } from "./_context.ts";
import { DirFd } from "./_fd_table.ts";
import { readGuestPath, resolvePath } from "./_paths.ts";
import { Errno, errnoFromError } from "./errno.ts";

/**
 * The directory at `fd` if it holds `right`; else an errno.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { dirWith } from "./_path_args.ts";
 * import { Rights } from "./_abi.ts";
 * declare const ctx: WasiContext;
 * const dir = dirWith(ctx, 3, Rights.PATH_OPEN);
 * if (typeof dir === "number") console.log("errno", dir);
 * ```
 */
export function dirWith(
  ctx: WasiContext,
  fd: number,
  right: number,
): DirFd | number {
  const entry = ctx.fds.get(fd);
  if (entry === undefined) return Errno.EBADF;
  if (!(entry instanceof DirFd)) return Errno.ENOTDIR;
  return (entry.rightsBase & right) === right ? entry : Errno.ENOTCAPABLE;
}

/**
 * Reads the path at `ptr` and resolves it under `dir`. With `namedErrno`,
 * a path whose last component is `.` or `..` is refused with that errno:
 * such a name cannot be created, removed, renamed or linked.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { DirFd } from "./_fd_table.ts";
 * import { pathArg } from "./_path_args.ts";
 * declare const ctx: WasiContext;
 * declare const dir: DirFd;
 * const host = pathArg(ctx, dir, 64, 9, true);
 * ```
 */
export function pathArg(
  ctx: WasiContext,
  dir: DirFd,
  ptr: number,
  len: number,
  follow: boolean,
  namedErrno?: number,
): string | number {
  const path = readGuestPath(ctx.mem, ptr, len);
  if (typeof path === "number") return path;
  if (namedErrno !== undefined) {
    const last = path.replace(/\/+$/, "").split("/").pop();
    if (last === "." || last === ".." || last === "") return namedErrno;
  }
  return resolvePath(dir, path, follow);
}

/**
 * `Deno.lstatSync`, or the errno it failed with.
 *
 * @example
 * ```ts
 * import { lstatOrErrno } from "./_path_args.ts";
 * console.log(lstatOrErrno("/no/such/path")); // 44
 * ```
 */
export function lstatOrErrno(path: string): Deno.FileInfo | number {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    return errnoFromError(e);
  }
}
