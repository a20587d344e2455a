/**
 * Content addresses of modules: `sha256:` followed by 64 lowercase hex digits.
 *
 * @module
 */
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
 * Computes the digest of module bytes, with WebCrypto: `node:crypto`'s
 * polyfill would add ~20 ms to every node's start, for the one hash.
 *
 * @example
 * ```ts
 * import { digestOf } from "./digest.ts";
 * console.log(await digestOf(new Uint8Array([0, 97, 115, 109]))); // "sha256:cd5d4935..."
 * ```
 */
export async function digestOf(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return `sha256:${new Uint8Array(digest).toHex()}`;
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
