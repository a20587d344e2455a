import assert from "node:assert/strict";
import { failedRun } from "./job.ts";
import { stoppedOr } from "./_outcomes.ts";
import { testJob } from "./_testing.ts";

const trap = () =>
  failedRun({ reason: "trap", message: "trapped: unreachable" }, 151);

Deno.test("a trap of a job the watchdog asked to stop is its timeout, whatever the worker's cell said", () => {
  const job = testJob("hammer");
  job.interruptedAt = Date.now();
  job.deadline = job.interruptedAt - 1;
  const result = { ...trap(), stderr: "its last words" };
  const stopped = stoppedOr(job, result);
  assert.deepEqual(stopped.failure, {
    reason: "timeout",
    message: "ran past its 1000 ms timeout",
  });
  assert.equal(stopped.stderr, "its last words");
  assert.equal(stopped.durationMs, 151);
});

Deno.test("a job nobody asked to stop keeps its own trap, and a stopped job its other failures", () => {
  const trapped = trap();
  assert.equal(stoppedOr(testJob("bug"), trapped), trapped);
  const job = testJob("big");
  job.interruptedAt = Date.now();
  const tooLarge = failedRun({
    reason: "output_too_large",
    message: "output exceeds its limit of 1048576 bytes",
  });
  assert.equal(stoppedOr(job, tooLarge), tooLarge);
});
