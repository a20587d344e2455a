import assert from "node:assert/strict";
import { startNode } from "../_helpers/node_process.ts";
import { gauge, rssBytes } from "../_helpers/probe.ts";
import { wat } from "../_helpers/wat.ts";

const REDEPLOYS = 400;
const WARM_UP = 60;
/** RSS is compared as the lowest of this many samples, to skip spikes. */
const WINDOW = 40;
/** Each revision carries this much data, so a leaked module is visible. */
const DATA_BYTES = 160 * 1024;

/** A guest that writes its revision tag; its data segment differs per revision. */
function revision(n: number): Uint8Array<ArrayBuffer> {
  const tag = `rev-${String(n).padStart(6, "0")}`;
  const filler = `\\${(n % 256).toString(16).padStart(2, "0")}`.repeat(
    DATA_BYTES,
  );
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 4)
    (data (i32.const 16) "${tag}")
    (data (i32.const 65536) "${filler}")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 16))
      (i32.store (i32.const 4) (i32.const ${tag.length}))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
}

Deno.test("redeploying a function hundreds of times holds no old revision", async () => {
  // glibc's dynamic mmap threshold puts module-sized buffers in the main
  // arena, whose fragmentation lifts RSS by 11-74 MiB over this run whatever
  // eddy holds (bench/footprint.ts reports it); a fixed threshold returns
  // them on free, so RSS here follows what the node keeps alive.
  await using node = await startNode({
    flags: ["--workers", "2"],
    env: { MALLOC_MMAP_THRESHOLD_: "131072" },
  });
  const modules = Array.from({ length: REDEPLOYS }, (_, n) => revision(n));
  const rss: number[] = [];
  for (const [n, bytes] of modules.entries()) {
    const put = await fetch(`${node.url}/v1/functions/rev`, {
      method: "PUT",
      headers: { "content-type": "application/wasm" },
      body: bytes,
    });
    const answer = await put.text();
    assert.ok(put.ok, `redeploy ${n}: ${put.status} ${answer}`);
    // Two invocations so that both workers load the revision.
    const outs = await Promise.all([0, 1].map(async () => {
      const res = await fetch(`${node.url}/invoke/rev`, { method: "POST" });
      return [res.status, await res.text()];
    }));
    for (const out of outs) {
      assert.deepEqual(out, [200, `rev-${String(n).padStart(6, "0")}`]);
    }
    rss.push(await rssBytes(node.process.pid));
  }
  // Lowest samples: garbage not yet collected and a worker being replaced
  // lift single samples by 20-40 MiB; a leak lifts the floor.
  const grown = Math.min(...rss.slice(-WINDOW)) -
    Math.min(...rss.slice(WARM_UP, WARM_UP + WINDOW));
  // Before old modules were dropped, RSS grew ~0.3 MiB a redeploy here
  // (~100 MiB over this run).
  assert.ok(
    grown < 40 * 1024 * 1024,
    `RSS grew ${(grown / 1048576).toFixed(1)} MiB over ${
      REDEPLOYS - WARM_UP
    } redeploys`,
  );
  // Held: the live revision in the main isolate and in each of 2 workers.
  assert.ok(await gauge(node.url, "eddy_modules_compiled") <= 1);
  assert.ok(await gauge(node.url, "eddy_executor_modules") <= 2);

  const removed = await fetch(`${node.url}/v1/functions/rev`, {
    method: "DELETE",
  });
  assert.equal(removed.status, 200);
  await removed.body?.cancel();
  assert.equal(await gauge(node.url, "eddy_modules_compiled"), 0);
  // Workers publish their count once they processed the drop.
  const deadline = Date.now() + 2000;
  while (await gauge(node.url, "eddy_executor_modules") > 0) {
    assert.ok(Date.now() < deadline, "workers still hold the removed module");
    await new Promise((r) => setTimeout(r, 20));
  }
});
