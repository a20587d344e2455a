/**
 * Guest modules for tests, written in WAT.
 *
 * @module
 */
import { wat } from "./wat.ts";

/**
 * A guest that reads up to 64 KiB of stdin, calls function `target` with it
 * through `eddy.call`, and writes "<status>:" and the call's output to
 * stdout.
 *
 * @example
 * ```ts ignore
 * await node.deployModule("shout", caller("uppercase"));
 * ```
 */
export function caller(target: string): Uint8Array<ArrayBuffer> {
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "eddy" "call" (func $call (param i32 i32 i32 i32 i32) (result i32)))
    (import "eddy" "result" (func $result (param i32 i32) (result i32)))
    (memory (export "memory") 4)
    (data (i32.const 0) "${target}")
    (func (export "_start")
      (local $n i32) (local $status i32) (local $len i32)
      ;; iovec at 64: buf 1024, len 65536; nread at 72
      (i32.store (i32.const 64) (i32.const 1024))
      (i32.store (i32.const 68) (i32.const 65536))
      (drop (call $read (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 72)))
      (local.set $n (i32.load (i32.const 72)))
      (local.set $status
        (call $call (i32.const 0) (i32.const ${target.length})
          (i32.const 1024) (local.get $n) (i32.const 76)))
      ;; "<status>:" at 80
      (i32.store8 (i32.const 80) (i32.add (i32.const 48) (local.get $status)))
      (i32.store8 (i32.const 81) (i32.const 58))
      (local.set $len (call $result (i32.const 131072) (i32.load (i32.const 76))))
      (i32.store (i32.const 64) (i32.const 80))
      (i32.store (i32.const 68) (i32.const 2))
      (drop (call $write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72)))
      (i32.store (i32.const 64) (i32.const 131072))
      (i32.store (i32.const 68) (local.get $len))
      (drop (call $write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72)))))`);
}

/** How a {@linkcode selfCaller} behaves. */
export interface SelfCallerOptions {
  /** Calls it makes, one after another (2 makes a binary tree). */
  fanOut?: number;
  /** Spin forever once a call fails or is refused, instead of going on. */
  spinOnFailure?: boolean;
}

/**
 * A guest that calls function `target` (itself, or a partner that calls
 * back) `fanOut` times with an empty input and writes, for each call,
 * "<status>:" then the call's output (up to 64 KiB) then ";". Without a
 * depth limit its chain of calls would never end.
 *
 * @example
 * ```ts ignore
 * await node.deployModule("self", selfCaller("self", { fanOut: 2 }));
 * ```
 */
export function selfCaller(
  target: string,
  options: SelfCallerOptions = {},
): Uint8Array<ArrayBuffer> {
  const spin = options.spinOnFailure
    ? "(if (local.get $status) (then (loop $forever (br $forever))))"
    : "";
  return wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "eddy" "call" (func $call (param i32 i32 i32 i32 i32) (result i32)))
    (import "eddy" "result" (func $result (param i32 i32) (result i32)))
    (memory (export "memory") 4)
    (data (i32.const 0) "${target}")
    (func $out (param $ptr i32) (param $len i32)
      ;; iovec at 64, nwritten at 72
      (i32.store (i32.const 64) (local.get $ptr))
      (i32.store (i32.const 68) (local.get $len))
      (drop (call $write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72))))
    (func (export "_start")
      (local $i i32) (local $status i32)
      (loop $each
        (local.set $status
          (call $call (i32.const 0) (i32.const ${target.length})
            (i32.const 1024) (i32.const 0) (i32.const 76)))
        ${spin}
        ;; "<status>:" at 80, ";" at 82
        (i32.store8 (i32.const 80) (i32.add (i32.const 48) (local.get $status)))
        (i32.store8 (i32.const 81) (i32.const 58))
        (i32.store8 (i32.const 82) (i32.const 59))
        (call $out (i32.const 80) (i32.const 2))
        (call $out (i32.const 131072)
          (call $result (i32.const 131072) (i32.const 65536)))
        (call $out (i32.const 82) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $each (i32.lt_u (local.get $i) (i32.const ${
    options.fanOut ?? 1
  }))))))`);
}

