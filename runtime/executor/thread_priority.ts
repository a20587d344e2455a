/**
 * Executor workers' OS thread priorities (nice values, and a scheduling
 * policy for the background; Linux). Every worker runs
 * {@linkcode GUEST_NICE_OFFSET} levels below the node's own thread, so that
 * the node's front (HTTP, admission, refusals, dispatch) gets a core the
 * moment it has work even when guests keep every core busy. A worker
 * running a long guest (or a flood's) goes to the background, Linux's
 * `SCHED_IDLE` policy (nice {@linkcode BACKGROUND_NICE} where FFI is not
 * permitted), so that the kernel runs short guests first. Any process may
 * lower a thread's priority; raising it back needs `CAP_SYS_NICE` (root)
 * or an `RLIMIT_NICE` that allows it (systemd's `LimitNICE=`). Without that
 * a worker never goes to the background (one left there would slow every
 * short guest it runs later). Off Linux, priorities are left alone.
 *
 * @module
 */
import { getPriority, setPriority } from "node:os";
import { openLibc } from "../libc.ts";

/**
 * Nice levels between the node's thread and its workers: enough for the
 * kernel to run the node's front first (refusals p99 21 -> 12 ms in a
 * burst), few enough that a process beside eddy (a load generator, a
 * proxy) does not take the guests' CPU (5 levels cost ~9% of echo req/s).
 */
export const GUEST_NICE_OFFSET = 2;

/**
 * The nice value of a worker running long work where its scheduling policy
 * cannot be set: the lowest priority.
 */
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
    if (!this.canBackground) return false;
    const policy = trySetPolicy(thread, background ? SCHED_IDLE : SCHED_OTHER);
    if (policy !== undefined) return policy;
    return trySetNice(thread, background ? BACKGROUND_NICE : this.guestNice);
  }
}

/** Linux's scheduling policies a worker moves between. */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

type SetScheduler = (tid: number, policy: number, param: Int32Array) => number;

/** `sched_setscheduler` once loaded; `null` where it cannot be (no FFI). */
let setScheduler: SetScheduler | null | undefined;
/** `struct sched_param`: a static priority, 0 for both policies. */
const schedParam = new Int32Array(1);

/**
 * Sets `thread`'s scheduling policy: whether it did, or `undefined` where
 * policies cannot be set (not Linux, FFI not permitted), for nice values to
 * do instead.
 *
 * Why a policy and not only nice 19: a nice-19 thread on a core keeps it
 * for a slice (~3 ms here) before a thread that wakes gets it, and that is
 * what the node's thread and short guests waited beside a flood (the
 * kernel's scheduler trace: waits of 2-6 ms while nice-19 workers ran).
 * A `SCHED_IDLE` thread gives the core up the moment any other wakes, and
 * the kernel counts a core running only such threads as idle when it
 * places a waking thread.
 */
function trySetPolicy(thread: number, policy: number): boolean | undefined {
  setScheduler ??= loadSetScheduler();
  if (!setScheduler) return undefined;
  return setScheduler(thread, policy, schedParam) === 0;
}

function loadSetScheduler(): SetScheduler | null {
  const libc = openLibc({
    sched_setscheduler: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  });
  return typeof libc === "string" ? null : libc.sched_setscheduler;
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
