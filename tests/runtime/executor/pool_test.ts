import assert from "node:assert/strict";
import {
  ExecutorPool,
  type JobResult,
  type JobSpec,
} from "../../../runtime/executor/mod.ts";
import { InvocationError } from "../../../runtime/errors.ts";
import { wat } from "../../_helpers/wat.ts";
import { caller, countdown, longSpin, spinner } from "../../_helpers/guests.ts";
import { compiledAsNode } from "../../_helpers/compiled.ts";
import { randomBytes, until } from "../../_helpers/data.ts";

const ECHO = await WebAssembly.compile(wat(`(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (loop $more
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 65536))
      (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.load (i32.const 8))
        (then
          (i32.store (i32.const 4) (i32.load (i32.const 8)))
          (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
          (br $more))))))`));
const SPIN = await longSpin();
/** Spins until it is interrupted (compiled with interrupt checks). */
const FOREVER = await compiledAsNode(spinner());

const spec = (fn: string, timeoutMs = 2000): JobSpec => ({
  fn,
  args: [fn],
  env: {},
  preopens: [],
  timeoutMs,
  maxMemoryBytes: 1 << 24,
  maxOutputBytes: 1 << 24,
});
const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("runs jobs on every worker and returns exact output", async () => {
  const pool = new ExecutorPool({ workers: 2 });
  try {
    const results = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) =>
          pool.run({ module: ECHO }, "echo", spec("echo"), text(`job ${i}`)),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.failure, undefined);
      assert.equal(decode(r.stdout), `job ${i}`);
    });
    assert.equal(pool.stats().running, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("large inputs, more than workers can take at once, come back exact", async () => {
  // Inputs past 64 KiB wait for an idle worker, move to it, and are freed
  // once their run ends: each output must still be its own input.
  const pool = new ExecutorPool({ workers: 2 });
  try {
    const inputs = Array.from({ length: 24 }, (_, i) => {
      const bytes = new Uint8Array((64 << 10) + i * 40_000);
      for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 31 + j) & 0xff;
      return bytes;
    });
    const results = await Promise.all(
      inputs.map((input) =>
        pool.run({ module: ECHO }, "echo", spec("echo"), input.slice())
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.failure, undefined);
      assert.deepEqual(r.stdout, inputs[i]);
    });
  } finally {
    await pool.close();
  }
});

Deno.test("jobs of frozen specs run by their own spec, large inputs by message and small ones in the ring", async () => {
  // A large input comes by message naming its spec's template (sent once),
  // like the small ones in the ring: two functions of one module must each
  // keep their own limits, however their jobs travel.
  const pool = new ExecutorPool({ workers: 2 });
  const roomy = Object.freeze(spec("roomy"));
  const tight = Object.freeze({ ...spec("tight"), maxOutputBytes: 100_000 });
  try {
    const jobs = Array.from({ length: 24 }, (_, i) => {
      const size = i % 3 === 0 ? 100 : 150_000 + i * 1000;
      return { spec: i % 2 ? tight : roomy, input: randomBytes(size) };
    });
    const results = await Promise.all(
      jobs.map(({ spec, input }) =>
        pool.run({ module: ECHO }, spec.fn, spec, input.slice())
      ),
    );
    results.forEach((r, i) => {
      const { spec, input } = jobs[i];
      if (spec === tight && input.byteLength > 100_000) {
        assert.equal(r.failure?.reason, "output_too_large", `job ${i}`);
      } else {
        assert.equal(r.failure, undefined, `job ${i}`);
        assert.deepEqual(r.stdout, input, `job ${i}`);
      }
    });
  } finally {
    await pool.close();
  }
});

Deno.test("a runaway guest times out alone; jobs behind it still run", async () => {
  const pool = new ExecutorPool({ workers: 1, pipelineDepth: 4 });
  try {
    const started = performance.now();
    const spin = pool.run(
      { module: SPIN },
      "spin",
      spec("spin", 200),
      new Uint8Array(),
    );
    const behind = [1, 2, 3].map((i) =>
      pool.run({ module: ECHO }, "echo", spec("echo"), text(`after ${i}`))
    );
    const result = await spin;
    assert.equal(result.failure?.reason, "timeout");
    assert.match(result.failure!.message, /200 ms/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 2000, `took ${elapsed} ms`);
    const rest = await Promise.all(behind);
    assert.deepEqual(rest.map((r) => decode(r.stdout)), [
      "after 1",
      "after 2",
      "after 3",
    ]);
    assert.equal(pool.stats().restarts, 1);
  } finally {
    await pool.close();
  }
});

Deno.test("a full queue refuses with overloaded; close refuses what is left", async () => {
  const pool = new ExecutorPool({ workers: 1, pipelineDepth: 1, maxQueued: 2 });
  const spin = pool.run(
    { module: SPIN },
    "spin",
    spec("spin", 5000),
    new Uint8Array(),
  );
  const queued = [
    pool.run({ module: ECHO }, "echo", spec("echo"), text("a")),
    pool.run({ module: ECHO }, "echo", spec("echo"), text("b")),
  ];
  await assert.rejects(
    pool.run({ module: ECHO }, "echo", spec("echo"), text("c")),
    (e: unknown) => e instanceof InvocationError && e.reason === "overloaded",
  );
  await pool.close();
  await assert.rejects(spin, InvocationError);
  for (const q of queued) await assert.rejects(q, InvocationError);
});

