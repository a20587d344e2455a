/**
 * File-system test fixtures: a temp directory tree, rights constants and a
 * path_open wrapper for guests driven from JS.
 *
 * @module
 */
import type { Guest } from "./_guest.ts";
import { tempDir } from "../../_helpers/temp.ts";

/** Rights bits as the guest passes them (u64). */
export const R = {
  FD_DATASYNC: 1n << 0n,
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_FDSTAT_SET_FLAGS: 1n << 3n,
  FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n,
  FD_WRITE: 1n << 6n,
  FD_ADVISE: 1n << 7n,
  FD_ALLOCATE: 1n << 8n,
  PATH_CREATE_DIRECTORY: 1n << 9n,
  PATH_CREATE_FILE: 1n << 10n,
  PATH_OPEN: 1n << 13n,
  FD_READDIR: 1n << 14n,
  PATH_FILESTAT_GET: 1n << 18n,
  FD_FILESTAT_GET: 1n << 21n,
  FD_FILESTAT_SET_SIZE: 1n << 22n,
  FD_FILESTAT_SET_TIMES: 1n << 23n,
  PATH_SYMLINK: 1n << 24n,
  PATH_UNLINK_FILE: 1n << 26n,
} as const;

/** Every right there is. */
export const ALL = (1n << 30n) - 1n;
/** What wasi-libc asks for on open(O_RDONLY): all but the write rights. */
export const READ_ONLY = ALL &
  ~(R.FD_DATASYNC | R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE);

export const O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4, O_TRUNC = 8;
export const FDFLAG_APPEND = 1;
export const FOLLOW = 1;

/** Where the helpers put things in guest memory. */
export const PATH = 1024, FD_OUT = 60, BUF = 4096, IOV = 256, RESULT = 64;

/** A temp dir with hello.txt ("hello world"), sub/ and sub/inner.txt. */
export async function makeTree(): Promise<string> {
  const dir = await tempDir({ prefix: "eddy_wasi_" });
  await Deno.writeTextFile(`${dir}/hello.txt`, "hello world");
  await Deno.mkdir(`${dir}/sub`);
  await Deno.writeTextFile(`${dir}/sub/inner.txt`, "inner");
  return Deno.realPath(dir);
}

/** Runs `test` with fresh temp dirs, removing them afterwards. */
export async function withTrees(
  count: number,
  test: (dirs: string[]) => void | Promise<void>,
): Promise<void> {
  const dirs: string[] = [];
  try {
    for (let i = 0; i < count; i++) dirs.push(await makeTree());
    await test(dirs);
  } finally {
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
}

/** Options of {@link open}. */
export interface OpenOptions {
  oflags?: number;
  base?: bigint;
  inheriting?: bigint;
  fdflags?: number;
  lookup?: number;
}

/** path_open relative to `dirfd`; answers [errno, fd]. */
export function open(
  g: Guest,
  dirfd: number,
  path: string,
  options: OpenOptions = {},
): [number, number] {
  const len = g.put(PATH, path);
  g.view.setUint32(FD_OUT, 0xdead, true);
  const errno = g.call(
    "path_open",
    dirfd,
    options.lookup ?? FOLLOW,
    PATH,
    len,
    options.oflags ?? 0,
    options.base ?? READ_ONLY,
    options.inheriting ?? ALL,
    options.fdflags ?? 0,
    FD_OUT,
  );
  return [errno, g.u32(FD_OUT)];
}

/** Calls a path_* function whose (fd, path, len) come first. */
export function pathCall(g: Guest, name: string, fd: number, path: string) {
  const len = g.put(PATH, path);
  return g.call(name, fd, PATH, len);
}

/** Reads up to `max` bytes from `fd` at its position; [errno, text]. */
export function read(g: Guest, fd: number, max = 256): [number, string] {
  g.iovs(IOV, [BUF, max]);
  const errno = g.call("fd_read", fd, IOV, 1, RESULT);
  return [errno, errno === 0 ? g.text(BUF, g.u32(RESULT)) : ""];
}

/** Writes `text` to `fd` at its position; answers the errno. */
export function write(g: Guest, fd: number, text: string): number {
  const len = g.put(BUF, text);
  g.iovs(IOV, [BUF, len]);
  return g.call("fd_write", fd, IOV, 1, RESULT);
}

/** Decodes the dirents fd_readdir left in `[buf, buf+used)`. */
export function dirents(g: Guest, buf: number, used: number) {
  const out: { next: bigint; ino: bigint; type: number; name: string }[] = [];
  const view = g.view;
  for (let at = buf; at + 24 <= buf + used;) {
    const namlen = view.getUint32(at + 16, true);
    if (at + 24 + namlen > buf + used) break;
    out.push({
      next: view.getBigUint64(at, true),
      ino: view.getBigUint64(at + 8, true),
      type: view.getUint8(at + 20),
      name: g.text(at + 24, namlen),
    });
    at += 24 + namlen;
  }
  return out;
}
