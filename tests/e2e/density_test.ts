import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, type NodeProcess, startNode } from "../_helpers/node_process.ts";
import { numberedGuest, numberedOutput } from "../_helpers/numbered.ts";
import { gauge } from "../_helpers/probe.ts";
import { tempDir } from "../_helpers/temp.ts";

const name = (n: number) => `n${n}`;

/** Uploads the numbered modules of `numbers` and deploys each as `n<number>`. */
async function deployNumbered(node: NodeProcess, numbers: number[]) {
  const digests = new Map<number, string>();
  // A few uploads at a time: enough to overlap them, bounded.
  for (let i = 0; i < numbers.length; i += 8) {
    await Promise.all(
      numbers.slice(i, i + 8).map(async (n) => {
        const res = await fetch(`${node.url}/v1/modules`, {
          method: "PUT",
          headers: { "content-type": "application/wasm" },
          body: numberedGuest(n),
        });
        const body = await res.json();
        assert.equal(res.status, 201, JSON.stringify(body));
        digests.set(n, body.digest);
      }),
    );
  }
  const res = await fetch(`${node.url}/v1/manifests`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      functions: numbers.map((n) => ({
        name: name(n),
        module: digests.get(n),
      })),
    }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** Invokes `n<number>` with `input` and checks that its own module answered. */
async function invokeNumbered(node: NodeProcess, n: number, input: string) {
  const res = await fetch(`${node.url}/invoke/${name(n)}`, {
    method: "POST",
    body: input,
  });
  assert.equal(res.status, 200, `${name(n)}: ${res.status}`);
  assert.equal(await res.text(), numberedOutput(n, input));
}

Deno.test("a node whose memory budget holds few modules evicts them and answers every invocation right", async () => {
  // Each numbered module is estimated at a little over 20 KiB: the budget
  // holds three, per isolate.
  const budget = 64 * 1024;
  await using node = await startNode({
    flags: ["--workers", "2", "--memory-budget", `${budget}`],
  });
  const numbers = Array.from({ length: 40 }, (_, i) => 1000 + i * 7);
  await deployNumbered(node, numbers);
  assert.equal(await gauge(node.url, "eddy_memory_budget_bytes"), budget);
  // Round robin twice, then a few at once: every call after the first
  // rounds finds its module evicted (or another worker's copy gone).
  for (let round = 0; round < 2; round++) {
    for (const n of numbers) await invokeNumbered(node, n, `r${round}`);
  }
  for (let i = 0; i < numbers.length; i += 4) {
    await Promise.all(
      numbers.slice(i, i + 4).map((n) => invokeNumbered(node, n, "burst")),
    );
  }
  assert.ok(await gauge(node.url, "eddy_modules_evicted_total") >= 70);
  assert.ok(await gauge(node.url, "eddy_executor_modules_evicted_total") > 0);
  assert.ok(await gauge(node.url, "eddy_modules_compiled_bytes") <= budget);
  assert.ok(await gauge(node.url, "eddy_modules_compiled") <= 3);
  // A worker keeps at most three, plus those of jobs it held at once.
  assert.ok(await gauge(node.url, "eddy_executor_modules") <= 2 * 3 + 4);
});

Deno.test("a restarted node keeps hundreds of distinct functions, compiles none until run, and each answers with its own module", async () => {
  const numbers = Array.from({ length: 600 }, (_, i) => 20_000 + i);
  const first = await startNode({ flags: ["--workers", "2"] });
  try {
    await deployNumbered(first, numbers);
    // Uploads validate a module but keep nothing compiled.
    assert.equal(await gauge(first.url, "eddy_modules_compiled"), 0);
    await invokeNumbered(first, numbers[0], "before");
  } finally {
    await first.stop();
  }
  await using node = await startNode({
    dataDir: first.dataDir,
    flags: ["--workers", "2"],
  });
  assert.match(node.startup, / 600 functions\)/);
  const listed = await (await fetch(`${node.url}/v1/functions`)).json();
  assert.deepEqual(
    listed.functions.map((f: { name: string }) => f.name).sort(),
    numbers.map(name).sort(),
  );
  assert.equal(await gauge(node.url, "eddy_modules_compiled"), 0);
  for (let i = 0; i < numbers.length; i += 8) {
    await Promise.all(
      numbers.slice(i, i + 8).map((n) => invokeNumbered(node, n, `${n}`)),
    );
  }
  assert.equal(await gauge(node.url, "eddy_modules_compiled"), 600);
});

Deno.test("--memory-budget comes from --config too, and serve refuses one that is not a size above 0", async () => {
  const config = join(await tempDir(), "eddy.yaml");
  await Deno.writeTextFile(config, "memory-budget: 3MiB\n");
  await using node = await startNode({ flags: ["--config", config] });
  assert.equal(await gauge(node.url, "eddy_memory_budget_bytes"), 3 << 20);
  for (const value of ["0", "lots"]) {
    const { code, stderr } = await cli(["serve", "--memory-budget", value]);
    assert.notEqual(code, 0);
    assert.match(stderr, /--memory-budget: must be/);
  }
});
