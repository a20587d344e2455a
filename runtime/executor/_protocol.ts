/**
 * Messages between the executor pool (main isolate) and its workers, and the
 * layout of the shared status word each worker publishes.
 */
import type { MemoryLimits } from "../module/mod.ts";
import type { CallReply } from "./guest_calls.ts";
import type { FollowerJob, JobResult, JobSpec } from "./job.ts";

/** A job as posted to a worker; `stdin`'s buffer is transferred. */
export interface PostedJob {
  seq: number;
  moduleKey: string;
  spec: JobSpec;
  stdin: Uint8Array;
  /** Later stages, fed earlier ones' outputs in the same worker. */
  then?: FollowerJob[];
}

/**
 * A job as it travels in a `jobs` message: a job of a function whose spec
 * the worker holds (a template) names it by id rather than carrying it, so
 * that a large input costs no clone of its spec.
 */
export type MessageJob =
  | PostedJob
  | { seq: number; template: number; stdin: Uint8Array };

export type ToWorker =
  | {
    type: "module";
    key: string;
    module: WebAssembly.Module;
    memory?: Required<MemoryLimits>;
  }
  /** Drop module `key`, whose estimated memory is `cost` bytes. */
  | { type: "forget"; key: string; cost: number }
  | { type: "ring"; shared: SharedArrayBuffer }
  | {
    /** A function's spec, which jobs in the ring refer to by `id`. */
    type: "template";
    id: number;
    moduleKey: string;
    spec: JobSpec;
    then?: FollowerJob[];
  }
  | { type: "forgetTemplate"; id: number }
  | { type: "budget"; shared: SharedArrayBuffer }
  /** Bytes of memory the worker's warm instances may hold. */
  | { type: "warm"; maxBytes: number }
  /**
   * Jobs whose ring slots say they come by message, and the spares kept
   * for the worker (see `spares`), which ride the same wake.
   */
  | { type: "jobs"; jobs: MessageJob[]; spares: ArrayBuffer[] }
  | { type: "callReply"; callId: number; reply: CallReply }
  | { type: "cancel"; seq: number }
  | { type: "fdLedger"; buffer: SharedArrayBuffer }
  /** Its `InterruptCell`'s memory, which the pool's watchdog writes. */
  | { type: "interrupt"; memory: WebAssembly.Memory }
  /**
   * Buffers nothing reads any more, for its next outputs (`recycle`); like
   * a job message, it has the worker drain its ring.
   */
  | { type: "spares"; buffers: ArrayBuffer[] };

export type FromWorker =
  /** Loaded; `thread` is its OS thread id, where the OS tells it. */
  | { type: "ready"; thread?: number }
  | { type: "result"; seq: number; result: JobResult }
  | {
    type: "call";
    callId: number;
    seq: number;
    fn: string;
    input: Uint8Array;
    /** The calling job's deadline (epoch ms). */
    deadline: number;
    /** The stage of a grouped job that called (unset: the first). */
    stage?: number;
  }
  /**
   * A job went off the CPU to sleep (`poll_oneoff`) until it wakes or its
   * `deadline` (epoch ms) comes, and back: the worker may take more jobs
   * meanwhile.
   */
  | { type: "park"; seq: number; deadline: number; stage?: number }
  | { type: "unpark"; seq: number };

/**
 * Each worker owns a `Float64Array` view on a SharedArrayBuffer with the job
 * on its CPU and that job's deadline (epoch ms), so the pool's watchdog can
 * see a runaway guest without a message round trip, and how many of the
 * jobs posted to it it has started (in the order they were posted), so that
 * the pool knows which ones it may give to another worker. It also counts
 * the compiled modules it holds, so that metrics show what a worker really
 * keeps, not what the pool believes it sent, and the budget bytes its running
 * jobs' outputs hold, and which stage of a grouped job is on the CPU (0 is
 * the first, see `FollowerJob`). After them come `CANCEL_SLOTS` slots where the pool
 * writes the seq of a job it cancelled before the worker started it, so that
 * the worker skips it; `IDLE` marks a free slot.
 */
export const STATUS_SEQ = 0;
export const STATUS_DEADLINE = 1;
export const STATUS_STARTED = 2;
export const STATUS_MODULES = 3;
/**
 * Budget bytes its running jobs' outputs hold; the pool releases them if it
 * must terminate the worker before their results arrive.
 */
export const STATUS_RESERVED = 4;
/** The stage of the job on the CPU: 0, or a grouped job's later one. */
export const STATUS_STAGE = 5;
/** Instances it keeps warm (see `WarmInstances`), and their memory between runs. */
export const STATUS_WARM = 6;
export const STATUS_WARM_BYTES = 7;
export const STATUS_CANCEL = 8;
export const CANCEL_SLOTS = 16;
export const STATUS_SLOTS = STATUS_CANCEL + CANCEL_SLOTS;
/** `STATUS_SEQ` value of an idle worker, and of a free cancel slot. */
export const IDLE = -1;
