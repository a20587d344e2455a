/**
 * What the executor pool keeps of each job it was given and of each
 * worker it runs, and what it reads of a worker's CPU to tell long work
 * from a thread that waits for a core.
 *
 * @module
 */
import type { CompiledModule } from "../module/mod.ts";
import type { InterruptCell } from "../module/interrupt.ts";
import type { HostFdLedger } from "../wasi/fd_ledger.ts";
import { threadCpuTimeNs } from "../cpu_clock.ts";
import type { JobResult, JobSpec } from "./job.ts";
import { IDLE, type PostedJob, STATUS_SEQ, STATUS_STAGE } from "./_protocol.ts";
import type { Ring } from "./_ring.ts";

/** A job given to the pool, until its outcome is given to its caller. */
export interface PendingJob {
  /** The function it runs (the first, when grouped): its line in the queue. */
  fn: string;
  posted: PostedJob;
  compiled: CompiledModule;
  /** The later stages' modules, when grouped (see `posted.then`). */
  laterCompiled?: CompiledModule[];
  /** The later stage its worker last said runs (a call, a sleep), if any. */
  stage?: number;
  resolve: (result: JobResult) => void;
  reject: (error: unknown) => void;
  /** Its input buffer went to a worker and is gone from this isolate. */
  transferred?: boolean;
  /** Its place among the jobs posted to its worker, from 0. */
  order?: number;
  /** Calls it is parked in (its guest is off the CPU meanwhile). */
  parked: number;
  /** When it last parked (performance.now()), while it is parked. */
  parkedAt?: number;
  /** Time it spent parked so far (ms): not counted as its run's cost. */
  parkedMs: number;
  /** Its deadline (epoch ms), known once it made a call or was asked to stop. */
  deadline?: number;
  /** Its outcome was given to the caller: nothing may change it now. */
  settled?: boolean;
  /** It was cancelled while its worker held it: drop it when it shows up. */
  cancelled?: boolean;
  /** When the watchdog first saw it on the CPU after it was cancelled. */
  cancelledOnCpu?: number;
  /** When the watchdog asked it to stop (through the interrupt cell). */
  interruptedAt?: number;
  /** Cancels it; listened to until it settles. */
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Gives its signal, to be listened to from its second watchdog round. */
  lateSignal?: () => AbortSignal;
  /** Watchdog rounds it waited through for `lateSignal` to be asked. */
  lateRounds?: number;
  /** Aborts the calls it made once it settles. */
  calls?: AbortController;
  /** The cancel slot of its worker's status it was written to. */
  slot?: number;
}

/** Whether `job` still needs its worker's CPU: not parked in a call, not settled. */
export function awaitsCpu(job: PendingJob): boolean {
  return job.parked === 0 && !job.settled;
}

/** A worker as the pool sees it. */
export interface Executor {
  worker: Worker;
  /** Jobs go to it, and small results come back, through this. */
  ring: Ring;
  /**
   * Function specs sent to it (see `run`), by id, with the keys of the
   * modules they run (all its stages' for a grouped job).
   */
  templates: Map<number, readonly string[]>;
  /** Terminated: its ring is read no more. */
  dead?: boolean;
  /** Host fds its guests hold, closed after it is terminated. */
  fds: HostFdLedger;
  /** Where the watchdog asks its guest on the CPU to stop. */
  interrupt: InterruptCell;
  status: Float64Array;
  inflight: Map<number, PendingJob>;
  /** Keys of the modules it holds and their costs, least recently used first. */
  modules: Map<string, number>;
  /** Their costs added up. */
  moduleBytes: number;
  /** Jobs posted to it so far. */
  posted: number;
  /** Started beyond `workers` for short work while long guests run. */
  extra?: boolean;
  /** Ends it once it has stayed idle (extra workers only). */
  idleTimer?: ReturnType<typeof setTimeout>;
  /** The job the watchdog last saw on its CPU, and since when (ms). */
  onCpuSeq?: number;
  onCpuSince?: number;
  /**
   * Its thread's CPU time (ms) at the watchdog's last reading, and the job
   * on its CPU then; and, for the job on it now, a reading from before it
   * started (see `cpuOnJobMs`).
   */
  cpuRead?: { ms: number; seq: number };
  cpuOrigin?: { ms: number; seq: number };
  /** Its OS thread, once it is ready (Linux). */
  thread?: number;
  /** Its thread runs in the background (see _background.ts). */
  background?: boolean;
  /**
   * Its thread's CPU time (ms) when the current look at its progress in
   * the background began, and when (epoch ms); see `Background`.
   */
  progress?: { at: number; cpuMs: number };
  /** Lifted out of the background until then (epoch ms): it starved there. */
  liftedUntil?: number;
  /** Buffers for its outputs, posted with its next wake (see `recycle`). */
  spares: ArrayBuffer[];
  /** Their bytes added up. */
  spareBytes: number;
}

