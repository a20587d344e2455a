import assert from "node:assert/strict";
import {
  MemoryPool,
  runGuestSync,
  type WarmInstance,
  WarmInstances,
} from "../../../runtime/executor/mod.ts";
import { prepare } from "../../../runtime/module/mod.ts";
import { OutputBuffer } from "../../../runtime/wasi/mod.ts";
import { wat } from "../../_helpers/wat.ts";

const PAGE = 65536;

/**
 * Writes what its last run left (a counter global and a byte of memory),
 * then leaves more: state that must never reach the next run.
 */
const LEAKY = prepare(
  wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (global $runs (mut i32) (i32.const 0))
    (func (export "_start")
      (i32.store8 (i32.const 100) (i32.add (i32.const 48) (global.get $runs)))
      (i32.store8 (i32.const 101) (i32.add (i32.const 48) (i32.load8_u (i32.const 200))))
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 2))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
      (i32.store8 (i32.const 200) (i32.const 9))))`),
  4,
);
const MODULE = new WebAssembly.Module(LEAKY.bytes);
const SPEC = {
  fn: "leaky",
  args: ["leaky"],
  env: {},
  preopens: [],
  timeoutMs: 1000,
  maxMemoryBytes: 4 * PAGE,
  maxOutputBytes: 1024,
};

function runWarm(warm: WarmInstance): string {
  const stdout = new OutputBuffer(1024);
  const result = runGuestSync(
    { module: MODULE, memory: warm.memory, warm },
    SPEC,
    { stdin: new Uint8Array(), stdout },
  );
  assert.equal(result.failure, undefined);
  return new TextDecoder().decode(stdout.bytes());
}

Deno.test("a warm instance is made once and each run starts from its first state", () => {
  const warms = new WarmInstances({ memories: new MemoryPool() });
  const warm = warms.take(MODULE, LEAKY.memory);
  assert.equal(runWarm(warm), "00");
  const instance = warm.instance;
  warms.give(warm);
  for (let run = 0; run < 5; run++) {
    const again = warms.take(MODULE, LEAKY.memory);
    assert.equal(again, warm);
    assert.equal(runWarm(again), "00", "nothing of the runs before");
    assert.equal(again.instance, instance, "no new instance");
    warms.give(again);
  }
});

Deno.test("a second instance of a module out at once is not kept", () => {
  const warms = new WarmInstances({ memories: new MemoryPool() });
  const first = warms.take(MODULE, LEAKY.memory);
  const second = warms.take(MODULE, LEAKY.memory);
  assert.notEqual(first.memory, second.memory);
  runWarm(first);
  runWarm(second);
  warms.give(second);
  warms.give(first);
  assert.equal(warms.take(MODULE, LEAKY.memory), first);
});

Deno.test("a module forgotten while its instance is out is dropped when it is back", () => {
  const warms = new WarmInstances({ memories: new MemoryPool() });
  const warm = warms.take(MODULE, LEAKY.memory);
  runWarm(warm);
  warms.forget(MODULE);
  warms.give(warm);
  assert.equal(warms.bytes, 0);
  assert.notEqual(warms.take(MODULE, LEAKY.memory), warm);
});

Deno.test("past the budget the least recently run goes, its memory zeroed into the pool", () => {
  const memories = new MemoryPool();
  const warms = new WarmInstances({ memories, maxBytes: 3 * PAGE });
  const other = new WebAssembly.Module(LEAKY.bytes);
  const a = warms.take(MODULE, LEAKY.memory);
  runWarm(a);
  warms.give(a);
  assert.equal(warms.bytes, PAGE);
  const b = warms.take(other, LEAKY.memory);
  const stdout = new OutputBuffer(1024);
  runGuestSync({ module: other, memory: b.memory, warm: b }, SPEC, { stdout });
  // The second run of `a` makes it the most recent: `b` is the oldest.
  warms.give(b);
  const again = warms.take(MODULE, LEAKY.memory);
  assert.equal(again, a);
  warms.give(again);
  const big = warms.take(new WebAssembly.Module(LEAKY.bytes), {
    initialPages: 1,
    maxPages: 4,
  });
  big.memory.grow(1);
  const third = new OutputBuffer(1024);
  runGuestSync({ module: big.module, memory: big.memory, warm: big }, SPEC, {
    stdout: third,
  });
  warms.give(big);
  assert.equal(warms.bytes, 3 * PAGE, "`a` and the grown one");
  assert.equal(warms.take(MODULE, LEAKY.memory), a, "the most recent stays");
  const recycled = memories.acquire(LEAKY.memory);
  assert.equal(recycled, b.memory, "the oldest went back to the pool");
  assert.ok(new Uint8Array(recycled.buffer).every((byte) => byte === 0));
});
