import assert from "node:assert/strict";
import { ExecutorPool, type JobSpec } from "../../../runtime/executor/mod.ts";
import { wat } from "../../_helpers/wat.ts";

const WRITER = await WebAssembly.compile(wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "ok")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 2))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`));

const spec: JobSpec = {
  fn: "writer",
  args: ["writer"],
  env: {},
  preopens: [],
  timeoutMs: 2000,
  maxMemoryBytes: 1 << 24,
  maxOutputBytes: 1 << 20,
};

async function runAs(pool: ExecutorPool, key: string): Promise<string> {
  const result = await pool.run(
    { module: WRITER },
    key,
    spec,
    new Uint8Array(),
  );
  assert.equal(result.failure, undefined);
  return new TextDecoder().decode(result.stdout);
}

/** Waits until the workers report holding at most `want` modules. */
async function modulesHeld(pool: ExecutorPool, want: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (pool.stats().modules > want) {
    assert.ok(Date.now() < deadline, `workers hold ${pool.stats().modules}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("retain drops every module but the live ones from the workers", async () => {
  const pool = new ExecutorPool({ workers: 2 });
  try {
    await Promise.all(
      ["a", "b", "c", "a", "b", "c"].map((key) => runAs(pool, key)),
    );
    assert.ok(pool.stats().modules >= 3);
    pool.retain(["b"]);
    await runAs(pool, "b");
    await modulesHeld(pool, 2);
    pool.retain([]);
    await modulesHeld(pool, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("a module replaced while its job runs is dropped when the job ends", async () => {
  const pool = new ExecutorPool({ workers: 1 });
  try {
    pool.retain(["new"]);
    assert.equal(await runAs(pool, "old"), "ok");
    await modulesHeld(pool, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("workers that dropped many modules keep serving, never replaced", async () => {
  const pool = new ExecutorPool({ workers: 2 });
  try {
    for (let revision = 0; revision < 40; revision++) {
      const key = `rev-${revision}`;
      pool.retain([key]);
      const outs = await Promise.all([runAs(pool, key), runAs(pool, key)]);
      assert.deepEqual(outs, ["ok", "ok"]);
    }
    assert.equal(pool.stats().workers, 2);
    assert.equal(pool.stats().restarts, 0);
    await modulesHeld(pool, 2);
  } finally {
    await pool.close();
  }
});

Deno.test("past its module budget a worker drops the least recently used modules, never one a job it holds needs", async () => {
  const cost = 1000;
  const pool = new ExecutorPool({
    workers: 1,
    pipelineDepth: 8,
    moduleBudgetBytes: 2 * cost,
  });
  const run = (key: string) =>
    pool.run({ module: WRITER, cost }, key, spec, new Uint8Array());
  try {
    // Sent ahead together: six modules needed at once, over the budget.
    const burst = await Promise.all(
      ["a", "b", "c", "d", "e", "f"].map(run),
    );
    assert.deepEqual(burst.map((r) => r.failure), Array(6).fill(undefined));
    for (const key of ["g", "a", "g", "b", "g"]) {
      assert.equal((await run(key)).failure, undefined);
    }
    await modulesHeld(pool, 2);
    assert.ok(pool.stats().evictions >= 6, `${pool.stats().evictions}`);
    // The worker was never replaced to drop them.
    assert.equal(pool.stats().restarts, 0);
  } finally {
    await pool.close();
  }
});
