import assert from "node:assert/strict";
import {
  type JobResult,
  type JobSpec,
  runGuest,
  runGuestSync,
} from "../../../runtime/executor/mod.ts";
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

const spec = (fn: string, args = [fn]): JobSpec => ({
  fn,
  args,
  env: {},
  preopens: [],
  timeoutMs: 5000,
  maxMemoryBytes: 1 << 20,
  maxOutputBytes: 64,
});

/** The u64 a successful run wrote. */
function u64(result: JobResult): number {
  assert.equal(result.exitCode, 0, JSON.stringify(result.failure));
  return Number(
    new DataView(result.stdout.slice().buffer).getBigUint64(0, true),
  );
}

function readClock(args: string[]): number {
  return u64(runGuestSync({ module }, spec("clock", args)));
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

/**
 * A guest that writes how much thread CPU time its clock saw pass across
 * `wait` (u64), with `imports` beside the clock and fd_write.
 */
function cpuAcross(imports: string, wait: string): WebAssembly.Module {
  return new WebAssembly.Module(wat(`(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  ${imports}
  (memory (export "memory") 1)
  (data (i32.const 300) "other")
  (func (export "_start")
    (drop (call $clock (i32.const 3) (i64.const 0) (i32.const 0)))
    ${wait}
    (drop (call $clock (i32.const 3) (i64.const 0) (i32.const 8)))
    (i64.store (i32.const 216)
      (i64.sub (i64.load (i32.const 8)) (i64.load (i32.const 0))))
    (i32.store (i32.const 200) (i32.const 216))
    (i32.store (i32.const 204) (i32.const 8))
    (drop (call $write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 208)))))`));
}

/** Sleeps 20 ms: one subscription at 64, the monotonic clock. */
const SLEEPER = cpuAcross(
  `(import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))`,
  `(i64.store (i32.const 64) (i64.const 7))
    (i32.store8 (i32.const 72) (i32.const 0))
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const 20000000))
    (i64.store (i32.const 96) (i64.const 0))
    (i32.store16 (i32.const 104) (i32.const 0))
    (drop (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160)))`,
);

/** Calls function `other`. */
const CALLER = cpuAcross(
  `(import "eddy" "call" (func $call (param i32 i32 i32 i32 i32) (result i32)))`,
  `(drop (call $call (i32.const 300) (i32.const 5) (i32.const 300) (i32.const 0) (i32.const 160)))`,
);

// While a guest sleeps (suspended), its thread runs other tenants' guests:
// their CPU time must not show on its clock either.
Deno.test("CPU time other work spends on the thread while a guest sleeps stays off its clock", async () => {
  let burned = 0;
  const result = await runGuest(
    { module: SLEEPER },
    spec("sleeper"),
    {},
    {
      sleeper: (ms) =>
        new Promise((resolve) =>
          setTimeout(() => {
            // Another guest's run, on this thread, while this one sleeps.
            const start = performance.now();
            while (performance.now() - start < 60) { /* burn */ }
            burned = performance.now() - start;
            resolve();
          }, ms)
        ),
    },
  );
  assert.ok(burned >= 60);
  const seen = u64(result);
  assert.ok(seen >= 0 && seen < 20_000_000, `saw ${seen} ns across the sleep`);
});

Deno.test("CPU time other work spends on the thread while a guest waits for a call stays off its clock", async () => {
  const result = await runGuest(
    { module: CALLER },
    spec("caller"),
    {},
    {
      caller: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            // The called function runs on this thread meanwhile.
            const start = performance.now();
            while (performance.now() - start < 60) { /* burn */ }
            resolve({ status: 200, payload: new Uint8Array() });
          }, 5)
        ),
    },
  );
  const seen = u64(result);
  assert.ok(seen >= 0 && seen < 20_000_000, `saw ${seen} ns across the call`);
});
