import assert from "node:assert/strict";
import { IDLE, STATUS_SEQ, STATUS_SLOTS } from "./_protocol.ts";
import type { Executor, PendingJob } from "./_records.ts";
import { testJob } from "./_testing.ts";
import { RunCosts } from "./_admission.ts";
import { OVERTAKE_MIN_MS, Workload } from "./_workload.ts";

const job = (fn: string, then: string[] = []) => testJob(fn, { then });

/** A worker holding `jobs`, the first of them on its CPU. */
function worker(jobs: PendingJob[], extra = false): Executor {
  const status = new Float64Array(STATUS_SLOTS).fill(IDLE);
  if (jobs.length > 0) status[STATUS_SEQ] = jobs[0].posted.seq;
  return {
    inflight: new Map(jobs.map((j) => [j.posted.seq, j])),
    status,
    extra,
  } as unknown as Executor;
}

function costs(ms: Record<string, number>): RunCosts {
  const costs = new RunCosts();
  for (const [fn, cost] of Object.entries(ms)) costs.observe(fn, cost);
  return costs;
}

Deno.test("a grouped job costs all its stages; parked and settled jobs hold no CPU", () => {
  const workload = new Workload(costs({ a: 2, b: 3, long: 50 }), 10);
  assert.equal(workload.jobMs(job("a", ["b", "b"])), 8);
  const parked = job("long");
  parked.parked = 1;
  const settled = job("long");
  settled.settled = true;
  const e = worker([job("a"), parked, settled]);
  assert.equal(workload.aheadMs(e), 2);
  assert.equal(workload.longestMs(e), 2);
  assert.equal(workload.isShort("a"), true);
  assert.equal(workload.isShort("long"), false);
});

Deno.test("a job starts at once while a worker is idle and nothing is queued", () => {
  const workload = new Workload(costs({ a: 5 }), 10);
  const executors = [worker([job("a")]), worker([])];
  assert.equal(workload.waitMs("a", executors, new Map(), false, 0), undefined);
  // With a line in the queue, the line is ahead of it even so, and the
  // job on a CPU (just started: all of its 5 ms left), on 2 workers.
  const lines = new Map([["a", { length: 4 }]]);
  assert.equal(workload.waitMs("a", executors, lines, false, 0), (5 + 20) / 2);
});

Deno.test("with only short work counted, long work on the workers is not ahead", () => {
  const workload = new Workload(costs({ echo: 0.1, long: 300 }), 10);
  const executors = [worker([job("long")]), worker([job("long")])];
  const lines = new Map([["echo", { length: 2 }]]);
  const all = workload.waitMs("echo", executors, lines, false, Date.now())!;
  const short = workload.waitMs("echo", executors, lines, true, Date.now())!;
  assert.ok(all >= 300, `long work counted: ${all}`);
  assert.ok(short < 1, `only the echoes ahead: ${short}`);
});

Deno.test("a short job overtakes only when every regular worker holds long work", () => {
  const workload = new Workload(costs({ echo: 0.1, long: 300 }), 10);
  const now = Date.now();
  const busy = [worker([job("long")]), worker([job("long")])];
  assert.equal(workload.overtakes("echo", busy, now), true);
  // One regular worker holds only short work: no reason to overtake.
  const mixed = [worker([job("long")]), worker([job("echo")])];
  assert.equal(workload.overtakes("echo", mixed, now), false);
  // Extra workers do not count.
  const extraShort = [...busy, worker([job("echo")], true)];
  assert.equal(workload.overtakes("echo", extraShort, now), true);
  // Work shorter than the minimum is no reason either.
  const brief = new Workload(
    costs({ echo: 0.1, mid: OVERTAKE_MIN_MS / 2 }),
    10,
  );
  const mids = [worker([job("mid")]), worker([job("mid")])];
  assert.equal(brief.overtakes("echo", mids, now), false);
});
