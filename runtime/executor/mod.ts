/**
 * Executors: where guests run. {@linkcode runGuest} runs one in the current
 * isolate; {@linkcode ExecutorPool} runs them in workers with deadlines.
 *
 * @example
 * ```ts
 * import { ExecutorPool } from "./mod.ts";
 * const pool = new ExecutorPool();
 * await pool.close();
 * ```
 *
 * @module
 */
export type {
  FollowerJob,
  JobFailure,
  JobResult,
  JobSignal,
  JobSpec,
  StageOutcome,
} from "./job.ts";
export { MemoryPool, type MemoryPoolOptions } from "./memory_pool.ts";
export {
  type RunCalls,
  runGuest,
  runGuestSync,
  type Runnable,
  type RunStdio,
  STDERR_TAIL_BYTES,
} from "./run.ts";
export {
  type WarmInstance,
  WarmInstances,
  type WarmInstancesOptions,
} from "./warm_instances.ts";
export {
  CALL_STATUS,
  type CallOrigin,
  type CallReply,
  type CallTrace,
  type GuestCaller,
} from "./guest_calls.ts";
export {
  ExecutorPool,
  type ExecutorPoolOptions,
  type ExecutorStats,
  type FollowerStage,
  type JobStage,
} from "./pool.ts";
export { TailBuffer } from "./tail_buffer.ts";
export { cacheExecutorWorker } from "./worker_url.ts";