/** Writes `text` to fd `fd` from address 256 (a `$say` for the guests below). */
const SAY = `
  (func $say (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 512) (local.get $ptr))
    (i32.store (i32.const 516) (local.get $len))
    (drop (call $write (local.get $fd) (i32.const 512) (i32.const 1) (i32.const 520))))`;
const WRITE_IMPORT =
  `(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))`;

/**
 * A guest that writes "going to sleep" to stderr, sleeps `ms` in
 * `poll_oneoff` on the monotonic clock, then writes "woke" to stdout.
 *
 * @example
 * ```ts ignore
 * await node.deployModule("nap", sleeper(100));
 * ```
 */
export function sleeper(ms: number): Uint8Array<ArrayBuffer> {
  return wat(`(module
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    ${WRITE_IMPORT}
    (memory (export "memory") 1)
    (data (i32.const 256) "going to sleep")
    (data (i32.const 300) "woke")
    ${SAY}
    (func (export "_start")
      (call $say (i32.const 2) (i32.const 256) (i32.const 14))
      ;; one clock subscription at 0: monotonic (id 1 at 16), relative timeout at 24
      (i32.store (i32.const 16) (i32.const 1))
      (i64.store (i32.const 24) (i64.const ${BigInt(ms) * 1_000_000n}))
      (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
      (call $say (i32.const 1) (i32.const 300) (i32.const 4))))`);
}

/**
 * A guest that writes "recursing" to stderr, then computes fib(60) by
 * plain recursion: no loop anywhere, and it would run for years.
 *
 * @example
 * ```ts ignore
 * await node.deployModule("recurse", recursor());
 * ```
 */
export function recursor(): Uint8Array<ArrayBuffer> {
  return wat(`(module
    ${WRITE_IMPORT}
    (memory (export "memory") 1)
    (data (i32.const 256) "recursing")
    ${SAY}
    (func $fib (param $n i32) (result i32)
      (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
        (then (local.get $n))
        (else (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
    (func (export "_start")
      (call $say (i32.const 2) (i32.const 256) (i32.const 9))
      (drop (call $fib (i32.const 60)))))`);
}

/**
 * A guest that writes "spinning" to stderr, then loops forever: it fails
 * with `timeout`, stopped by the interrupt check at its loop. Its leading
 * `(nop) (drop (i32.const 0)) (nop)` is five bytes a test may patch into a
 * GC instruction, which the interrupt rewrite leaves alone
 * (tests/e2e/runaway_isolation_test.ts).
 *
 * @example
 * ```ts ignore
 * await node.deployModule("spin", spinner());
 * ```
 */
export function spinner(): Uint8Array<ArrayBuffer> {
  return wat(`(module
    ${WRITE_IMPORT}
    (memory (export "memory") 1)
    (data (i32.const 256) "spinning")
    ${SAY}
    (func (export "_start")
      (nop) (drop (i32.const 0)) (nop)
      (call $say (i32.const 2) (i32.const 256) (i32.const 8))
      (loop $forever (br $forever))))`);
}

/**
 * A guest without interrupt checks (compiled as is, not through a node)
 * that spins for seconds (3 billion loop turns), then ends: a runaway only
 * its worker's replacement gets rid of. It must end on its own: Deno's
 * `Worker.terminate()` does not stop a spinning guest, so a replaced
 * worker's thread runs until its guest returns, and one that never did
 * would hold a core for the rest of the test run.
 *
 * @example
 * ```ts ignore
 * const result = await pool.run({ module: await longSpin() }, "spin", spec, input);
 * ```
 */
export function longSpin(): Promise<WebAssembly.Module> {
  return WebAssembly.compile(wat(`(module
    (memory (export "memory") 1)
    (func (export "_start") (local $i i32)
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 3000000000))))))`));
}

/**
 * A compiled module whose `_start` counts down from `turns` and ends:
 * CPU-bound work of a length set by the test (400 million turns are a few
 * hundred ms here).
 *
 * @example
 * ```ts ignore
 * const result = await pool.run({ module: await countdown(1e8) }, "count", spec, input);
 * ```
 */
export function countdown(turns: number): Promise<WebAssembly.Module> {
  return WebAssembly.compile(wat(`(module
    (memory (export "memory") 1)
    (func (export "_start") (local $i i32)
      (local.set $i (i32.const ${turns}))
      (loop $l
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br_if $l (local.get $i)))))`));
}
