import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { EddyNode } from "../../node/node.ts";
import { LazyExecutorPool } from "../../node/lazy_pool.ts";
import { InvocationError } from "../../runtime/errors.ts";
import { until } from "../_helpers/data.ts";
import { tempDir } from "../_helpers/temp.ts";

const ECHO = await Deno.readFile(
  fileURLToPath(new URL("../../examples/echo/echo.wasm", import.meta.url)),
);

function workers(node: EddyNode): number {
  const line = /^eddy_executor_workers (\d+)$/m.exec(node.metrics.render());
  assert.ok(line, "no eddy_executor_workers gauge");
  return Number(line[1]);
}

Deno.test("an empty node starts no workers; its first deployment starts them", async () => {
  const dataDir = await tempDir({ prefix: "eddy-lazy-" });
  const node = await EddyNode.start({ dataDir, workers: 2 });
  try {
    assert.equal(workers(node), 0);
    await node.deployModule("echo", ECHO);
    // The first starts at once, the second once the first is ready (a
    // worker's start holds the main isolate for tens of ms).
    assert.equal(workers(node), 1);
    await until(
      "the second worker starts",
      () => Promise.resolve(workers(node) === 2),
    );
    const out = await node.invoke("echo", new TextEncoder().encode("hi"));
    assert.equal(new TextDecoder().decode(out.stdout), "hi");
  } finally {
    await node.close();
  }
  // Restarted with a deployment, it starts workers at once, so that the
  // first invocation does not wait for them.
  const again = await EddyNode.start({ dataDir, workers: 1 });
  try {
    assert.equal(workers(again), 1);
  } finally {
    await again.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a lazy pool closed before it started refuses runs without starting", async () => {
  const pool = new LazyExecutorPool({ workers: 1 });
  await pool.close();
  const module = await WebAssembly.compile(ECHO);
  await assert.rejects(
    pool.run({ module }, "echo", {
      fn: "echo",
      args: ["echo"],
      env: {},
      preopens: [],
      timeoutMs: 1000,
      maxMemoryBytes: 1 << 24,
      maxOutputBytes: 1 << 20,
    }, new Uint8Array()),
    (error) =>
      error instanceof InvocationError && error.reason === "overloaded",
  );
  assert.equal(pool.stats().workers, 0);
});
