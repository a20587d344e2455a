import assert from "node:assert/strict";
import {
  ExecutorPool,
  type JobResult,
  type JobSpec,
} from "../../../runtime/executor/mod.ts";
import type { CompiledModule } from "../../../runtime/module/mod.ts";
import { compiledAsNode } from "../../_helpers/compiled.ts";
import { recursor, sleeper, spinner } from "../../_helpers/guests.ts";

const SPIN = await compiledAsNode(spinner());
const RECURSE = await compiledAsNode(recursor());
/** Sleeps 10 s. */
const SLEEP = await compiledAsNode(sleeper(10_000));
/** Sleeps not at all: writes "woke" at once (and runs through JSPI). */
const QUICK = await compiledAsNode(sleeper(0));

const spec = (fn: string, timeoutMs = 30_000): JobSpec => ({
  fn,
  args: [fn],
  env: {},
  preopens: [],
  timeoutMs,
  maxMemoryBytes: 1 << 20,
  maxOutputBytes: 1 << 20,
});
const run = (
  pool: ExecutorPool,
  module: CompiledModule,
  fn: string,
  timeoutMs?: number,
  signal?: AbortSignal,
) => pool.run(module, fn, spec(fn, timeoutMs), new Uint8Array(), signal);
const text = (r: JobResult) => new TextDecoder().decode(r.stdout);

Deno.test("runaway guests are interrupted at their deadline: their stderr is kept, their worker stays", async () => {
  const pool = new ExecutorPool({ workers: 1, pipelineDepth: 4 });
  try {
    assert.equal(text(await run(pool, QUICK, "echo")), "woke");
    for (
      const [fn, module] of [["spin", SPIN], ["recurse", RECURSE]] as const
    ) {
      const runaway = run(pool, module, fn, 200);
      const behind = run(pool, QUICK, "echo");
      const result = await runaway;
      assert.equal(result.failure?.reason, "timeout", fn);
      assert.equal(result.failure?.message, "ran past its 200 ms timeout");
      assert.equal(result.stderr, fn === "spin" ? "spinning" : "recursing");
      assert.equal(text(await behind), "woke");
    }
    assert.equal(pool.stats().restarts, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("a runaway guest whose client left is interrupted, not its worker", async () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    assert.equal(text(await run(pool, QUICK, "quick")), "woke");
    const client = new AbortController();
    const spin = run(pool, SPIN, "spin", 30_000, client.signal);
    while (pool.stats().running === 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 100));
    client.abort();
    assert.equal((await spin).failure?.reason, "cancelled");
    const until = Date.now() + 5000;
    while (pool.stats().running > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(pool.stats().running, 0, "the spin was not stopped");
    assert.equal(text(await run(pool, QUICK, "quick")), "woke");
    assert.equal(pool.stats().restarts, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("a guest asleep in poll_oneoff leaves its worker to others", async () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    const done: string[] = [];
    const sleeper = (i: number) => {
      const stop = new AbortController();
      const result = run(pool, SLEEP, `sleep${i}`, 30_000, stop.signal)
        .then((r) => {
          done.push(`sleep${i}`);
          return r;
        });
      return { stop, result };
    };
    const sleepers = [sleeper(1), sleeper(2)];
    assert.equal(text(await run(pool, QUICK, "echo")), "woke");
    assert.deepEqual(done, [], "the echo waited for a sleeper");
    // A sleeper past its deadline times out; one whose client left is
    // cancelled; neither takes its worker with it.
    const late = await run(pool, SLEEP, "late", 300);
    assert.equal(late.failure?.reason, "timeout");
    assert.equal(late.stderr, "going to sleep");
    for (const { stop } of sleepers) stop.abort();
    for (const { result } of sleepers) {
      assert.equal((await result).failure?.reason, "cancelled");
    }
    // They were unwound, not left to sleep their 10 s.
    const until = Date.now() + 5000;
    while (pool.stats().running > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(pool.stats().running, 0);
    assert.equal(text(await run(pool, QUICK, "echo")), "woke");
    assert.equal(pool.stats().restarts, 0);
  } finally {
    await pool.close();
  }
});
