/**
 * The arguments path_* calls share: a directory fd holding a right, and a
 * guest path read from memory.
 *
 * @module
 */

import type { WasiContext } from "./_context.ts";
import { DirFd } from "./_fd_table.ts";
import { readGuestPath } from "./_paths.ts";
import type { WasiDir } from "./dir.ts";
import { Errno } from "./errno.ts";

/**
 * The directory at `fd` if it holds `right`; else an errno.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { dirWith } from "./_path_args.ts";
 * import { Rights } from "./_abi.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   const dir = dirWith(ctx, 3, Rights.PATH_OPEN);
 *   if (typeof dir === "number") console.log("errno", dir);
 * }
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
 * The backend directory of the entry at `fd` if it holds `right`; else an
 * errno.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { backendWith } from "./_path_args.ts";
 * import { Rights } from "./_abi.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   const dir = backendWith(ctx, 3, Rights.PATH_CREATE_DIRECTORY);
 *   if (typeof dir !== "number") dir.createDirectory("logs");
 * }
 * ```
 */
export function backendWith(
  ctx: WasiContext,
  fd: number,
  right: number,
): WasiDir | number {
  const entry = dirWith(ctx, fd, right);
  return typeof entry === "number" ? entry : entry.dir();
}

/**
 * Reads the guest path at `ptr`. With `namedErrno`, a path whose last
 * component is `.` or `..` is refused with that errno: such a name cannot
 * be created, removed, renamed or linked.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pathArg } from "./_path_args.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   const path = pathArg(ctx, 64, 9);
 * }
 * ```
 */
export function pathArg(
  ctx: WasiContext,
  ptr: number,
  len: number,
  namedErrno?: number,
): string | number {
  const path = readGuestPath(ctx.mem, ptr, len);
  if (typeof path === "number") return path;
  if (namedErrno !== undefined) {
    const last = path.replace(/\/+$/, "").split("/").pop();
    if (last === "." || last === ".." || last === "") return namedErrno;
  }
  return path;
}
