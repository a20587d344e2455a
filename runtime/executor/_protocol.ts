/**
 * Messages between the executor pool (main isolate) and its workers, and the
 * layout of the shared status word each worker publishes.
 */
import type { MemoryLimits } from "../module/mod.ts";
import type { JobResult, JobSpec } from "./job.ts";

/** A job as posted to a worker; `stdin`'s buffer is transferred. */
export interface PostedJob {
  seq: number;
  moduleKey: string;
  spec: JobSpec;
  stdin: Uint8Array;
}

export type ToWorker =
  | {
    type: "module";
    key: string;
    module: WebAssembly.Module;
    memory?: Required<MemoryLimits>;
  }
  | { type: "forget"; key: string }
  | { type: "jobs"; jobs: PostedJob[] };

export type FromWorker = { type: "result"; seq: number; result: JobResult };

/**
 * Each worker owns a `Float64Array` view on a SharedArrayBuffer with the job
 * it is running and that job's deadline (epoch ms), so the pool's watchdog
 * can see a runaway guest without a message round trip.
 */
export const STATUS_SEQ = 0;
export const STATUS_DEADLINE = 1;
export const STATUS_SLOTS = 2;
/** `STATUS_SEQ` value of an idle worker. */
export const IDLE = -1;
