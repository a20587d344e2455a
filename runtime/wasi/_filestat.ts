/**
 * filestat (64 bytes: dev u64 @0, ino u64 @8, filetype u8 @16, nlink u64
 * @24, size u64 @32, atim @40, mtim @48, ctim @56, times in ns) and the
 * fstflags rules shared by fd_ and path_filestat_set_times.
 *
 * @module
 */

import { FstFlags, Size } from "./_abi.ts";
import type { GuestMemory } from "./_memory.ts";
import type { Filestat } from "./dir.ts";
import { Errno } from "./errno.ts";

/**
 * Writes `stat` as a filestat at `ptr` (already bounds-checked).
 *
 * @example
 * ```ts
 * import { writeFilestat } from "./_filestat.ts";
 * import { GuestMemory } from "./_memory.ts";
 * const mem = new GuestMemory();
 * mem.bind(new WebAssembly.Memory({ initial: 1 }));
 * writeFilestat(mem, 64, {
 *   dev: 1n, ino: 2n, filetype: 4, nlink: 1n, size: 5n, atim: 0n, mtim: 0n, ctim: 0n,
 * });
 * ```
 */
export function writeFilestat(
  mem: GuestMemory,
  ptr: number,
  stat: Filestat,
): void {
  const view = mem.view;
  mem.u8.fill(0, ptr, ptr + Size.FILESTAT);
  view.setBigUint64(ptr, stat.dev, true);
  view.setBigUint64(ptr + 8, stat.ino, true);
  view.setUint8(ptr + 16, stat.filetype);
  view.setBigUint64(ptr + 24, stat.nlink, true);
  view.setBigUint64(ptr + 32, stat.size, true);
  view.setBigUint64(ptr + 40, stat.atim, true);
  view.setBigUint64(ptr + 48, stat.mtim, true);
  view.setBigUint64(ptr + 56, stat.ctim, true);
}

/**
 * Writes a filestat for a stream (stdio): only its file type.
 *
 * @example
 * ```ts
 * import { writeStreamFilestat } from "./_filestat.ts";
 * import { GuestMemory } from "./_memory.ts";
 * const mem = new GuestMemory();
 * mem.bind(new WebAssembly.Memory({ initial: 1 }));
 * writeStreamFilestat(mem, 64, 0);
 * ```
 */
export function writeStreamFilestat(
  mem: GuestMemory,
  ptr: number,
  filetype: number,
): void {
  mem.u8.fill(0, ptr, ptr + Size.FILESTAT);
  mem.view.setUint8(ptr + 16, filetype);
}

/**
 * ESUCCESS for valid fstflags, EINVAL for unknown or contradicting ones (a
 * time both given and "now").
 *
 * @example
 * ```ts
 * import { checkFstFlags } from "./_filestat.ts";
 * console.log(checkFstFlags(1 | 2)); // 28 (EINVAL)
 * ```
 */
export function checkFstFlags(flags: number): number {
  return (flags & FstFlags.ATIM && flags & FstFlags.ATIM_NOW) ||
      (flags & FstFlags.MTIM && flags & FstFlags.MTIM_NOW) ||
      flags & ~0xf
    ? Errno.EINVAL
    : Errno.ESUCCESS;
}
