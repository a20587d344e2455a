/**
 * Which executor workers run in the background (thread_priority.ts:
 * Linux's `SCHED_IDLE`) and when one comes back: the pool asks
 * {@linkcode Background.prioritise} whenever a worker's work changes and at
 * each watchdog round.
 *
 * @module
 */
import { STATUS_SEQ } from "./_protocol.ts";
import { type Executor, onCpuFor, type PendingJob } from "./_records.ts";
import { ThreadPriority } from "./thread_priority.ts";

/**
 * A worker whose guest has been on its CPU this long (ms), or whose
 * function's runs take this long, runs in the background until it has no
 * more such work: the kernel then runs short guests, and the node's own
 * thread, the moment they have work instead of slicing the cores evenly
 * between them and long guests.
 */
const BACKGROUND_AFTER_MS = 20;

/**
 * How long (ms) a worker in the background is watched for progress, and
 * lifted out of it when it made too little: `SCHED_IDLE` runs a thread
 * only when nothing else on the machine wants the core, so processes
 * beside eddy that keep every core busy (or eddy's own short work) could
 * hold a long guest there until its timeout. Lifted, it runs at a
 * worker's usual priority for as long, then goes back.
 */
const STARVED_WINDOW_MS = 100;

/**
 * The least share of a core (CPU time per window) a worker in the
 * background gets before it is lifted: a long guest slows down beside
 * short work, it does not stop.
 */
const STARVED_SHARE = 0.05;

/**
 * A function refused within this long (ms), for its own
 * `limits.concurrency` or for the node's load, floods the node: a worker
 * running one of its jobs runs in the background too, so that the node's
 * thread and other functions' guests get the cores first (see
 * {@linkcode Background.flooding}).
 */
const FLOOD_BACKGROUND_MS = 1000;

/**
 * The pool's decisions on its workers' priorities.
 *
 * @example
 * ```ts
 * import { Background } from "./_background.ts";
 * const background = new Background(() => 1);
 * background.flooding("capped");
 * console.log(background.isFlooding("capped", Date.now())); // true
 * console.log(background.starvedLifts); // 0
 * ```
 */
export class Background {
  readonly #priority = new ThreadPriority();
  /** When each function was last refused for its own concurrency. */
  readonly #floodedAt = new Map<string, number>();
  /** The estimated core time (ms) of one run of a job. */
  readonly #cost: (job: PendingJob) => number;
  #starvedLifts = 0;

  constructor(cost: (job: PendingJob) => number) {
    this.#cost = cost;
  }

  /**
   * Times a worker was lifted out of the background because it got almost
   * no core, since start.
   */
  get starvedLifts(): number {
    return this.#starvedLifts;
  }

  /** Gives a new worker's `thread` a worker's priority. */
  adopt(thread: number): void {
    this.#priority.adopt(thread);
  }

  /** Notes that `fn` was refused just now (its concurrency, the node's load). */
  flooding(fn: string): void {
    this.#floodedAt.set(fn, Date.now());
  }

  /** Whether `fn` was refused for its concurrency within `FLOOD_BACKGROUND_MS`. */
  isFlooding(fn: string, now: number): boolean {
    const at = this.#floodedAt.get(fn);
    if (at === undefined) return false;
    if (now - at < FLOOD_BACKGROUND_MS) return true;
    this.#floodedAt.delete(fn);
    return false;
  }

  /**
   * Puts `executor`'s thread in the background while it runs long work
   * (or only a flood's), and back once it does not, or once it starves
   * there. An idle worker keeps its priority: the work it gets next
   * decides (a flood's worker lifted each time it ran dry ran its next
   * flood job at a worker's priority until the watchdog's next round, a
   * third of the time).
   */
  prioritise(executor: Executor, now: number): void {
    if (executor.thread === undefined || !this.#priority.canBackground) return;
    if (executor.inflight.size === 0) {
      executor.progress = undefined;
      return;
    }
    const onCpu = executor.inflight.get(executor.status[STATUS_SEQ]);
    const long = (onCpuFor(executor, now, BACKGROUND_AFTER_MS) ||
      (onCpu !== undefined &&
        this.#cost(onCpu) >= BACKGROUND_AFTER_MS) ||
      this.#holdsOnlyFloods(executor, now)) &&
      !this.#starved(executor, now);
    if (long === Boolean(executor.background)) return;
    if (this.#priority.set(executor.thread, long)) executor.background = long;
  }

  /**
   * Whether `executor`, in the background with work, got less than
   * {@linkcode STARVED_SHARE} of a core over the last
   * {@linkcode STARVED_WINDOW_MS} (by its thread's CPU time, read each
   * watchdog round), or was lifted for that within the last window. A
   * thread starved between two jobs counts too: it needs the core to start
   * the next.
   */
  #starved(executor: Executor, now: number): boolean {
    if ((executor.liftedUntil ?? 0) > now) return true;
    const cpuMs = executor.cpuRead?.ms;
    if (
      !executor.background || cpuMs === undefined ||
      executor.inflight.size === 0
    ) {
      executor.progress = undefined;
      return false;
    }
    const progress = executor.progress;
    if (!progress) {
      executor.progress = { at: now, cpuMs };
      return false;
    }
    if (now - progress.at < STARVED_WINDOW_MS) return false;
    const starved =
      cpuMs - progress.cpuMs < STARVED_SHARE * (now - progress.at);
    executor.progress = undefined;
    if (starved) {
      executor.liftedUntil = now + STARVED_WINDOW_MS;
      this.#starvedLifts++;
    }
    return starved;
  }

  /**
   * Whether every job `executor` holds is of a function flooding the node:
   * between two of them too, so that a worker fed short flood jobs stays
   * in the background, and not once another function's job waits there.
   */
  #holdsOnlyFloods(executor: Executor, now: number): boolean {
    for (const job of executor.inflight.values()) {
      if (!this.isFlooding(job.fn, now)) return false;
    }
    return true;
  }
}
