/**
 * Content addresses of modules: `sha256:` followed by 64 lowercase hex digits.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * What a module digest looks like.
 *
 * @example
 * ```ts
 * import { DIGEST_PATTERN } from "./digest.ts";
 * console.log(DIGEST_PATTERN.test("sha256:" + "0".repeat(64))); // true
 * ```
 */
export const DIGEST_PATTERN: RegExp = /^sha256:[0-9a-f]{64}$/;

/**
 * Computes the digest of module bytes. Synchronous on purpose: hashing runs
 * at several hundred MB/s, and a sync hash lets the store verify a module it
 * loads lazily from a synchronous accessor.
 *
 * @example
 * ```ts
 * import { digestOf } from "./digest.ts";
 * console.log(digestOf(new Uint8Array([0, 97, 115, 109]))); // "sha256:cd5d4935..."
 * ```
 */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/**
 * Whether `value` is a well-formed digest.
 *
 * @example
 * ```ts
 * import { isDigest } from "./digest.ts";
 * console.log(isDigest("sha256:abc")); // false
 * ```
 */
export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}
