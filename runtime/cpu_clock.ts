/**
 * The CPU-time clocks, read from the kernel with `clock_gettime` through
 * FFI: the WASI host's process and thread clocks (a guest runs on one
 * worker thread, so the thread clock counts its worker's time, not the
 * whole node's), and the pool's reading of a worker thread's time from the
 * node's thread (how long a guest has really had a core, which wall time
 * overstates when the cores are shared). `node:process`'s `cpuUsage()`
 * would do for the process clock, but loading that polyfill adds ~20 ms to
 * the start of every executor worker, and it has no per-thread clock.
 *
 * @module
 */

import { openLibc } from "./libc.ts";

/** Linux's ids for these clocks (the same numbers as WASI's). */
const CLOCK_PROCESS_CPUTIME_ID = 2;
const CLOCK_THREAD_CPUTIME_ID = 3;

type Gettime = (id: number, timespec: BigInt64Array) => number;

/** `clock_gettime` once loaded; `null` where it cannot be (no FFI, no libc). */
let gettime: Gettime | null | undefined;
/** `struct timespec` on 64-bit Linux: seconds and nanoseconds, 8 bytes each. */
const timespec = new BigInt64Array(2);

function load(): Gettime | null {
  const libc = openLibc({
    clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  });
  return typeof libc === "string" ? null : libc.clock_gettime;
}

/**
 * CPU time in ns that the whole process (`thread` false) or the calling
 * thread (`thread` true) has used, or -1 where it cannot be read (not
 * Linux, or FFI not permitted).
 *
 * @example
 * ```ts
 * import { cpuTimeNs } from "./cpu_clock.ts";
 * console.log(cpuTimeNs(true) > 0); // true on Linux with --allow-ffi
 * ```
 */
export function cpuTimeNs(thread: boolean): number {
  gettime ??= load();
  if (!gettime) return -1;
  const id = thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID;
  if (gettime(id, timespec) !== 0) return -1;
  return Number(timespec[0]) * 1e9 + Number(timespec[1]);
}

/**
 * CPU time in ns that thread `tid` (a kernel thread id of this process) has
 * used, or -1 where it cannot be read (not Linux, no FFI, the thread gone).
 * A system call (~2.5 µs here): read it when a decision needs it.
 *
 * @example
 * ```ts
 * import { threadCpuTimeNs } from "./cpu_clock.ts";
 * const tid = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
 * console.log(threadCpuTimeNs(tid) > 0); // true on Linux with --allow-ffi
 * ```
 */
export function threadCpuTimeNs(tid: number): number {
  gettime ??= load();
  // The kernel's clock id for another thread's CPU time: the thread id
  // inverted and shifted, with the "per thread, scheduler time" bits
  // (MAKE_THREAD_CPUCLOCK in linux/posix-timers.h).
  if (!gettime || gettime(((~tid) << 3) | 6, timespec) !== 0) return -1;
  return Number(timespec[0]) * 1e9 + Number(timespec[1]);
}
