import assert from "node:assert/strict";
import { runGuestSync } from "../../../runtime/executor/mod.ts";
import { OutputBuffer, WasiHost } from "../../../runtime/wasi/mod.ts";
import { wat } from "../../_helpers/wat.ts";

/** Writes clock `id`'s reading (u64, little-endian) to stdout. */
const CLOCK = wat(`(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $sizes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; argc says which clock: 1 argument = process, 2 = thread
    (drop (call $sizes (i32.const 32) (i32.const 36)))
    (drop (call $clock (i32.add (i32.load (i32.const 32)) (i32.const 1))
      (i64.const 0) (i32.const 0)))
    (i32.store (i32.const 16) (i32.const 0))
    (i32.store (i32.const 20) (i32.const 8))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))`);

const module = new WebAssembly.Module(CLOCK);

function readClock(args: string[]): number {
  const result = runGuestSync({ module }, {
    fn: "clock",
    args,
    env: {},
    preopens: [],
    timeoutMs: 1000,
    maxMemoryBytes: 1 << 20,
    maxOutputBytes: 64,
  });
  assert.equal(result.exitCode, 0, JSON.stringify(result.failure));
  return Number(
    new DataView(result.stdout.slice().buffer).getBigUint64(0, true),
  );
}

// A guest must not read how much CPU the node, or the guests before it on
// its worker, used: that would tell one tenant about another's load.
Deno.test("a run's CPU-time clocks count from its start, not the thread's or the node's", () => {
  const until = performance.now() + 60;
  while (performance.now() < until) { /* the CPU other work used */ }
  for (const args of [["process"], ["thread", "t"]]) {
    const ns = readClock(args);
    assert.ok(ns >= 0 && ns < 20_000_000, `${args[0]}: ${ns} ns`);
  }
  // Without a run's origin (a host of its own), they count the whole thread.
  const stdout = new OutputBuffer(64);
  const host = new WasiHost({ args: ["thread", "t"], stdout });
  assert.equal(host.start(new WebAssembly.Instance(module, host.imports)), 0);
  const whole = Number(
    new DataView(stdout.bytes().slice().buffer).getBigUint64(0, true),
  );
  assert.ok(whole >= 40_000_000, `the thread's own: ${whole} ns`);
});
