/**
 * Bounds-checked access to a guest's linear memory.
 *
 * Every WASI call starts with `refresh()`: `memory.grow` detaches the old
 * ArrayBuffer, so views are rebuilt whenever `memory.buffer` is a different
 * object (an identity check, nothing allocated when it is the same). Pointers
 * arrive as signed i32; callers pass them through `>>> 0` and then `fits()`
 * before touching memory, so no RangeError can escape and nothing is
 * allocated from a length the guest chose before the check.
 *
 * @module
 */

const EMPTY = new ArrayBuffer(0);
const EMPTY_U8 = new Uint8Array(EMPTY);
const EMPTY_VIEW = new DataView(EMPTY);
const TWO_32 = 4294967296;

/**
 * A view of guest memory that follows `memory.grow`.
 *
 * @example
 * ```ts
 * import { GuestMemory } from "./_memory.ts";
 * const mem = new GuestMemory();
 * mem.bind(new WebAssembly.Memory({ initial: 1 }));
 * mem.refresh();
 * if (mem.fits(16, 8)) mem.view.setUint32(16, 7, true);
 * ```
 */
export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;
  #buffer: ArrayBufferLike = EMPTY;
  /** Bytes of the current buffer. */
  u8: Uint8Array = EMPTY_U8;
  /** DataView of the current buffer (little-endian access by callers). */
  view: DataView = EMPTY_VIEW;
  /** Current memory size in bytes. */
  size = 0;

  /** Attaches the instance's exported memory. */
  bind(memory: WebAssembly.Memory): void {
    this.#memory = memory;
    this.refresh();
  }

  /** Rebuilds the views if memory grew since the last call. */
  refresh(): void {
    const memory = this.#memory;
    if (memory === undefined) return;
    const buffer = memory.buffer;
    if (buffer === this.#buffer) return;
    this.#buffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.size = buffer.byteLength;
  }

  /** Whether `[ptr, ptr + len)` lies inside memory (both unsigned). */
  fits(ptr: number, len: number): boolean {
    return ptr + len <= this.size;
  }

  /**
   * Whether an array of `count` structs of `size` bytes at `ptr` fits;
   * written so that a huge count cannot overflow into a false "yes".
   */
  fitsArray(ptr: number, count: number, size: number): boolean {
    return count <= (this.size - ptr) / size && ptr <= this.size;
  }

  /** Writes an unsigned 64-bit value given as a non-negative number. */
  setU64(ptr: number, value: number): void {
    const hi = Math.floor(value / TWO_32);
    this.view.setUint32(ptr, value - hi * TWO_32, true);
    this.view.setUint32(ptr + 4, hi, true);
  }
}