/** Busy for a hundred milliseconds or so, then exits. */
const BUSY = await WebAssembly.compile(wat(`(module
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100000000))))))`));

Deno.test("cancelled jobs: queued dropped, running stopped, the jobs around them still run", async () => {
  // No extra worker (which would take the queued jobs): the test lays them
  // out on this one.
  const pool = new ExecutorPool({
    workers: 1,
    maxWorkers: 1,
    pipelineDepth: 3,
  });
  let jobs: Promise<JobResult>[] = [];
  try {
    // A worker that is up starts the spin at once. Echo's cost is learnt
    // from its runs, the first (cold) one included: enough warm runs make
    // it small, so that two echoes fit behind the spin (SEND_AHEAD_MS).
    for (let i = 0; i < 10; i++) {
      await pool.run({ module: ECHO }, "echo", spec("echo"), text("warm"));
    }
    const started = performance.now();
    const signals = Array.from({ length: 5 }, () => new AbortController());
    const run = (i: number, module: WebAssembly.Module, fn: string) =>
      pool.run(
        { module },
        fn,
        spec(fn, 5000),
        text(`job ${i}`),
        signals[i].signal,
      );
    // spin runs; echo 1 and 2 are sent ahead; 3 and 4 queue.
    jobs = [
      run(0, SPIN, "spin"),
      run(1, ECHO, "echo"),
      run(2, ECHO, "echo"),
      run(3, ECHO, "echo"),
      run(4, ECHO, "echo"),
    ];
    await until(
      "echo 3 and 4 queued behind the spin",
      () => Promise.resolve(pool.stats().queued === 2),
      3000,
    );
    signals[4].abort();
    signals[0].abort();
    const results = await Promise.all(jobs);
    assert.equal(results[0].failure?.reason, "cancelled");
    assert.equal(results[4].failure?.reason, "cancelled");
    assert.match(results[4].failure!.message, /client went away/);
    for (const i of [1, 2, 3]) {
      assert.equal(decode(results[i].stdout), `job ${i}`);
    }
    assert.ok(performance.now() - started < 4000, "the spin was not stopped");
    // Stopped on the CPU: its worker was replaced (had a loaded machine kept
    // it from starting, it was skipped instead).
    assert.ok(pool.stats().restarts <= 1);
    assert.equal(pool.stats().running, 0);
  } finally {
    // A failed check leaves jobs in flight: closing fails them, and they are
    // awaited here so that the check's error is the one reported.
    const settled = Promise.allSettled(jobs);
    await pool.close();
    await settled;
  }
});

Deno.test("a signal given as a function is asked for only by a job still out after two watchdog rounds, and cancels it", async () => {
  // Rounds far apart: no echo, even on a loaded machine, is out for two.
  const pool = new ExecutorPool({ workers: 1, watchdogIntervalMs: 500 });
  try {
    let asked = 0;
    const late = (controller: AbortController) => () => {
      asked++;
      return controller.signal;
    };
    for (let i = 0; i < 5; i++) {
      await pool.run({ module: ECHO }, "echo", spec("echo"), text("warm"));
    }
    for (let i = 0; i < 20; i++) {
      const result = await pool.run(
        { module: ECHO },
        "echo",
        spec("echo"),
        text(`echo ${i}`),
        late(new AbortController()),
      );
      assert.equal(decode(result.stdout), `echo ${i}`);
    }
    assert.equal(asked, 0, "short jobs asked for their signal");
    // Its client left at once: the spin is stopped at its second round, not
    // at its 10 s timeout. It spins until stopped: a spin that ends on its
    // own (3 billion turns take ~1 s on a fast core) could end first.
    const gone = new AbortController();
    gone.abort();
    const started = performance.now();
    const result = await pool.run(
      FOREVER,
      "spin",
      spec("spin", 10_000),
      text(""),
      late(gone),
    );
    assert.equal(result.failure?.reason, "cancelled");
    assert.equal(asked, 1);
    assert.ok(performance.now() - started < 5000, "the spin was not stopped");
  } finally {
    await pool.close();
  }
});

