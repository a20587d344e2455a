import assert from "node:assert/strict";
import { ExecutorPool, type JobSpec } from "../../../runtime/executor/mod.ts";
import { InvocationError } from "../../../runtime/errors.ts";
import { wat } from "../../_helpers/wat.ts";

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
const SPIN = await WebAssembly.compile(wat(`(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))`));

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
