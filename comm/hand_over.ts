/**
 * Who owns a payload once it is sent: the rules that let the memory mode
 * move bytes without copying them. One producer's output fed to several
 * consumers is handed over to at most one of them; across isolates a payload
 * moves on a postMessage transfer list, never by structured clone.
 *
 * @module
 */
import type { Mode } from "./mode.ts";

/**
 * Which of the sends of one payload may hand the payload itself over
 * (`CallOptions.transfer`), given each send's mode in order. A memory
 * consumer owns what it gets (it may transfer the buffer to a worker, which
 * empties it), while a unix or http2 send only reads the payload until it
 * settles. So the last memory send takes the payload when every other send
 * is a memory send too; every other memory send gets a copy (the memory
 * transport makes it), and none may take it while a socket still reads it.
 * A payload with one consumer is never copied.
 *
 * @example
 * ```ts
 * import { handOver } from "./hand_over.ts";
 * console.log(handOver(["memory"])); // [ true ]
 * console.log(handOver(["memory", "memory"])); // [ false, true ]
 * console.log(handOver(["memory", "unix"])); // [ false, false ]
 * ```
 */
export function handOver(modes: readonly Mode[]): boolean[] {
  const owner = modes.every((m) => m === "memory") ? modes.length - 1 : -1;
  return modes.map((_, i) => i === owner);
}

/**
 * `bytes` ready to cross to another isolate of this process: the view to
 * post and the buffer to put on the transfer list. A view that spans its
 * whole (fixed-length, unshared) buffer goes as it is, and the sender must
 * not touch it again; any other view (a slice of a bigger buffer, say a
 * pooled receive buffer or a guest's memory) is copied first, because a
 * transfer moves the whole buffer.
 *
 * @example
 * ```ts
 * import { transferable } from "./hand_over.ts";
 * const whole = new Uint8Array(8);
 * const [view, buffer] = transferable(whole);
 * console.log(view === whole, buffer === whole.buffer); // true true
 * const [part] = transferable(whole.subarray(2, 4));
 * console.log(part.byteLength, part.buffer.byteLength); // 2 2
 * ```
 */
export function transferable(
  bytes: Uint8Array,
): [Uint8Array<ArrayBuffer>, ArrayBuffer] {
  const buffer = bytes.buffer;
  if (
    buffer instanceof ArrayBuffer && !buffer.resizable &&
    bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength
  ) {
    return [bytes as Uint8Array<ArrayBuffer>, buffer];
  }
  const copy = bytes.slice() as Uint8Array<ArrayBuffer>;
  return [copy, copy.buffer];
}