Deno.test("a job cancelled before its worker starts it is skipped, a parked one unwound: no restart", async () => {
  const origins: AbortSignal[] = [];
  const pool = new ExecutorPool({
    workers: 1,
    onCall: (_fn, _input, origin) => {
      origins.push(origin.signal);
      // A callee that answers only when its caller gives up on it.
      return new Promise((resolve) =>
        origin.signal.addEventListener(
          "abort",
          () => resolve({ status: 200, payload: new Uint8Array() }),
        )
      );
    },
  });
  try {
    const parked = new AbortController();
    const skipped = new AbortController();
    const calling = pool.run(
      { module: await WebAssembly.compile(caller("callee")) },
      "calling",
      spec("calling", 5000),
      text("x"),
      parked.signal,
    );
    while (origins.length === 0) await new Promise((r) => setTimeout(r, 5));
    const busy = pool.run(
      { module: BUSY },
      "busy",
      spec("busy", 30_000),
      text(""),
    );
    const behind = pool.run(
      { module: ECHO },
      "echo",
      spec("echo"),
      text("skipped"),
      skipped.signal,
    );
    const after = pool.run({ module: ECHO }, "echo", spec("echo"), text("ok"));
    await new Promise((r) => setTimeout(r, 20));
    skipped.abort();
    parked.abort();
    assert.equal((await calling).failure?.reason, "cancelled");
    assert.ok(origins[0].aborted, "the call it made was not cancelled");
    assert.equal((await behind).failure?.reason, "cancelled");
    assert.equal((await busy).failure, undefined);
    assert.equal(decode((await after).stdout), "ok");
    while (pool.stats().running > 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(pool.stats().restarts, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("recycle: a worker takes whole 128 KiB-16 MiB buffers, and outputs written in them come back exact", async () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    await pool.run({ module: ECHO }, "echo", spec("echo"), text("up"));
    const refused = [
      new Uint8Array(new SharedArrayBuffer(1 << 20)),
      new Uint8Array(64 << 10),
      new Uint8Array(32 << 20),
      new Uint8Array(2 << 20).subarray(1),
      new Uint8Array(new ArrayBuffer(1 << 20, { maxByteLength: 2 << 20 })),
    ];
    for (const bytes of refused) {
      const before = bytes.byteLength;
      assert.equal(pool.recycle(bytes), false);
      assert.equal(bytes.byteLength, before, "a refused buffer stays");
    }
    // Spares full of someone else's bytes: none may leak into an output.
    const spares = Array.from(
      { length: 4 },
      () => new Uint8Array(1 << 20).fill(0xaa),
    );
    for (const spare of spares) assert.equal(pool.recycle(spare), true);
    const over = new Uint8Array(16 << 20);
    assert.equal(pool.recycle(over), false, "16 MiB at most wait for it");
    assert.equal(over.byteLength, 16 << 20);
    for (const size of [1 << 20, (1 << 20) - 3, 200_000]) {
      const input = randomBytes(size);
      const expected = input.slice();
      const result = await pool.run(
        { module: ECHO },
        "echo",
        spec("echo"),
        input,
      );
      assert.equal(result.failure, undefined);
      assert.deepEqual(result.stdout, expected);
      const { buffer, byteOffset, byteLength } = result.stdout;
      const around = [
        ...new Uint8Array(buffer, 0, byteOffset),
        ...new Uint8Array(buffer, byteOffset + byteLength),
      ];
      assert.ok(around.every((b) => b === 0), "nothing else in its buffer");
    }
    for (const spare of spares) {
      assert.equal(spare.byteLength, 0, "left with the worker's next job");
    }
  } finally {
    await pool.close();
  }
});

Deno.test("admission counts a job on a worker's CPU for what it has left of its run", async () => {
  const count = await countdown(1_000_000_000);
  const pool = new ExecutorPool({ workers: 1 });
  const run = () =>
    pool.run({ module: count }, "count", spec("count", 30_000), text(""));
  try {
    assert.equal((await run()).failure, undefined);
    let ended = false;
    const second = run().finally(() => ended = true);
    await new Promise((r) => setTimeout(r, 0));
    // A whole run is ahead of a job bounded by 1 ms: refused, with the
    // wait it expects.
    const refused = pool.refusal(spec("count", 1));
    assert.ok(refused instanceof InvocationError);
    const expected = refused.details.expectedWaitMs as number;
    assert.ok(expected > 0);
    // A job bounded by all but 20 ms of that wait is admitted once the run
    // on the CPU has been there 20 ms, long before it ends: it counts for
    // what it has left (counted whole, it is refused until the run ends).
    const bounded = spec("count", expected - 20);
    while (!ended && pool.refusal(bounded) !== undefined) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(!ended, "admitted while the run on the CPU is still going");
    assert.equal((await second).failure, undefined);
  } finally {
    await pool.close();
  }
});

Deno.test("a job whose caller's deadline has passed times out, even on an idle pool: it is not refused as overloaded", async () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    // Warm: the worker is up and idle.
    await pool.run({ module: ECHO }, "echo", spec("echo"), text("up"));
    const late = { ...spec("echo"), deadline: Date.now() - 1 };
    assert.equal(pool.refusal(late), undefined);
    const result = await pool.run({ module: ECHO }, "echo", late, text("x"));
    assert.equal(result.failure?.reason, "timeout");
    // Nothing was run for it: the pool takes the next job at once.
    const next = await pool.run(
      { module: ECHO },
      "echo",
      spec("echo"),
      text("y"),
    );
    assert.equal(decode(next.stdout), "y");
  } finally {
    await pool.close();
  }
});
