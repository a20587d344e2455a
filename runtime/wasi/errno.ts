/**
 * WASI preview1 error numbers (`errno` in witx), and the mapping from host
 * errors to them.
 *
 * Policy for refusals, so that guests see one answer for one cause:
 * - a call the fd's rights do not allow, a write into a read-only preopen, or
 *   a path that would leave its preopen answers `ENOTCAPABLE` (76);
 * - a refusal by the host OS itself (permission bits, Deno permissions)
 *   answers what the host said: `EACCES` (2) or `EPERM` (63);
 * - a pointer or length outside guest memory answers `EFAULT` (21);
 * - a call eddy does not implement answers `ENOSYS` (52).
 *
 * @module
 */

/**
 * Every preview1 errno, named as its POSIX counterpart (`E` + witx name).
 *
 * @example
 * ```ts
 * import { Errno } from "./errno.ts";
 * console.log(Errno.ENOENT); // 44
 * ```
 */
export const Errno = {
  ESUCCESS: 0,
  E2BIG: 1,
  EACCES: 2,
  EADDRINUSE: 3,
  EADDRNOTAVAIL: 4,
  EAFNOSUPPORT: 5,
  EAGAIN: 6,
  EALREADY: 7,
  EBADF: 8,
  EBADMSG: 9,
  EBUSY: 10,
  ECANCELED: 11,
  ECHILD: 12,
  ECONNABORTED: 13,
  ECONNREFUSED: 14,
  ECONNRESET: 15,
  EDEADLK: 16,
  EDESTADDRREQ: 17,
  EDOM: 18,
  EDQUOT: 19,
  EEXIST: 20,
  EFAULT: 21,
  EFBIG: 22,
  EHOSTUNREACH: 23,
  EIDRM: 24,
  EILSEQ: 25,
  EINPROGRESS: 26,
  EINTR: 27,
  EINVAL: 28,
  EIO: 29,
  EISCONN: 30,
  EISDIR: 31,
  ELOOP: 32,
  EMFILE: 33,
  EMLINK: 34,
  EMSGSIZE: 35,
  EMULTIHOP: 36,
  ENAMETOOLONG: 37,
  ENETDOWN: 38,
  ENETRESET: 39,
  ENETUNREACH: 40,
  ENFILE: 41,
  ENOBUFS: 42,
  ENODEV: 43,
  ENOENT: 44,
  ENOEXEC: 45,
  ENOLCK: 46,
  ENOLINK: 47,
  ENOMEM: 48,
  ENOMSG: 49,
  ENOPROTOOPT: 50,
  ENOSPC: 51,
  ENOSYS: 52,
  ENOTCONN: 53,
  ENOTDIR: 54,
  ENOTEMPTY: 55,
  ENOTRECOVERABLE: 56,
  ENOTSOCK: 57,
  ENOTSUP: 58,
  ENOTTY: 59,
  ENXIO: 60,
  EOVERFLOW: 61,
  EOWNERDEAD: 62,
  EPERM: 63,
  EPIPE: 64,
  EPROTO: 65,
  EPROTONOSUPPORT: 66,
  EPROTOTYPE: 67,
  ERANGE: 68,
  EROFS: 69,
  ESPIPE: 70,
  ESRCH: 71,
  ESTALE: 72,
  ETIMEDOUT: 73,
  ETXTBSY: 74,
  EXDEV: 75,
  ENOTCAPABLE: 76,
} as const;

/** Host error codes that are other names of a WASI errno. */
const ALIASES: Record<string, number> = {
  EOPNOTSUPP: Errno.ENOTSUP,
  EWOULDBLOCK: Errno.EAGAIN,
  EDEADLOCK: Errno.EDEADLK,
};

/** Deno error classes that carry no POSIX `code`, by class name. */
const BY_CLASS: Record<string, number> = {
  NotFound: Errno.ENOENT,
  PermissionDenied: Errno.EACCES,
  NotCapable: Errno.EACCES,
  AlreadyExists: Errno.EEXIST,
  IsADirectory: Errno.EISDIR,
  NotADirectory: Errno.ENOTDIR,
  FilesystemLoop: Errno.ELOOP,
  Busy: Errno.EBUSY,
  NotSupported: Errno.ENOTSUP,
  BadResource: Errno.EBADF,
  Interrupted: Errno.EINTR,
  WouldBlock: Errno.EAGAIN,
  InvalidData: Errno.EINVAL,
  TimedOut: Errno.ETIMEDOUT,
  BrokenPipe: Errno.EPIPE,
};

/**
 * The errno for an error thrown by a Deno file-system call: by its POSIX
 * `code` when it has one (Deno sets e.g. `code: "ENOTEMPTY"`), else by its
 * class; anything unrecognised is `EIO`.
 *
 * @example
 * ```ts
 * import { errnoFromError, Errno } from "./errno.ts";
 * try {
 *   Deno.statSync("/no/such/file");
 * } catch (e) {
 *   console.log(errnoFromError(e) === Errno.ENOENT); // true
 * }
 * ```
 */
export function errnoFromError(error: unknown): number {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") {
      if (Object.hasOwn(Errno, code)) return Errno[code as keyof typeof Errno];
      if (Object.hasOwn(ALIASES, code)) return ALIASES[code];
    }
    if (Object.hasOwn(BY_CLASS, error.name)) return BY_CLASS[error.name];
    if (error instanceof TypeError) return Errno.EINVAL;
  }
  return Errno.EIO;
}

/**
 * Runs a host file-system call: ESUCCESS if it returns, else the errno of
 * what it threw.
 *
 * @example
 * ```ts
 * import { hostCall } from "./errno.ts";
 * console.log(hostCall(() => Deno.mkdirSync("/no/such/parent/dir"))); // 44
 * ```
 */
export function hostCall(call: () => unknown): number {
  try {
    call();
    return Errno.ESUCCESS;
  } catch (e) {
    return errnoFromError(e);
  }
}
