/**
 * args_* and environ_*: a list of strings the guest reads as NUL-terminated
 * UTF-8 with an array of pointers to them. Encoded on first use, so a guest
 * that never asks costs nothing.
 *
 * @module
 */

import type { GuestMemory } from "./_memory.ts";
import { Errno } from "./errno.ts";

const encoder = new TextEncoder();

/**
 * argv or environ as the guest sees it.
 *
 * @example
 * ```ts
 * import { StringList } from "./_args.ts";
 * const argv = new StringList(["echo", "hi"]);
 * ```
 */
export class StringList {
  readonly #strings: readonly string[];
  #bytes: Uint8Array | undefined;
  #offsets: number[] = [];

  constructor(strings: readonly string[]) {
    this.#strings = strings;
  }

  #encode(): Uint8Array {
    if (this.#bytes !== undefined) return this.#bytes;
    const parts = this.#strings.map((s) => encoder.encode(s));
    let size = 0;
    for (const part of parts) size += part.length + 1;
    const bytes = new Uint8Array(size); // zero-filled: the NULs are there
    let offset = 0;
    for (const part of parts) {
      this.#offsets.push(offset);
      bytes.set(part, offset);
      offset += part.length + 1;
    }
    return this.#bytes = bytes;
  }

  /** *_sizes_get(count_ptr, buf_size_ptr) */
  sizes(mem: GuestMemory, countPtr: number, sizePtr: number): number {
    mem.refresh();
    countPtr >>>= 0;
    sizePtr >>>= 0;
    if (!mem.fits(countPtr, 4) || !mem.fits(sizePtr, 4)) return Errno.EFAULT;
    const bytes = this.#encode();
    mem.view.setUint32(countPtr, this.#strings.length, true);
    mem.view.setUint32(sizePtr, bytes.length, true);
    return Errno.ESUCCESS;
  }

  /** *_get(pointers_ptr, buf_ptr) */
  get(mem: GuestMemory, pointers: number, buf: number): number {
    mem.refresh();
    pointers >>>= 0;
    buf >>>= 0;
    const bytes = this.#encode();
    const offsets = this.#offsets;
    if (
      !mem.fitsArray(pointers, offsets.length, 4) ||
      !mem.fits(buf, bytes.length)
    ) {
      return Errno.EFAULT;
    }
    const view = mem.view;
    for (let i = 0; i < offsets.length; i++) {
      view.setUint32(pointers + i * 4, buf + offsets[i], true);
    }
    mem.u8.set(bytes, buf);
    return Errno.ESUCCESS;
  }
}
