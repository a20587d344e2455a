/**
 * Executor workers' OS thread priorities (nice values, Linux). Every worker
 * runs {@linkcode GUEST_NICE_OFFSET} levels below the node's own thread, so
 * that the node's front (HTTP, admission, refusals, dispatch) gets a core
 * the moment it has work even when guests keep every core busy. A worker
 * running a long guest drops further, to {@linkcode BACKGROUND_NICE}, so
 * that the kernel runs short guests first. Any process may lower a
 * thread's priority; raising it back needs `CAP_SYS_NICE` (root) or an
 * `RLIMIT_NICE` that allows it (systemd's `LimitNICE=`). Without that a
 * worker never goes to the background (one left there would slow every
 * short guest it runs later). Off Linux, priorities are left alone.
 *
 * @module
 */
import { getPriority, setPriority } from "node:os";

/**
 * Nice levels between the node's thread and its workers: enough for the
 * kernel to run the node's front first (refusals p99 21 -> 12 ms in a
 * burst), few enough that a process beside eddy (a load generator, a
 * proxy) does not take the guests' CPU (5 levels cost ~9% of echo req/s).
 */
export const GUEST_NICE_OFFSET = 2;

/** The nice value of a worker running long work: the lowest priority. */
export const BACKGROUND_NICE = 19;

/** CAP_SYS_NICE's bit in `/proc/self/status`'s `CapEff`. */
const CAP_SYS_NICE = 23n;

/**
 * Sets worker threads' priorities: {@linkcode GUEST_NICE_OFFSET} below the
 * process's, and in the background and back where the process may raise a
 * priority again.
 *
 * @example
 * ```ts
 * import { ThreadPriority } from "./thread_priority.ts";
 * const priority = new ThreadPriority();
 * console.log(priority.guestNice); // 2 in a process at nice 0
 * console.log(priority.canBackground); // true when eddy may raise priorities back
 * ```
 */
export class ThreadPriority {
  /** The nice value of a worker's thread, but in the background. */
  readonly guestNice: number = Math.min(
    BACKGROUND_NICE,
    processNice() + GUEST_NICE_OFFSET,
  );
  /** Whether workers go to the background and back. */
  readonly canBackground: boolean = mayLowerNiceTo(this.guestNice);

  /** Gives a new worker's `thread` its priority; says whether it could. */
  adopt(thread: number): boolean {
    return trySetNice(thread, this.guestNice);
  }

  /**
   * Puts `thread` in the background, or back to a worker's priority, where
   * the process may do both. Says whether it did.
   */
  set(thread: number, background: boolean): boolean {
    return this.canBackground &&
      trySetNice(thread, background ? BACKGROUND_NICE : this.guestNice);
  }
}

/** Sets `thread`'s nice value; false if the OS refused, or it is gone. */
function trySetNice(thread: number, nice: number): boolean {
  try {
    setPriority(thread, nice);
    return true;
  } catch {
    return false;
  }
}

/** This process's nice value (its main thread's); 0 where unknown. */
function processNice(): number {
  try {
    return getPriority();
  } catch {
    return 0;
  }
}

/**
 * Whether this process may set a thread's nice value down to `nice` (raise
 * its priority): with `CAP_SYS_NICE`, or an `RLIMIT_NICE` of at least
 * `20 - nice`. Never below the lowest priority, where nothing is to gain.
 */
function mayLowerNiceTo(nice: number): boolean {
  if (nice >= BACKGROUND_NICE) return false;
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const caps = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1]}`);
    if ((caps >> CAP_SYS_NICE) & 1n) return true;
    // RLIMIT_NICE r lets a thread go down to nice 20 - r.
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = Number(/^Max nice priority\s+(\d+)/m.exec(limits)?.[1]);
    return 20 - soft <= nice;
  } catch {
    return false;
  }
}
