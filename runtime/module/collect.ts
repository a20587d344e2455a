/**
 * Prompting a garbage collection without `--expose-gc`. V8 frees a dropped
 * `WebAssembly.Module` (its code and bytes, shared by every isolate that
 * holds it) only when a collection finds it unreachable, and it counts a
 * module's native memory too little to start one: a node that redeploys
 * now and then kept every old module until a collection came by chance
 * (RSS climbed ~0.3 MiB a redeploy, 100+ MiB between collections).
 * Allocating an ArrayBuffer makes V8 count its size as external memory,
 * and 64 MiB of it starts a collection; the buffer is never touched, so
 * it takes address space only, never resident memory.
 *
 * @module
 */

const PROMPT_BYTES = 64 << 20;

/**
 * Makes V8 collect garbage soon in the calling isolate.
 *
 * @example
 * ```ts
 * import { promptCollection } from "./collect.ts";
 * promptCollection(); // after dropping the last references to big objects
 * ```
 */
export function promptCollection(): void {
  const external = new ArrayBuffer(PROMPT_BYTES);
  void external;
}
