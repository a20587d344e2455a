/**
 * filestat (64 bytes: dev u64 @0, ino u64 @8, filetype u8 @16, nlink u64
 * @24, size u64 @32, atim @40, mtim @48, ctim @56, times in ns) and the
 * fstflags rules shared by fd_ and path_filestat_set_times.
 *
 * @module
 */

import { fileTypeOf, FstFlags, Size } from "./_abi.ts";
import type { GuestMemory } from "./_memory.ts";
import { Errno } from "./errno.ts";

function ns(date: Date | null): bigint {
  return date === null ? 0n : BigInt(date.getTime()) * 1_000_000n;
}

/**
 * Writes `info` as a filestat at `ptr` (already bounds-checked).
 *
 * @example
 * ```ts
 * import { writeFilestat } from "./_filestat.ts";
 * import { GuestMemory } from "./_memory.ts";
 * const mem = new GuestMemory();
 * mem.bind(new WebAssembly.Memory({ initial: 1 }));
 * writeFilestat(mem, 64, Deno.statSync("/"));
 * ```
 */
export function writeFilestat(
  mem: GuestMemory,
  ptr: number,
  info: Deno.FileInfo,
): void {
  const view = mem.view;
  mem.u8.fill(0, ptr, ptr + Size.FILESTAT);
  mem.setU64(ptr, info.dev ?? 0);
  mem.setU64(ptr + 8, info.ino ?? 0);
  view.setUint8(ptr + 16, fileTypeOf(info));
  mem.setU64(ptr + 24, info.nlink ?? 1);
  mem.setU64(ptr + 32, info.size);
  view.setBigUint64(ptr + 40, ns(info.atime), true);
  view.setBigUint64(ptr + 48, ns(info.mtime), true);
  view.setBigUint64(ptr + 56, ns(info.ctime ?? info.mtime), true);
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
 * The [atime, mtime] to give `utime` for fstflags, in seconds or as the
 * current Dates; EINVAL for contradicting flags. `current` supplies the
 * time that is to stay unchanged.
 *
 * @example
 * ```ts
 * import { newTimes } from "./_filestat.ts";
 * // set mtime to 1 s after the epoch, keep atime
 * const times = newTimes(0n, 1_000_000_000n, 4, () => Deno.statSync("/"));
 * ```
 */
export function newTimes(
  atim: bigint,
  mtim: bigint,
  flags: number,
  current: () => Deno.FileInfo,
): [number | Date, number | Date] | number {
  if (
    (flags & FstFlags.ATIM && flags & FstFlags.ATIM_NOW) ||
    (flags & FstFlags.MTIM && flags & FstFlags.MTIM_NOW) ||
    flags & ~0xf
  ) {
    return Errno.EINVAL;
  }
  const now = new Date();
  let info: Deno.FileInfo | undefined;
  const pick = (
    value: bigint,
    set: number,
    setNow: number,
    old: "atime" | "mtime",
  ) => {
    if (flags & set) return Number(BigInt.asUintN(64, value)) / 1e9;
    if (flags & setNow) return now;
    info ??= current();
    return info[old] ?? now;
  };
  return [
    pick(atim, FstFlags.ATIM, FstFlags.ATIM_NOW, "atime"),
    pick(mtim, FstFlags.MTIM, FstFlags.MTIM_NOW, "mtime"),
  ];
}
