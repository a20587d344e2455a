/**
 * Many distinct small modules for density tests and benchmarks: one WAT
 * guest assembled once, with an eight-digit constant in its data segment
 * that each copy changes, so that every number is its own module (its own
 * digest, compiled on its own).
 *
 * @module
 */
import { wat } from "./wat.ts";

const MARK = "n=00000000;";

/**
 * Reads up to 4 KiB of stdin and writes `n=<8 digits>;` then that input.
 * The digits sit in a data segment, patched per number.
 */
const TEMPLATE = wat(`(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "${MARK}")
  (func (export "_start")
    ;; iovecs at 0: the mark (16, 11), the input (1024, nread); nread at 32
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 32)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const ${MARK.length}))
    (i32.store (i32.const 8) (i32.const 1024))
    (i32.store (i32.const 12) (i32.load (i32.const 32)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 32)))))`);

const DIGITS_AT = (() => {
  const mark = new TextEncoder().encode(MARK);
  search: for (let i = 0; i + mark.length <= TEMPLATE.length; i++) {
    for (let j = 0; j < mark.length; j++) {
      if (TEMPLATE[i + j] !== mark[j]) continue search;
    }
    return i + 2;
  }
  throw new Error("the numbered guest's mark is missing from its binary");
})();

/**
 * The module of number `n` (0 to 99,999,999): it answers `n=<n, 8
 * digits>;` followed by its input.
 *
 * @example
 * ```ts
 * import { numberedGuest, numberedOutput } from "./numbered.ts";
 * const bytes = numberedGuest(42);
 * console.log(numberedOutput(42, "hi")); // n=00000042;hi
 * ```
 */
export function numberedGuest(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(n) || n < 0 || n > 99_999_999) {
    throw new RangeError(`a numbered guest's number is 0..99999999, not ${n}`);
  }
  const bytes = TEMPLATE.slice();
  const digits = String(n).padStart(8, "0");
  for (let i = 0; i < 8; i++) bytes[DIGITS_AT + i] = digits.charCodeAt(i);
  return bytes;
}

/**
 * What {@linkcode numberedGuest}`(n)` answers to `input`.
 *
 * @example
 * ```ts
 * import { numberedOutput } from "./numbered.ts";
 * console.log(numberedOutput(7, "")); // n=00000007;
 * ```
 */
export function numberedOutput(n: number, input: string): string {
  return `n=${String(n).padStart(8, "0")};${input}`;
}
