/**
 * An executor worker's OS thread priority (its nice value, Linux), which the
 * pool lowers while the worker runs a long guest so that the kernel gives
 * the cores to short guests, and to the node's own thread, as soon as they
 * have work. Any process may lower a thread's priority; raising it back
 * needs `CAP_SYS_NICE` (root) or an `RLIMIT_NICE` that allows it (systemd's
 * `LimitNICE=`). Without that, or off Linux, priorities are left alone: a
 * worker lowered for good would slow every short guest it runs later.
 *
 * @module
 */
import { getPriority, setPriority } from "node:os";

/** The nice value of a worker running long work: the lowest priority. */
export const BACKGROUND_NICE = 19;

/** CAP_SYS_NICE's bit in `/proc/self/status`'s `CapEff`. */
const CAP_SYS_NICE = 23n;

/**
 * The calling thread's id as the kernel knows it (for `setpriority`), or
 * `undefined` off Linux or without read access to `/proc`.
 *
 * @example
 * ```ts
 * import { currentThreadId } from "./thread_priority.ts";
 * console.log(currentThreadId()); // e.g. 4242 on Linux
 * ```
 */
export function currentThreadId(): number | undefined {
  try {
    const id = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
    return Number.isSafeInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Puts worker threads in the background and back, where this process may
 * do both; a no-op elsewhere.
 *
 * @example
 * ```ts
 * import { currentThreadId, ThreadPriority } from "./thread_priority.ts";
 * const priority = new ThreadPriority();
 * console.log(priority.enabled); // true when eddy may raise priorities back
 * ```
 */
export class ThreadPriority {
  /** The nice value threads return to: the process's own. */
  readonly #normal: number | undefined = restorableNice();

  /** Whether threads are put in the background at all. */
  get enabled(): boolean {
    return this.#normal !== undefined;
  }

  /**
   * Puts `thread` in the background, or back to the process's priority.
   * Says whether it did.
   */
  set(thread: number, background: boolean): boolean {
    if (this.#normal === undefined) return false;
    try {
      setPriority(thread, background ? BACKGROUND_NICE : this.#normal);
      return true;
    } catch {
      // The thread ended meanwhile (its worker was replaced).
      return false;
    }
  }
}

/**
 * The process's nice value, if this process may put a thread back to it
 * after lowering it; `undefined` if not (or if it is already the lowest).
 */
function restorableNice(): number | undefined {
  try {
    const normal = getPriority();
    if (normal >= BACKGROUND_NICE) return undefined;
    const status = Deno.readTextFileSync("/proc/self/status");
    const caps = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1]}`);
    if ((caps >> CAP_SYS_NICE) & 1n) return normal;
    // RLIMIT_NICE r lets a thread go down to nice 20 - r.
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = Number(/^Max nice priority\s+(\d+)/m.exec(limits)?.[1]);
    return 20 - soft <= normal ? normal : undefined;
  } catch {
    return undefined;
  }
}
