/**
 * The outcomes the executor pool gives a job itself, when its worker does
 * not: past its deadline, or cancelled.
 *
 * @module
 */
import {
  failedRun,
  type JobFailure,
  type JobResult,
  timeoutFailure,
} from "./job.ts";
import { type PendingJob, stageOf } from "./_records.ts";

/**
 * The result of a job that ran past `deadline` (epoch ms), in the stage
 * it was last seen in.
 */
export function timedOut(job: PendingJob, deadline: number): JobResult {
  const { spec } = stageOf(job);
  return failedIn(job, timeoutFailure(spec, deadline), spec.timeoutMs);
}

/**
 * The result of `job` failed with `failure` by the pool, in the stage it
 * was last seen in.
 */
export function failedIn(
  job: PendingJob,
  failure: JobFailure,
  durationMs = 0,
): JobResult {
  const result = failedRun(failure, durationMs);
  return job.stage ? { ...result, stage: job.stage } : result;
}

/** The result of a job cancelled by `signal`. */
export function cancelled(signal: AbortSignal, when: string): JobResult {
  const why = signal.reason instanceof Error &&
      signal.reason.name !== "AbortError"
    ? signal.reason.message
    : "its client went away";
  return failedRun({
    reason: "cancelled",
    message: `cancelled${when ? ` ${when}` : ""}: ${why}`,
  });
}
