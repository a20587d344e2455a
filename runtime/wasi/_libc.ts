/**
 * The libc calls the host directory backend makes, through Deno's FFI, and
 * the Linux constants they take. Loaded on first use only: a guest without
 * preopens never pays for (nor needs permission for) the FFI.
 *
 * Why FFI: Deno's file-system API takes path strings, which the kernel
 * resolves anew on every call, so a check made before the call can be raced.
 * `openat2(RESOLVE_BENEATH)` and the `*at()` calls resolve relative to a
 * directory descriptor instead, in the kernel, in one step. Where the
 * kernel has no openat2 (Linux < 5.6, qemu-user 7, some seccomp profiles),
 * `_beneath.ts` walks the path one `O_NOFOLLOW` component at a time instead.
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { openLibc } from "../libc.ts";

/** `openat2` is syscall 437 on x86_64 and aarch64 alike. */
const SYS_OPENAT2 = 437n;

/**
 * Linux open(2) and *at(2) flags. O_DIRECTORY and O_NOFOLLOW differ
 * between x86_64 and aarch64; the rest are the same on both.
 *
 * @example
 * ```ts
 * import { Linux } from "./_libc.ts";
 * const flags = Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC;
 * ```
 */
export const Linux = {
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_NONBLOCK: 0o4000,
  O_DIRECTORY: Deno.build.arch === "aarch64" ? 0o40000 : 0o200000,
  O_NOFOLLOW: Deno.build.arch === "aarch64" ? 0o100000 : 0o400000,
  O_CLOEXEC: 0o2000000,
  O_PATH: 0o10000000,
  RESOLVE_NO_MAGICLINKS: 0x02,
  RESOLVE_BENEATH: 0x08,
  AT_FDCWD: -100,
  AT_SYMLINK_NOFOLLOW: 0x100,
  AT_REMOVEDIR: 0x200,
  AT_SYMLINK_FOLLOW: 0x400,
  AT_EMPTY_PATH: 0x1000,
  UTIME_NOW: (1 << 30) - 1,
  UTIME_OMIT: (1 << 30) - 2,
  /** statx mask: the basic fields (type, mode, nlink, ino, size, times). */
  STATX_BASIC_STATS: 0x7ff,
  /** Sizes of `struct statx` and `struct open_how`. */
  STATX_SIZE: 256,
  OPEN_HOW_SIZE: 24,
} as const;

