/**
 * The `wasi_snapshot_preview1` import object: one entry per preview1
 * function (all 46 of witx), each a thin closure over one guest's context.
 * Calls eddy does not implement answer ENOSYS.
 *
 * @module
 */

import { clockResGet, clockTimeGet } from "./_clock.ts";
import type { WasiContext } from "./_context.ts";
import {
  fdClose,
  fdFdstatGet,
  fdFdstatSetFlags,
  fdFdstatSetRights,
  fdPrestatDirName,
  fdPrestatGet,
  fdRenumber,
} from "./_fd_calls.ts";
import {
  fdAdvise,
  fdAllocate,
  fdDatasync,
  fdFilestatGet,
  fdFilestatSetSize,
  fdFilestatSetTimes,
  fdSync,
} from "./_fd_file_calls.ts";
import {
  fdPread,
  fdPwrite,
  fdRead,
  fdSeek,
  fdTell,
  fdWrite,
} from "./_fd_io.ts";
import {
  pathCreateDirectory,
  pathFilestatGet,
  pathFilestatSetTimes,
  pathLink,
  pathReadlink,
  pathRemoveDirectory,
  pathRename,
  pathSymlink,
  pathUnlinkFile,
} from "./_path_calls.ts";
import { pathOpen } from "./_path_open.ts";
import { pollOneoff } from "./_poll.ts";
import { randomGet } from "./_random.ts";
import { fdReaddir } from "./_readdir.ts";
import { Errno } from "./errno.ts";
import type { Preview1Function } from "./functions.ts";

type Int = number;
type I64 = bigint;

const enosys = (): number => Errno.ENOSYS;

/** No descriptor eddy hands out is a socket: EBADF if closed, else ENOTSOCK. */
function notSocket(ctx: WasiContext, fd: number): number {
  return ctx.fds.get(fd) === undefined ? Errno.EBADF : Errno.ENOTSOCK;
}

/**
 * Builds the import functions over `ctx`; `exit` throws to end the guest.
 * They read `ctx` at each call, so one set serves guests in turn when its
 * fields are swapped between runs (see `host.ts`).
 *
 * @example
 * ```ts
 * import { StringList } from "./_args.ts";
 * import { FdTable } from "./_fd_table.ts";
 * import { createImports } from "./_imports.ts";
 * import { GuestMemory } from "./_memory.ts";
 * import { OutputBuffer } from "./stdio.ts";
 * const ctx = {
 *   mem: new GuestMemory(),
 *   fds: new FdTable(undefined, new OutputBuffer(), new OutputBuffer(), []),
 *   args: new StringList(["guest"]),
 *   env: new StringList([]),
 *   cpuOrigin: 0,
 * };
 * const imports = createImports(ctx, (code) => {
 *   throw new Error(`exit ${code}`);
 * });
 * ```
 */