/** What `job` runs in the stage it was last seen in, and its module. */
export function stageOf(
  job: PendingJob,
): { spec: JobSpec; compiled: CompiledModule } {
  return job.stage
    ? {
      spec: job.posted.then![job.stage - 1].spec,
      compiled: job.laterCompiled![job.stage - 1],
    }
    : { spec: job.posted.spec, compiled: job.compiled };
}

/** Keys of the modules `job` runs. */
export function moduleKeys(job: PendingJob): string[] {
  const then = job.posted.then;
  if (!then) return [job.posted.moduleKey];
  return [job.posted.moduleKey, ...then.map((stage) => stage.moduleKey)];
}

/** Notes which of its stages `job`, on `executor`'s CPU, is in. */
export function noteStage(executor: Executor, job: PendingJob): void {
  const stage = executor.status[STATUS_STAGE];
  if (stage > 0) job.stage = stage;
}

/**
 * Whether the job on `executor`'s CPU has had a core for `ms` or more:
 * by wall time, then, if that says so, by its thread's CPU time, which
 * does not grow while the thread waits for a core (a worker starved by
 * the node's other threads is no long guest).
 */
export function onCpuFor(executor: Executor, now: number, ms: number): boolean {
  if (onCpuMs(executor, now) < ms) return false;
  const cpu = cpuOnJobMs(executor);
  return cpu === undefined || cpu >= ms;
}

/**
 * The CPU time (ms) `executor`'s thread has used since a reading from
 * before its current job started, which counts the job's own time and at
 * most one watchdog interval of what ran before it; `undefined` where
 * thread clocks cannot be read or no reading precedes the job.
 */
export function cpuOnJobMs(executor: Executor): number | undefined {
  const seq = executor.status[STATUS_SEQ];
  const origin = executor.cpuOrigin?.seq === seq
    ? executor.cpuOrigin
    : executor.cpuRead?.seq === seq
    ? undefined
    : executor.cpuRead;
  if (!origin || executor.thread === undefined) return undefined;
  const ns = threadCpuTimeNs(executor.thread);
  return ns < 0 ? undefined : ns / 1e6 - origin.ms;
}

/** Reads `executor`'s thread CPU time for `cpuOnJobMs` (each patrol). */
export function readCpu(executor: Executor): void {
  if (executor.thread === undefined) return;
  const seq = executor.status[STATUS_SEQ];
  const ns = threadCpuTimeNs(executor.thread);
  if (ns < 0) return;
  const last = executor.cpuRead;
  // The last reading saw another job (or none): it precedes this one.
  if (last && last.seq !== seq) {
    executor.cpuOrigin = { ms: last.ms, seq };
  }
  executor.cpuRead = { ms: ns / 1e6, seq };
}

/**
 * How long the job on `executor`'s CPU has been there (ms; 0 if none),
 * as far as the watchdog and this have seen it.
 */
export function onCpuMs(executor: Executor, now: number): number {
  const seq = executor.status[STATUS_SEQ];
  if (seq === IDLE) return 0;
  if (executor.onCpuSeq !== seq) {
    executor.onCpuSeq = seq;
    executor.onCpuSince = now;
  }
  return now - executor.onCpuSince!;
}
