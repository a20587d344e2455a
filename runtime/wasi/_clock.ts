/**
 * Clocks: realtime (the wall clock, with sub-millisecond steps: see
 * `wallMs`), monotonic (`performance.now()`), and the
 * process and thread CPU-time clocks (the kernel's, see ../cpu_clock.ts). A
 * run given a CPU origin is its guest's process, on one thread: both CPU
 * clocks then count that thread from the run's start.
 *
 * Readings are nanoseconds held in a number: exact to well under a
 * microsecond, which is the resolution the host gives.
 *
 * @module
 */

import { ClockId } from "./_abi.ts";
import type { WasiContext } from "./_context.ts";
import { cpuTimeNs } from "../cpu_clock.ts";
import { Errno } from "./errno.ts";

/** Resolution reported for every clock: 1 µs. */
const RESOLUTION_NS = 1000;

/** `wallMs()` less `performance.now()`: where the wall clock's ms start. */
let wallOrigin = performance.timeOrigin;

/**
 * The wall clock in ms, with the sub-millisecond steps of
 * `performance.now()`. `performance.timeOrigin + performance.now()` alone
 * is the monotonic clock counted from the process's start: it drifts from
 * the wall clock when the system's time is slewed or stepped (NTP slews up
 * to 0.5 ms a second; a CI run saw it off by more than 2 ms), so it follows
 * `Date.now()` (whole ms, truncated) whenever the two disagree by more than
 * a millisecond.
 */
function wallMs(): number {
  const monotonic = performance.now();
  const wall = Date.now();
  const t = wallOrigin + monotonic;
  if (t >= wall - 1 && t < wall + 2) return t;
  wallOrigin = wall + 0.5 - monotonic;
  return wall + 0.5;
}

/**
 * The clock's current time in ns, or -1 for an unknown clock id (or a
 * CPU-time clock this host cannot read).
 *
 * @example
 * ```ts
 * import { clockNow } from "./_clock.ts";
 * const wallNs = clockNow(0);
 * ```
 */
export function clockNow(id: number, cpuOrigin = 0): number {
  switch (id) {
    case ClockId.REALTIME:
      return Math.round(wallMs() * 1e6);
    case ClockId.MONOTONIC:
      return Math.round(performance.now() * 1e6);
    case ClockId.PROCESS_CPUTIME:
    case ClockId.THREAD_CPUTIME: {
      if (cpuOrigin === 0) return cpuTimeNs(id === ClockId.THREAD_CPUTIME);
      const now = cpuTimeNs(true);
      return now < 0 ? -1 : now - cpuOrigin;
    }
    default:
      return -1;
  }
}

/**
 * clock_res_get(id, resolution_ptr)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { clockResGet } from "./_clock.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // monotonic clock resolution (ns, u64) at 8
 *   const errno = clockResGet(ctx, 1, 8);
 * }
 * ```
 */
export function clockResGet(ctx: WasiContext, id: number, ptr: number): number {
  const mem = ctx.mem;
  mem.refresh();
  ptr >>>= 0;
  if (id < 0 || id > ClockId.THREAD_CPUTIME) return Errno.EINVAL;
  if (!mem.fits(ptr, 8)) return Errno.EFAULT;
  mem.setU64(ptr, RESOLUTION_NS);
  return Errno.ESUCCESS;
}

/**
 * clock_time_get(id, precision, time_ptr); precision is only a hint.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { clockTimeGet } from "./_clock.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // wall-clock time (ns, u64) at 8
 *   const errno = clockTimeGet(ctx, 0, 8);
 * }
 * ```
 */
export function clockTimeGet(
  ctx: WasiContext,
  id: number,
  ptr: number,
): number {
  const mem = ctx.mem;
  mem.refresh();
  ptr >>>= 0;
  const now = clockNow(id, ctx.cpuOrigin);
  if (now < 0) return Errno.EINVAL;
  if (!mem.fits(ptr, 8)) return Errno.EFAULT;
  mem.setU64(ptr, now);
  return Errno.ESUCCESS;
}
