/**
 * Guest functions made for the benchmarks, in WebAssembly text (assembled
 * with npm:wabt when first used), so that compute is negligible and what is
 * measured is eddy moving bytes, starting and parking instances:
 *
 * - `gen`: reads a decimal N from stdin and writes N bytes to stdout, 64 KiB
 *   per `fd_write`: a producer whose output size the caller chooses.
 * - `sink`: reads stdin to its end, 64 KiB per `fd_read`, and writes the
 *   byte count in decimal and a newline: a consumer with a tiny output.
 * - `sleep`: reads a decimal number of milliseconds from stdin and sleeps
 *   that long in `poll_oneoff` on a relative monotonic clock subscription.
 * - `park`: passes its stdin to function `hold` through the `eddy.call`
 *   host import and exits 0 whatever the answer: while the call is out its
 *   instance stays alive, parked (JSPI), which is how the density benchmark
 *   holds many instances in flight at once.
 *
 * @module
 */
import { wat } from "../tests/_helpers/wat.ts";

/** Parses leading decimal digits of stdin (up to 64 bytes read at 16). */
const READ_NUMBER = `
  (func $readNumber (result i64)
    (local $n i64) (local $i i32) (local $len i32) (local $c i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 64))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (local.set $len (i32.load (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.sub (i32.load8_u offset=16 (local.get $i)) (i32.const 48)))
        (br_if $done (i32.gt_u (local.get $c) (i32.const 9)))
        (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10))
                               (i64.extend_i32_u (local.get $c))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))`;

const FD_READ =
  `(import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))`;
const FD_WRITE =
  `(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))`;

// Memory layout: 0 iovec (ptr, len), 8 a count, 16..80 small text,
// 65536..131072 the 64 KiB data block.
const GEN = `(module
  ${FD_READ}
  ${FD_WRITE}
  (memory (export "memory") 2)
  ${READ_NUMBER}
  (func (export "_start")
    (local $left i64) (local $chunk i32)
    (local.set $left (call $readNumber))
    (memory.fill (i32.const 65536) (i32.const 0x61) (i32.const 65536))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $left)))
        (local.set $chunk
          (if (result i32) (i64.lt_u (local.get $left) (i64.const 65536))
            (then (i32.wrap_i64 (local.get $left)))
            (else (i32.const 65536))))
        (i32.store (i32.const 0) (i32.const 65536))
        (i32.store (i32.const 4) (local.get $chunk))
        (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
          (then unreachable))
        (local.set $left
          (i64.sub (local.get $left) (i64.extend_i32_u (i32.load (i32.const 8)))))
        (br $next)))))`;

const SINK = `(module
  ${FD_READ}
  ${FD_WRITE}
  (memory (export "memory") 2)
  (func (export "_start")
    (local $total i64) (local $n i32) (local $at i32)
    (block $eof
      (loop $next
        (i32.store (i32.const 0) (i32.const 65536))
        (i32.store (i32.const 4) (i32.const 65536))
        (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
          (then unreachable))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $n)))
        (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (local.get $n))))
        (br $next)))
    ;; Decimal digits right to left, ending at 79, then a newline at 80.
    (i32.store8 (i32.const 80) (i32.const 10))
    (local.set $at (i32.const 80))
    (loop $digit
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i32.store8 (local.get $at)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $total) (i64.const 10)))))
      (local.set $total (i64.div_u (local.get $total) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $total) (i64.const 0))))
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (i32.sub (i32.const 81) (local.get $at)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

// One clock subscription at 256 (48 bytes: userdata, tag 0 = clock, clock
// id 1 = monotonic at +16, timeout ns at +24, flags 0 = relative at +40),
// its event at 512.
const SLEEP = `(module
  ${FD_READ}
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ${READ_NUMBER}
  (func (export "_start")
    (i32.store (i32.const 272) (i32.const 1))
    (i64.store (i32.const 280)
      (i64.mul (call $readNumber) (i64.const 1000000)))
    (if (call $poll_oneoff (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 8))
      (then unreachable))))`;

const PARK = `(module
  ${FD_READ}
  (import "eddy" "call" (func $call (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "hold")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 64))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $call (i32.const 1024) (i32.const 4)
      (i32.const 16) (i32.load (i32.const 8)) (i32.const 96)))))`;

const SOURCES = { gen: GEN, sink: SINK, sleep: SLEEP, park: PARK } as const;

/** The name of a benchmark guest. */
export type GuestName = keyof typeof SOURCES;

const built = new Map<GuestName, Uint8Array<ArrayBuffer>>();

/**
 * The wasm bytes of a benchmark guest, assembled once per process.
 *
 * @example
 * ```ts ignore
 * const gen = guest("gen"); // stdin "1024" → 1024 bytes of 'a'
 * ```
 */
export function guest(name: GuestName): Uint8Array<ArrayBuffer> {
  let bytes = built.get(name);
  if (!bytes) {
    bytes = wat(SOURCES[name]);
    built.set(name, bytes);
  }
  return bytes;
}
