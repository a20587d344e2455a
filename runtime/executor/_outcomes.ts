/**
 * The outcomes the executor pool gives a job itself, when its worker does
 * not (past its deadline, or cancelled), or better than its worker can.
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
 * `result`, from the worker, of `job`: a trap of a job the watchdog asked
 * to stop at its deadline is that stop, a timeout. The worker tells the
 * two apart by its interrupt cell's word, which a request for another of
 * its jobs (two overdue guests on one worker, one resumed from a state
 * write between the other's trap and its end) may have replaced by the
 * time the trapped one ends: a CI run saw such a guest answer 500 `trap`
 * instead of 504.
 */
export function stoppedOr(job: PendingJob, result: JobResult): JobResult {
  if (job.interruptedAt === undefined || result.failure?.reason !== "trap") {
    return result;
  }
  const deadline = job.deadline ?? job.interruptedAt;
  return {
    ...result,
    failure: timeoutFailure(stageOf(job).spec, deadline),
  };
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
