/**
 * A node runs a resettable guest again in the instance it made for an
 * earlier invocation, put back to its first state in between
 * (`runtime/module/reset.ts`). The attack: a guest that reads what the
 * invocation before it could have left, everywhere it can write (its
 * globals, its data segment, its heap, a page it grew), then leaves a mark
 * in each and sometimes traps right after. Every answer must be what a new
 * instance gives.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deployModules } from "../_helpers/deploy.ts";
import { REPO_ROOT, sha256, startNode } from "../_helpers/node_process.ts";
import { gauge } from "../_helpers/probe.ts";
import { wat } from "../_helpers/wat.ts";

/**
 * Writes four digits: its global's count of earlier runs, then whether its
 * data segment, its heap and its second page hold anything but their first
 * bytes (0 = untouched); then marks them all, and traps if its input says so.
 */
const SNOOP = wat(`(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (data (i32.const 64) "pristinepristine")
  (global $runs (mut i32) (i32.const 0))
  (func $digit (param $at i32) (param $value i32)
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (local.get $value))))
  (func (export "_start")
    (call $digit (i32.const 100) (global.get $runs))
    (call $digit (i32.const 101)
      (i64.ne (i64.load (i32.const 64)) (i64.load (i32.const 72))))
    (call $digit (i32.const 102) (i32.ne (i32.load (i32.const 4000)) (i32.const 0)))
    (if (i32.gt_u (memory.size) (i32.const 1))
      (then (call $digit (i32.const 103)
        (i32.ne (i32.load (i32.const 65536)) (i32.const 0))))
      (else (call $digit (i32.const 103) (i32.const 0))))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (i64.store (i32.const 64) (i64.const 0x1111111111111111))
    (i32.store (i32.const 4000) (i32.const 0xdead))
    (if (i32.eq (memory.size) (i32.const 1))
      (then (drop (memory.grow (i32.const 1)))))
    (i32.store (i32.const 65536) (i32.const 0xbeef))
    (i32.store (i32.const 8) (i32.const 200))
    (i32.store (i32.const 12) (i32.const 8))
    (drop (call $read (i32.const 0) (i32.const 8) (i32.const 1) (i32.const 16)))
    (if (i32.load8_u (i32.const 200)) (then unreachable))))`);

Deno.test("no invocation sees what an earlier one left in its instance: 400 runs, 40 of them trapping, 0 leaks", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  await deployModules(node.url, { snoop: { module: SNOOP } });
  // The data segment's second half is the same bytes as its first: what
  // the guest compares (64..72 with 72..80) differs only if it was written.
  const invoke = async (trap: boolean) => {
    const res = await fetch(`${node.url}/invoke/snoop`, {
      method: "POST",
      body: trap ? "trap" : "",
    });
    return { status: res.status, body: await res.text() };
  };
  let leaks = 0;
  let answered = 0;
  let trapped = 0;
  for (let batch = 0; batch < 8; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => invoke(i % 10 === 3)),
    );
    for (const { status, body } of answers) {
      if (status === 200) {
        answered++;
        if (body !== "0000") leaks++;
      } else {
        assert.equal(status, 500, body);
        assert.match(body, /trap/);
        trapped++;
      }
    }
  }
  assert.equal(leaks, 0, `${leaks} of ${answered} runs saw an earlier run`);
  assert.equal(answered, 360);
  assert.equal(trapped, 40);
});

Deno.test("a guest whose heap grows its memory gives the same hash on its 200th run as on its first", async () => {
  await using node = await startNode({ flags: ["--workers", "1"] });
  const module = await Deno.readFile(
    join(REPO_ROOT, "examples/sha256/sha256.wasm"),
  );
  await deployModules(node.url, { sha: { module } });
  const input = new Uint8Array(300_000);
  for (let i = 0; i < input.length; i++) input[i] = (i * 7) & 0xff;
  const expected = await sha256(input);
  for (let run = 0; run < 200; run++) {
    const res = await fetch(`${node.url}/invoke/sha`, {
      method: "POST",
      body: input,
    });
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), expected, `run ${run}`);
  }
});

Deno.test("/metrics shows the instances workers keep warm, and none once their function is gone", async () => {
  await using node = await startNode({ flags: ["--workers", "2"] });
  await deployModules(node.url, {
    echo: {
      module: await Deno.readFile(join(REPO_ROOT, "examples/echo/echo.wasm")),
    },
  });
  assert.equal(await gauge(node.url, "eddy_executor_warm_instances"), 0);
  await Promise.all(Array.from({ length: 20 }, async () => {
    const res = await fetch(`${node.url}/invoke/echo`, {
      method: "POST",
      body: "hi",
    });
    assert.equal(await res.text(), "hi");
  }));
  const warm = await gauge(node.url, "eddy_executor_warm_instances");
  assert.ok(warm >= 1 && warm <= 2, `${warm} warm: one per worker at most`);
  assert.ok(await gauge(node.url, "eddy_executor_warm_bytes") >= 65536 * warm);
  const removed = await fetch(`${node.url}/v1/functions/echo`, {
    method: "DELETE",
  });
  assert.equal(removed.status, 200);
  await removed.body?.cancel();
  const deadline = Date.now() + 2000;
  while (await gauge(node.url, "eddy_executor_warm_instances") > 0) {
    assert.ok(Date.now() < deadline, "warm instances kept after undeploy");
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await gauge(node.url, "eddy_executor_warm_bytes"), 0);
});