const SYMBOLS = {
  syscall: {
    parameters: ["i64", "i64", "buffer", "buffer", "usize"],
    result: "i64",
  },
  openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  pread: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  pwrite: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  fsync: { parameters: ["i32"], result: "i32" },
  fdatasync: { parameters: ["i32"], result: "i32" },
  posix_fallocate: { parameters: ["i32", "i64", "i64"], result: "i32" },
  statx: {
    parameters: ["i32", "buffer", "i32", "u32", "buffer"],
    result: "i32",
  },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  mkdirat: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  unlinkat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  renameat: { parameters: ["i32", "buffer", "i32", "buffer"], result: "i32" },
  linkat: {
    parameters: ["i32", "buffer", "i32", "buffer", "i32"],
    result: "i32",
  },
  symlinkat: { parameters: ["buffer", "i32", "buffer"], result: "i32" },
  readlinkat: {
    parameters: ["i32", "buffer", "buffer", "usize"],
    result: "isize",
  },
  utimensat: {
    parameters: ["i32", "buffer", "buffer", "i32"],
    result: "i32",
  },
  futimens: { parameters: ["i32", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/**
 * The bound libc functions.
 *
 * @example
 * ```ts
 * import type { Libc } from "./_libc.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(libc: Libc) {
 *   libc.close(3);
 * }
 * ```
 */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/**
 * Why paths cannot be confined here: not Linux, no FFI permission, no libc,
 * or a kernel whose openat2 ignores RESOLVE_BENEATH.
 *
 * @example
 * ```ts
 * import { ConfinementUnavailable } from "./_libc.ts";
 * const e = new ConfinementUnavailable("FFI is not permitted");
 * console.log(e.message);
 * ```
 */
export class ConfinementUnavailable extends Error {
  constructor(why: string) {
    super(
      `directory mounts need kernel-enforced confinement, which is unavailable here: ${why}`,
    );
    this.name = "ConfinementUnavailable";
  }
}

let loaded: Libc | ConfinementUnavailable | undefined;
let kernelBeneath = false;
let errnoView: Deno.UnsafePointerView | undefined;

/**
 * libc, loaded on first call and proven to confine (openat2 with
 * RESOLVE_BENEATH refuses `..`). Throws {@link ConfinementUnavailable}
 * when it cannot.
 *
 * @example
 * ```ts ignore
 * import { libc } from "./_libc.ts";
 * libc().close(10);
 * ```
 */
export function libc(): Libc {
  loaded ??= load();
  if (loaded instanceof ConfinementUnavailable) throw loaded;
  return loaded;
}

function load(): Libc | ConfinementUnavailable {
  const symbols = openLibc(SYMBOLS);
  if (typeof symbols === "string") return new ConfinementUnavailable(symbols);
  errnoView = new Deno.UnsafePointerView(symbols.__errno_location()!);
  // The probe: ".." beneath "/" must be refused; ENOSYS (or a seccomp
  // EPERM) means no openat2, and the component walk is used instead.
  const root = openat(symbols, Linux.AT_FDCWD, cstr("/"), dirFlags());
  if (root < 0) {
    return new ConfinementUnavailable(`cannot open / (WASI errno ${-root})`);
  }
  const up = openat2(symbols, root, cstr(".."), dirFlags(), BENEATH);
  symbols.close(root);
  if (up >= 0) {
    symbols.close(up);
    return new ConfinementUnavailable(
      "openat2 does not honour RESOLVE_BENEATH",
    );
  }
  kernelBeneath = -up === Errno.ENOTCAPABLE && !walkAsked();
  return symbols;
}

/**
 * Throws {@link ConfinementUnavailable} unless paths can be confined here.
 *
 * @example
 * ```ts ignore
 * import { requireConfinement } from "./_libc.ts";
 * requireConfinement(); // before accepting a directory mount
 * ```
 */
export function requireConfinement(): void {
  libc();
}

/** `EDDY_NO_OPENAT2=1`: use the component walk even where openat2 works. */
function walkAsked(): boolean {
  try {
    return Deno.env.get("EDDY_NO_OPENAT2") === "1";
  } catch {
    return false; // no env permission: nothing was asked
  }
}

/**
 * Whether the kernel resolves beneath a directory (openat2); else paths are
 * walked component by component. Meaningful after {@link libc} succeeded.
 *
 * @example
 * ```ts ignore
 * import { hasOpenat2, libc } from "./_libc.ts";
 * libc();
 * console.log(hasOpenat2() ? "openat2" : "component walk");
 * ```
 */
export function hasOpenat2(): boolean {
  return kernelBeneath;
}

/**
 * Plain `openat(dirfd, path, flags, 0o666)`: a new fd, or a negative WASI
 * errno. For trusted paths and single names only.
 *
 * @example
 * ```ts ignore
 * import { cstr, dirFlags, libc, openat } from "./_libc.ts";
 * const fd = openat(libc(), -100, cstr("/srv/data"), dirFlags());
 * ```
 */
export function openat(
  lib: Libc,
  dirfd: number,
  path: Uint8Array,
  flags: number,
): number {
  const fd = lib.openat(dirfd, path, flags, 0o666);
  return fd < 0 ? -lastErrno() : fd;
}

/**
 * openat2 resolve flags for every guest path: beneath the dirfd, no /proc
 * magic links.
 *
 * @example
 * ```ts
 * import { BENEATH } from "./_libc.ts";
 * console.log(BENEATH); // 10
 * ```
 */
export const BENEATH = Linux.RESOLVE_BENEATH | Linux.RESOLVE_NO_MAGICLINKS;

/**
 * Flags to open a directory to read its entries.
 *
 * @example
 * ```ts
 * import { dirFlags } from "./_libc.ts";
 * console.log(dirFlags() !== 0); // true
 * ```
 */
export function dirFlags(): number {
  return Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC;
}

const how = new BigUint64Array(3);
const howBytes = new Uint8Array(how.buffer);

/**
 * `openat2(dirfd, path, {flags, mode: 0o666 if creating, resolve})`: a new
 * fd, or a negative WASI errno. A path that leaves the directory (EXDEV)
 * answers ENOTCAPABLE; a rename racing the lookup (EAGAIN) is retried.
 *
 * @example
 * ```ts ignore
 * import { BENEATH, cstr, dirFlags, libc, openat2 } from "./_libc.ts";
 * const fd = openat2(libc(), -100, cstr("/tmp"), dirFlags(), 0);
 * ```
 */
export function openat2(
  lib: Libc,
  dirfd: number,
  path: Uint8Array,
  flags: number,
  resolve: number,
): number {
  how[0] = BigInt(flags);
  how[1] = flags & Linux.O_CREAT ? 0o666n : 0n;
  how[2] = BigInt(resolve);
  for (let attempt = 0;; attempt++) {
    const fd = Number(
      lib.syscall(SYS_OPENAT2, BigInt(dirfd), path, howBytes, 24n),
    );
    if (fd >= 0) return fd;
    const errno = lastErrno();
    if (errno === Errno.EAGAIN && attempt < 8) continue;
    return -(errno === Errno.EXDEV ? Errno.ENOTCAPABLE : errno);
  }
}

/** Linux errno → WASI errno (the numbers are the same on x86_64 and aarch64). */
const FROM_LINUX: Record<number, number> = {
  1: Errno.EPERM,
  2: Errno.ENOENT,
  4: Errno.EINTR,
  5: Errno.EIO,
  6: Errno.ENXIO,
  7: Errno.E2BIG,
  9: Errno.EBADF,
  11: Errno.EAGAIN,
  12: Errno.ENOMEM,
  13: Errno.EACCES,
  14: Errno.EFAULT,
  16: Errno.EBUSY,
  17: Errno.EEXIST,
  18: Errno.EXDEV,
  19: Errno.ENODEV,
  20: Errno.ENOTDIR,
  21: Errno.EISDIR,
  22: Errno.EINVAL,
  23: Errno.ENFILE,
  24: Errno.EMFILE,
  25: Errno.ENOTTY,
  26: Errno.ETXTBSY,
  27: Errno.EFBIG,
  28: Errno.ENOSPC,
  29: Errno.ESPIPE,
  30: Errno.EROFS,
  31: Errno.EMLINK,
  32: Errno.EPIPE,
  36: Errno.ENAMETOOLONG,
  38: Errno.ENOSYS,
  39: Errno.ENOTEMPTY,
  40: Errno.ELOOP,
  75: Errno.EOVERFLOW,
  84: Errno.EILSEQ,
  95: Errno.ENOTSUP,
  122: Errno.EDQUOT,
};

/**
 * The WASI errno of the last failed libc call on this thread.
 *
 * @example
 * ```ts ignore
 * import { lastErrno, libc } from "./_libc.ts";
 * if (libc().close(12345) < 0) console.log(lastErrno()); // 8 (EBADF)
 * ```
 */
export function lastErrno(): number {
  return wasiErrno(errnoView!.getInt32());
}

/**
 * A Linux errno as a WASI errno (EIO for one WASI has no name for).
 *
 * @example
 * ```ts
 * import { wasiErrno } from "./_libc.ts";
 * console.log(wasiErrno(2)); // 44 (ENOENT)
 * ```
 */
export function wasiErrno(linux: number): number {
  return FROM_LINUX[linux] ?? Errno.EIO;
}

const encoder = new TextEncoder();
/**
 * Scratch buffers: calls such as renameat take two paths at once (slots 0
 * and 1); the component walk encodes into slot 2.
 */
const scratch = [0, 1, 2].map(() => new Uint8Array(4097 * 3));

/**
 * `text` as a NUL-terminated C string in reusable scratch buffer `slot`
 * (valid until the next `cstr` with the same slot).
 *
 * @example
 * ```ts
 * import { cstr } from "./_libc.ts";
 * console.log(cstr("ab")); // Uint8Array [97, 98, 0]
 * ```
 */
export function cstr(text: string, slot: 0 | 1 | 2 = 0): Uint8Array {
  const buffer = scratch[slot];
  const { written } = encoder.encodeInto(text, buffer);
  buffer[written] = 0;
  return buffer.subarray(0, written + 1);
}
