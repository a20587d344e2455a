/**
 * What a bucket name and a key may be. A key is a file name directly under
 * a state mount, so it must be one safe name: 1-255 characters of
 * `A-Z a-z 0-9 . _ = -`, not starting or ending with `.` (so never `.` or
 * `..`). The same set is valid as a NATS JetStream KV key, so every backend
 * stores keys as they are.
 *
 * @module
 */
import { StateError } from "./errors.ts";

/** Bucket names follow function names. */
export const BUCKET_NAME: RegExp = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Keys: one file name from a set every backend stores as is. */
export const KEY_NAME: RegExp =
  /^[A-Za-z0-9_=-](?:[A-Za-z0-9._=-]{0,253}[A-Za-z0-9_=-])?$/;

/**
 * Whether `key` is a valid key.
 *
 * @example
 * ```ts
 * import { isKey } from "./keys.ts";
 * console.log(isKey("cart-1.json"), isKey("../etc")); // true false
 * ```
 */
export function isKey(key: string): boolean {
  return KEY_NAME.test(key);
}

/**
 * Throws `invalid_bucket` unless `name` is a valid bucket name.
 *
 * @example
 * ```ts
 * import { checkBucket } from "./keys.ts";
 * checkBucket("carts");
 * ```
 */
export function checkBucket(name: string): void {
  if (!BUCKET_NAME.test(name)) {
    throw new StateError(
      "invalid_bucket",
      `invalid bucket name '${name}': use 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
      { bucket: name },
    );
  }
}

/**
 * Throws `invalid_key` unless `key` is a valid key.
 *
 * @example
 * ```ts
 * import { checkKey } from "./keys.ts";
 * checkKey("alice");
 * ```
 */
export function checkKey(key: string): void {
  if (!isKey(key)) {
    throw new StateError(
      "invalid_key",
      `invalid key '${key}': use 1-255 of A-Z a-z 0-9 . _ = -, not starting or ending with '.'`,
      { key },
    );
  }
}
