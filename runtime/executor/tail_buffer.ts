/**
 * A byte sink that keeps only the last bytes written: a guest's stderr is its
 * log, and an error report needs its tail, not all of it.
 *
 * @module
 */
import type { ByteSink } from "../wasi/mod.ts";

const decoder = new TextDecoder();

/**
 * Keeps the last `capacity` bytes written to it.
 *
 * @example
 * ```ts
 * import { TailBuffer } from "./tail_buffer.ts";
 * const log = new TailBuffer(4);
 * log.write(new TextEncoder().encode("hello"));
 * console.log(log.text()); // "ello"
 * ```
 */
export class TailBuffer implements ByteSink {
  readonly #capacity: number;
  #ring: Uint8Array | undefined;
  #end = 0;
  #total = 0;

  constructor(capacity = 4096) {
    this.#capacity = capacity;
  }

  /** Total bytes ever written, including those no longer kept. */
  get size(): number {
    return this.#total;
  }

  write(data: Uint8Array): void {
    const cap = this.#capacity;
    this.#ring ??= new Uint8Array(cap);
    this.#total += data.length;
    const src = data.length > cap ? data.subarray(data.length - cap) : data;
    const first = Math.min(src.length, cap - this.#end);
    this.#ring.set(src.subarray(0, first), this.#end);
    this.#ring.set(src.subarray(first), 0);
    this.#end = (this.#end + src.length) % cap;
  }

  /** The kept bytes, oldest first. */
  bytes(): Uint8Array {
    if (!this.#ring) return new Uint8Array();
    if (this.#total < this.#capacity) return this.#ring.slice(0, this.#end);
    const out = new Uint8Array(this.#capacity);
    out.set(this.#ring.subarray(this.#end));
    out.set(this.#ring.subarray(0, this.#end), this.#capacity - this.#end);
    return out;
  }

  /** The kept bytes as UTF-8 text (a character cut at the start is dropped). */
  text(): string {
    if (this.#total === 0) return "";
    return decoder.decode(this.bytes()).replace(/^\uFFFD/, "");
  }
}
