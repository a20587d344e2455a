/**
 * Small helpers the end-to-end tests share: random payloads and waiting for
 * a condition that other processes make true.
 *
 * @module
 */

/**
 * `size` random bytes (crypto.getRandomValues fills at most 64 KiB a call).
 *
 * @example
 * ```ts
 * import { randomBytes } from "./data.ts";
 * const payload = randomBytes(1 << 20);
 * ```
 */
export function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) {
    crypto.getRandomValues(bytes.subarray(off, Math.min(size, off + 65536)));
  }
  return bytes;
}

/**
 * Polls `check` every 50 ms until it holds; fails after `timeoutMs`.
 *
 * @example
 * ```ts ignore
 * await until("b learns of a", async () => (await peersOf(b.url)).length > 0);
 * ```
 */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
