/**
 * A WAT guest that probes state from inside: stdin is one op byte then an
 * argument, stdout the errno or status bytes the calls answered.
 *
 * - `o PATH`  path_open(fd 3, PATH) for reading → [errno]
 * - `c PATH`  create+truncate, write "x", close → [open, write, close errnos]
 * - `u PATH`  path_unlink_file → [errno]
 * - `s PATH`  path_filestat_get → [errno]
 * - `m PATH`  path_create_directory → [errno]
 * - `g BUCKET` kv_get(BUCKET, "k") → [status]
 * - `p BUCKET` kv_put(BUCKET, "k", "v") → [status]
 *
 * @module
 */
import { wat } from "./wat.ts";

/**
 * The prober module.
 *
 * @example
 * ```ts ignore
 * const bytes = stateProber();
 * ```
 */
export function stateProber(): Uint8Array<ArrayBuffer> {
  const w = "wasi_snapshot_preview1";
  return wat(`(module
  (import "${w}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "${w}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "${w}" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "${w}" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "${w}" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "${w}" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "${w}" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "eddy" "kv_get" (func $kv_get (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "eddy" "kv_put" (func $kv_put (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 200) "kv")
  (func $read_all (result i32)
    (local $total i32)
    (block $done (loop $more
      (i32.store (i32.const 0) (i32.add (i32.const 1024) (local.get $total)))
      (i32.store (i32.const 4) (i32.sub (i32.const 60000) (local.get $total)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $done (i32.eqz (i32.load (i32.const 8))))
      (local.set $total (i32.add (local.get $total) (i32.load (i32.const 8))))
      (br $more)))
    (local.get $total))
  (func $out (param $n i32)
    (i32.store (i32.const 32) (i32.const 16))
    (i32.store (i32.const 36) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
  (func (export "_start")
    (local $len i32) (local $op i32) (local $p i32) (local $n i32) (local $e i32)
    (local.set $len (call $read_all))
    (local.set $op (i32.load8_u (i32.const 1024)))
    (local.set $p (i32.const 1025))
    (local.set $n (i32.sub (local.get $len) (i32.const 1)))
    (if (i32.eq (local.get $op) (i32.const 111)) (then
      (i32.store8 (i32.const 16) (call $path_open (i32.const 3) (i32.const 1)
        (local.get $p) (local.get $n) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))
      (call $out (i32.const 1)) (return)))
    (if (i32.eq (local.get $op) (i32.const 99)) (then
      (local.set $e (call $path_open (i32.const 3) (i32.const 1) (local.get $p) (local.get $n)
        (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 40)))
      (i32.store8 (i32.const 16) (local.get $e))
      (if (i32.eqz (local.get $e)) (then
        (i32.store8 (i32.const 56) (i32.const 120))
        (i32.store (i32.const 32) (i32.const 56))
        (i32.store (i32.const 36) (i32.const 1))
        (i32.store8 (i32.const 17) (call $fd_write (i32.load (i32.const 40)) (i32.const 32) (i32.const 1) (i32.const 48)))
        (i32.store8 (i32.const 18) (call $fd_close (i32.load (i32.const 40))))))
      (call $out (i32.const 3)) (return)))
    (if (i32.eq (local.get $op) (i32.const 117)) (then
      (i32.store8 (i32.const 16) (call $unlink (i32.const 3) (local.get $p) (local.get $n)))
      (call $out (i32.const 1)) (return)))
    (if (i32.eq (local.get $op) (i32.const 115)) (then
      (i32.store8 (i32.const 16) (call $stat (i32.const 3) (i32.const 1) (local.get $p) (local.get $n) (i32.const 64)))
      (call $out (i32.const 1)) (return)))
    (if (i32.eq (local.get $op) (i32.const 109)) (then
      (i32.store8 (i32.const 16) (call $mkdir (i32.const 3) (local.get $p) (local.get $n)))
      (call $out (i32.const 1)) (return)))
    (if (i32.eq (local.get $op) (i32.const 103)) (then
      (i32.store8 (i32.const 16) (call $kv_get (local.get $p) (local.get $n) (i32.const 200) (i32.const 1)
        (i32.const 300) (i32.const 64) (i32.const 400) (i32.const 408)))
      (call $out (i32.const 1)) (return)))
    (if (i32.eq (local.get $op) (i32.const 112)) (then
      (i32.store8 (i32.const 16) (call $kv_put (local.get $p) (local.get $n) (i32.const 200) (i32.const 1)
        (i32.const 201) (i32.const 1) (i32.const 408)))
      (call $out (i32.const 1)) (return))))
)`);
}
