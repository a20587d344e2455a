/**
 * Copies between a guest's memory and host buffers (stdin, stdout) that
 * step around a slow case of the C library's `memmove`, which
 * `Uint8Array.prototype.set` ends in.
 *
 * From 2,112 bytes glibc copies with `rep movsb`, and on these machines'
 * CPUs (AMD EPYC, FSRM) that runs ~15x slower when the destination lies 1
 * to 31 bytes past the source modulo 4 KiB: 64 KiB in 21.7 µs instead of
 * 1.4 (measured; a copy of 1 MiB, bound by memory, is not affected). A
 * guest's buffers are page-aligned more often than not and glibc hands out
 * large blocks 16 bytes past a page, so a guest writing its output 64 KiB
 * at a time into a fresh output buffer hit it on every write (1 MiB
 * memory-mode chains: the producer's worker spent 4x the CPU on its
 * copies). JavaScript cannot see addresses, so a copy in the affected
 * sizes is timed once per host buffer and offset from the guest's page;
 * one found slow is made in 2 KiB pieces, below `rep movsb`'s threshold
 * (64 KiB in 2.9 µs whatever the alignment), and timed again now and then.
 *
 * @module
 */

/** Pieces of a copy found slow: under glibc's `rep movsb` threshold. */
const PIECE_BYTES = 2048;
/** Copies from this size are timed: smaller ones cost little either way. */
const TIMED_FROM = 8 << 10;
/** Past this a copy is bound by memory, not by the slow case. */
const TIMED_UP_TO = 256 << 10;
/** A copy slower than this (bytes per µs, ~6 GB/s) is the slow case. */
const SLOW_BYTES_PER_US = 6000;
/** A pair found slow is timed again after this many copies in pieces. */
const RECHECK_AFTER = 64;

/**
 * Per host buffer, per direction and offset between it and a guest's
 * memory (modulo 4 KiB; a guest's memory starts on a page, so that offset
 * is all that tells the two addresses apart): 1 when a copy was fast, a
 * negative count of copies left before timing again when it was slow.
 */
const verdicts = new WeakMap<ArrayBufferLike, Map<number, number>>();

/**
 * Copies `memory[start, end)`, a guest's memory, into `target` (a host
 * buffer) at `at`, as `target.set(memory.subarray(start, end), at)` does
 * but never in memmove's slow case (see above).
 *
 * @example
 * ```ts
 * import { copyFromGuest } from "./guest_copy.ts";
 * const memory = new Uint8Array(new WebAssembly.Memory({ initial: 2 }).buffer).fill(7);
 * const target = new Uint8Array(128 << 10);
 * copyFromGuest(memory, 0, 64 << 10, target, 16);
 * console.log(target[16], target[16 + (64 << 10) - 1], target[15]); // 7 7 0
 * ```
 */
export function copyFromGuest(
  memory: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  at: number,
): void {
  copy(target, at, memory, start, end, true);
}

/**
 * Copies `source[start, end)`, a host buffer, into `memory`, a guest's
 * memory, at `ptr`, as `memory.set(source.subarray(start, end), ptr)` does
 * but never in memmove's slow case (see above).
 *
 * @example
 * ```ts
 * import { copyToGuest } from "./guest_copy.ts";
 * const memory = new Uint8Array(new WebAssembly.Memory({ initial: 2 }).buffer);
 * copyToGuest(new Uint8Array(64 << 10).fill(7), 0, 64 << 10, memory, 32);
 * console.log(memory[32], memory[31]); // 7 0
 * ```
 */
export function copyToGuest(
  source: Uint8Array,
  start: number,
  end: number,
  memory: Uint8Array,
  ptr: number,
): void {
  copy(memory, ptr, source, start, end, false);
}

/**
 * `target.set(source.subarray(start, end), at)`, timed or in pieces as the
 * verdict on the host buffer (`target` if `toHost`, else `source`) says.
 */
function copy(
  target: Uint8Array,
  at: number,
  source: Uint8Array,
  start: number,
  end: number,
  toHost: boolean,
): void {
  const length = end - start;
  if (length < TIMED_FROM || length > TIMED_UP_TO) {
    target.set(source.subarray(start, end), at);
    return;
  }
  const host = toHost ? target : source;
  let byOffset = verdicts.get(host.buffer);
  if (!byOffset) verdicts.set(host.buffer, byOffset = new Map());
  const into = target.byteOffset + at;
  const from = source.byteOffset + start;
  // The slow case is one way round (the destination just past the
  // source): a copy into the guest and one out of it are told apart.
  const key = toHost ? ((into - from) & 4095) | 4096 : (from - into) & 4095;
  const verdict = byOffset.get(key) ?? 0;
  if (verdict > 0) {
    target.set(source.subarray(start, end), at);
    return;
  }
  if (verdict < 0) {
    byOffset.set(key, verdict + 1);
    for (let piece = start; piece < end; piece += PIECE_BYTES) {
      target.set(
        source.subarray(piece, Math.min(piece + PIECE_BYTES, end)),
        at + piece - start,
      );
    }
    return;
  }
  const began = performance.now();
  target.set(source.subarray(start, end), at);
  const us = (performance.now() - began) * 1000;
  byOffset.set(key, length > us * SLOW_BYTES_PER_US ? 1 : -RECHECK_AFTER);
}
