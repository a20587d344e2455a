/**
 * random_get: the host's CSPRNG, in the ≤ 64 KiB pieces
 * `crypto.getRandomValues` accepts.
 *
 * @module
 */

import type { WasiContext } from "./_context.ts";
import { Errno } from "./errno.ts";

const MAX_CHUNK = 65536;

/**
 * random_get(buf, buf_len)
 *
 * @example
 * ```ts
 * import type { WasiContext } from "./_context.ts";
 * import { randomGet } from "./_random.ts";
 * // What a caller holding these does (checked, not run):
 * function _example(ctx: WasiContext) {
 *   // 32 random bytes at 64
 *   const errno = randomGet(ctx, 64, 32);
 * }
 * ```
 */
export function randomGet(ctx: WasiContext, buf: number, len: number): number {
  const mem = ctx.mem;
  mem.refresh();
  buf >>>= 0;
  len >>>= 0;
  if (!mem.fits(buf, len)) return Errno.EFAULT;
  const u8 = mem.u8;
  for (let at = buf, end = buf + len; at < end; at += MAX_CHUNK) {
    crypto.getRandomValues(u8.subarray(at, Math.min(end, at + MAX_CHUNK)));
  }
  return Errno.ESUCCESS;
}