export function createImports(
  ctx: WasiContext,
  exit: (code: number) => never,
): Record<Preview1Function, (...args: never[]) => number | void> {
  return {
    args_get: (argv: Int, buf: Int) => ctx.args.get(ctx.mem, argv, buf),
    args_sizes_get: (c: Int, s: Int) => ctx.args.sizes(ctx.mem, c, s),
    environ_get: (envp: Int, buf: Int) => ctx.env.get(ctx.mem, envp, buf),
    environ_sizes_get: (c: Int, s: Int) => ctx.env.sizes(ctx.mem, c, s),
    clock_res_get: (id: Int, p: Int) => clockResGet(ctx, id, p),
    clock_time_get: (id: Int, _precision: I64, p: Int) =>
      clockTimeGet(ctx, id, p),
    fd_advise: (fd: Int, o: I64, l: I64, a: Int) => fdAdvise(ctx, fd, o, l, a),
    fd_allocate: (fd: Int, o: I64, l: I64) => fdAllocate(ctx, fd, o, l),
    fd_close: (fd: Int) => fdClose(ctx, fd),
    fd_datasync: (fd: Int) => fdDatasync(ctx, fd),
    fd_fdstat_get: (fd: Int, p: Int) => fdFdstatGet(ctx, fd, p),
    fd_fdstat_set_flags: (fd: Int, f: Int) => fdFdstatSetFlags(ctx, fd, f),
    fd_fdstat_set_rights: (fd: Int, b: I64, i: I64) =>
      fdFdstatSetRights(ctx, fd, b, i),
    fd_filestat_get: (fd: Int, p: Int) => fdFilestatGet(ctx, fd, p),
    fd_filestat_set_size: (fd: Int, s: I64) => fdFilestatSetSize(ctx, fd, s),
    fd_filestat_set_times: (fd: Int, a: I64, m: I64, f: Int) =>
      fdFilestatSetTimes(ctx, fd, a, m, f),
    fd_pread: (fd: Int, iovs: Int, n: Int, o: I64, r: Int) =>
      fdPread(ctx, fd, iovs, n, o, r),
    fd_prestat_get: (fd: Int, p: Int) => fdPrestatGet(ctx, fd, p),
    fd_prestat_dir_name: (fd: Int, p: Int, l: Int) =>
      fdPrestatDirName(ctx, fd, p, l),
    fd_pwrite: (fd: Int, iovs: Int, n: Int, o: I64, r: Int) =>
      fdPwrite(ctx, fd, iovs, n, o, r),
    fd_read: (fd: Int, iovs: Int, n: Int, r: Int) =>
      fdRead(ctx, fd, iovs, n, r),
    fd_readdir: (fd: Int, b: Int, l: Int, c: I64, r: Int) =>
      fdReaddir(ctx, fd, b, l, c, r),
    fd_renumber: (fd: Int, to: Int) => fdRenumber(ctx, fd, to),
    fd_seek: (fd: Int, o: I64, w: Int, r: Int) => fdSeek(ctx, fd, o, w, r),
    fd_sync: (fd: Int) => fdSync(ctx, fd),
    fd_tell: (fd: Int, r: Int) => fdTell(ctx, fd, r),
    fd_write: (fd: Int, iovs: Int, n: Int, r: Int) =>
      fdWrite(ctx, fd, iovs, n, r),
    path_create_directory: (fd: Int, p: Int, l: Int) =>
      pathCreateDirectory(ctx, fd, p, l),
    path_filestat_get: (fd: Int, f: Int, p: Int, l: Int, r: Int) =>
      pathFilestatGet(ctx, fd, f, p, l, r),
    path_filestat_set_times: (
      fd: Int,
      f: Int,
      p: Int,
      l: Int,
      a: I64,
      m: I64,
      fst: Int,
    ) => pathFilestatSetTimes(ctx, fd, f, p, l, a, m, fst),
    path_link: (
      ofd: Int,
      of: Int,
      op: Int,
      ol: Int,
      nfd: Int,
      np: Int,
      nl: Int,
    ) => pathLink(ctx, ofd, of, op, ol, nfd, np, nl),
    path_open: (
      fd: Int,
      df: Int,
      p: Int,
      l: Int,
      of: Int,
      b: I64,
      i: I64,
      ff: Int,
      r: Int,
    ) => pathOpen(ctx, fd, df, p, l, of, b, i, ff, r),
    path_readlink: (fd: Int, p: Int, l: Int, b: Int, bl: Int, r: Int) =>
      pathReadlink(ctx, fd, p, l, b, bl, r),
    path_remove_directory: (fd: Int, p: Int, l: Int) =>
      pathRemoveDirectory(ctx, fd, p, l),
    path_rename: (fd: Int, op: Int, ol: Int, nfd: Int, np: Int, nl: Int) =>
      pathRename(ctx, fd, op, ol, nfd, np, nl),
    path_symlink: (op: Int, ol: Int, fd: Int, np: Int, nl: Int) =>
      pathSymlink(ctx, op, ol, fd, np, nl),
    path_unlink_file: (fd: Int, p: Int, l: Int) =>
      pathUnlinkFile(ctx, fd, p, l),
    // Without a sleep it blocks, so it answers a number.
    poll_oneoff: (i: Int, o: Int, n: Int, r: Int) =>
      pollOneoff(ctx, i, o, n, r) as number,
    proc_exit: (code: Int) => exit(code),
    proc_raise: enosys,
    sched_yield: () => Errno.ESUCCESS,
    random_get: (b: Int, l: Int) => randomGet(ctx, b, l),
    sock_accept: (fd: Int) => notSocket(ctx, fd),
    sock_recv: (fd: Int) => notSocket(ctx, fd),
    sock_send: (fd: Int) => notSocket(ctx, fd),
    sock_shutdown: (fd: Int) => notSocket(ctx, fd),
  };
}
