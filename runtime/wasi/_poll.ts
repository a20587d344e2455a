/**
 * poll_oneoff. Subscriptions are 48 bytes (userdata u64 @0, tag u8 @8;
 * clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40;
 * fd_read/fd_write: fd u32 @16), events 32 bytes (userdata u64 @0, error
 * u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24).
 *
 * Every descriptor eddy has is always ready (in-memory stdio, regular
 * files), so fd subscriptions are answered at once. With none of those, the
 * guest sleeps until the earliest clock subscription is due and gets every
 * clock that is due by then. Given a {@link Sleep}, a wait of a millisecond
 * or more is its promise (the import is then a JSPI `Suspending` one, so
 * the thread runs other guests meanwhile); otherwise, and for shorter
 * waits, the thread blocks (Atomics.wait).
 *
 * @module
 */

import { ClockId, EventType, Rights, Size } from "./_abi.ts";
import { clockNow } from "./_clock.ts";
import type { WasiContext } from "./_context.ts";
import { type FdEntry, FileFd, StdinFd } from "./_fd_table.ts";
import type { GuestMemory } from "./_memory.ts";
import { Errno } from "./errno.ts";

const SUBSCRIPTION_CLOCK_ABSTIME = 1;
const EVENT_FD_READWRITE_HANGUP = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Waits shorter than this block the thread: a timer is no more precise. */
const SUSPEND_MIN_MS = 1;

/**
 * Waits `ms` milliseconds without holding the thread; rejecting unwinds
 * the guest (its invocation was stopped while it slept).
 */
export type Sleep = (ms: number) => Promise<void>;

/** When a clock subscription is due, in `performance.now()` ms; NaN if invalid. */
function deadlineOf(
  id: number,
  timeout: bigint,
  flags: number,
  nowMs: number,
  cpuOrigin: number,
): number {
  const timeoutMs = Number(timeout) / 1e6;
  if (id < 0 || id > ClockId.THREAD_CPUTIME) return NaN;
  if ((flags & SUBSCRIPTION_CLOCK_ABSTIME) === 0) return nowMs + timeoutMs;
  if (id === ClockId.MONOTONIC) return timeoutMs;
  return nowMs + timeoutMs - clockNow(id, cpuOrigin) / 1e6;
}

/** [errno, nbytes, flags] for an fd_read/fd_write subscription. */
function fdReadiness(
  entry: FdEntry | undefined,
  read: boolean,
): [number, number, number] {
  if (entry === undefined) return [Errno.EBADF, 0, 0];
  if ((entry.rightsBase & (read ? Rights.FD_READ : Rights.FD_WRITE)) === 0) {
    return [Errno.ENOTCAPABLE, 0, 0];
  }
  if (!read) return [Errno.ESUCCESS, 0, 0];
  if (entry instanceof StdinFd && entry.bytes !== undefined) {
    const left = entry.bytes.length - entry.pos;
    return [Errno.ESUCCESS, left, left === 0 ? EVENT_FD_READWRITE_HANGUP : 0];
  }
  if (entry instanceof FileFd) {
    const at = entry.file.seek(0, 1);
    const stat = entry.file.stat();
    if (at < 0 || typeof stat === "number") return [Errno.ESUCCESS, 0, 0];
    return [Errno.ESUCCESS, Math.max(0, Number(stat.size) - at), 0];
  }
  return [Errno.ESUCCESS, 0, 0];
}

function writeEvent(
  mem: GuestMemory,
  at: number,
  userdata: bigint,
  error: number,
  type: number,
  nbytes: number,
  flags: number,
): void {
  mem.u8.fill(0, at, at + Size.EVENT);
  const view = mem.view;
  view.setBigUint64(at, userdata, true);
  view.setUint16(at + 8, error, true);
  view.setUint8(at + 10, type);
  mem.setU64(at + 16, nbytes);
  view.setUint16(at + 24, flags, true);
}

