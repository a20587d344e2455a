/**
 * The calling thread's kernel id, which a worker reports so that the pool
 * can set its priority (thread_priority.ts). A file of its own because
 * workers load it and thread_priority.ts needs `node:os`, whose polyfill
 * would add ~20 ms to every worker's start.
 *
 * @module
 */

/**
 * The calling thread's id as the kernel knows it (for `setpriority`), or
 * `undefined` off Linux or without read access to `/proc`.
 *
 * @example
 * ```ts
 * import { currentThreadId } from "./thread_id.ts";
 * console.log(currentThreadId()); // e.g. 4242 on Linux
 * ```
 */
export function currentThreadId(): number | undefined {
  try {
    const id = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
    return Number.isSafeInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
