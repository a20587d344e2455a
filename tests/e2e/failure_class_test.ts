import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, REPO_ROOT, startNode } from "../_helpers/node_process.ts";
import { wat } from "../_helpers/wat.ts";

/** Grows its memory by `pages` at once; exits 9 (like C's ENOMEM) if refused. */
function grower(pages: number): Uint8Array<ArrayBuffer> {
  return wat(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (if (i32.eq (memory.grow (i32.const ${pages})) (i32.const -1))
        (then (call $exit (i32.const 9))))))`);
}

Deno.test("a guest refused a large memory.grow at its cap fails with memory_limit", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  const deploy = async (name: string, bytes: Uint8Array<ArrayBuffer>) => {
    const put = await fetch(`${node.url}/v1/modules`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: bytes,
    });
    const { digest } = await put.json();
    const res = await fetch(`${node.url}/v1/manifests`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: `functions: [{ name: ${name}, module: "${digest}", ` +
        `limits: { memory: 4MiB } }]`,
    });
    assert.equal(res.status, 200, await res.text());
  };
  // 16 MiB at once from 64 KiB: far from the cap when refused.
  await deploy("big", grower(256));
  await deploy("small", grower(8));
  const big = await fetch(`${node.url}/invoke/big`, { method: "POST" });
  const { error } = await big.json();
  assert.equal(big.status, 500);
  assert.equal(error.reason, "memory_limit");
  assert.equal(error.exitCode, 9);
  assert.match(
    error.message,
    /exited with code 9 after growing its memory by 16 MiB was refused at its 4 MiB limit/,
  );
  const small = await fetch(`${node.url}/invoke/small`, { method: "POST" });
  assert.equal(small.status, 200, await small.text());
});

Deno.test("cli run: a trap prints one line naming it and exits 134", async () => {
  const fail = join(REPO_ROOT, "examples/fail/fail.wasm");
  const trap = await cli(["run", fail, "trap"]);
  assert.equal(trap.code, 134);
  const lines = trap.stderr.trimEnd().split("\n");
  assert.equal(lines[0], "something went wrong");
  assert.match(lines.at(-1)!, /^eddy: .*fail\.wasm: trapped: unreachable$/);
  assert.equal(lines.length, 2);
  const exit = await cli(["run", fail, "3"]);
  assert.equal(exit.code, 3);
});