/**
 * poll_oneoff(in, out, nsubscriptions, nevents_ptr); a promise of the errno
 * when it waits through `sleep`.
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { pollOneoff } from "./_poll.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // one 48-byte subscription at 0; events at 256, count at 8
 *   const errno = pollOneoff(ctx, 0, 256, 1, 8);
 * }
 * ```
 */
export function pollOneoff(
  ctx: WasiContext,
  inPtr: number,
  outPtr: number,
  count: number,
  neventsPtr: number,
  sleep?: Sleep,
): number | Promise<number> {
  const mem = ctx.mem;
  mem.refresh();
  inPtr >>>= 0;
  outPtr >>>= 0;
  count >>>= 0;
  neventsPtr >>>= 0;
  if (count === 0) return Errno.EINVAL;
  if (
    !mem.fitsArray(inPtr, count, Size.SUBSCRIPTION) ||
    !mem.fitsArray(outPtr, count, Size.EVENT) ||
    !mem.fits(neventsPtr, 4)
  ) {
    return Errno.EFAULT;
  }
  const view = mem.view;
  const nowMs = performance.now();
  const clocks: { userdata: bigint; due: number }[] = [];
  let soonest = Infinity;
  let nevents = 0;
  for (let i = 0; i < count; i++) {
    const sub = inPtr + i * Size.SUBSCRIPTION;
    const userdata = view.getBigUint64(sub, true);
    const tag = view.getUint8(sub + 8);
    const out = outPtr + nevents * Size.EVENT;
    if (tag === EventType.CLOCK) {
      const due = deadlineOf(
        view.getUint32(sub + 16, true),
        view.getBigUint64(sub + 24, true),
        view.getUint16(sub + 40, true),
        nowMs,
        ctx.cpuOrigin,
      );
      if (Number.isNaN(due)) {
        writeEvent(mem, out, userdata, Errno.EINVAL, tag, 0, 0);
        nevents++;
      } else {
        clocks.push({ userdata, due });
        soonest = Math.min(soonest, due);
      }
    } else if (tag === EventType.FD_READ || tag === EventType.FD_WRITE) {
      const entry = ctx.fds.get(view.getUint32(sub + 16, true));
      const [error, nbytes, flags] = fdReadiness(
        entry,
        tag === EventType.FD_READ,
      );
      writeEvent(mem, out, userdata, error, tag, nbytes, flags);
      nevents++;
    } else {
      return Errno.EINVAL;
    }
  }
  if (nevents === 0 && sleep && soonest - nowMs >= SUSPEND_MIN_MS) {
    return sleep(soonest - nowMs).then(() =>
      dueClocks(ctx, clocks, outPtr, neventsPtr, 0, soonest)
    );
  }
  if (nevents === 0) {
    // Nothing else can wake us: block the thread until the first clock.
    for (
      let left = soonest - nowMs;
      left > 0;
      left = soonest - performance.now()
    ) {
      Atomics.wait(sleeper, 0, 0, left);
    }
  }
  return dueClocks(ctx, clocks, outPtr, neventsPtr, nevents, soonest);
}

/**
 * Adds an event for every clock due by now (by `soonest` when nothing else
 * was ready: the wait was for it) after the `nevents` written already.
 */
function dueClocks(
  ctx: WasiContext,
  clocks: { userdata: bigint; due: number }[],
  outPtr: number,
  neventsPtr: number,
  nevents: number,
  soonest: number,
): number {
  const mem = ctx.mem;
  // The guest may have grown its memory since its call began.
  mem.refresh();
  const now = nevents === 0
    ? Math.max(performance.now(), soonest)
    : performance.now();
  for (const { userdata, due } of clocks) {
    if (due <= now) {
      writeEvent(
        mem,
        outPtr + nevents * Size.EVENT,
        userdata,
        Errno.ESUCCESS,
        EventType.CLOCK,
        0,
        0,
      );
      nevents++;
    }
  }
  mem.view.setUint32(neventsPtr, nevents, true);
  return Errno.ESUCCESS;
}
