/**
 * Guest path arguments: read from guest memory and checked, never resolved
 * here. Resolution happens in the directory backend, beneath its root
 * (`_host_dir.ts`: in the kernel).
 *
 * @module
 */

import type { GuestMemory } from "./_memory.ts";
import { Errno } from "./errno.ts";

/** Longest guest path accepted, as Linux's PATH_MAX. */
const PATH_MAX = 4096;

const utf8 = new TextDecoder("utf-8", { fatal: true });

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
