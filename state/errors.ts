/**
 * State errors: one class, a stable `code` per failure (the API's statuses
 * for them are in api/status.ts).
 *
 * | code                | when                                              |
 * | ------------------- | ------------------------------------------------- |
 * | `invalid_bucket`    | a bucket name that is not like a function name    |
 * | `invalid_key`       | a key that is not a plain file name (see keys.ts) |
 * | `invalid_revision`  | an `If-Match` that is not a revision              |
 * | `key_not_found`     | reading a key that does not exist                 |
 * | `revision_mismatch` | a compare-and-swap whose revision did not match   |
 * | `state_unavailable` | a write that cannot be made durable now           |
 *
 * @module
 */
import { EddyError, type ErrorDetails } from "../runtime/errors.ts";

/** Stable codes of {@linkcode StateError}. */
export type StateErrorCode =
  | "invalid_bucket"
  | "invalid_key"
  | "invalid_revision"
  | "key_not_found"
  | "revision_mismatch"
  | "state_unavailable";

/**
 * A state operation that was refused or could not be done.
 *
 * @example
 * ```ts
 * import { StateError } from "./errors.ts";
 * const e = new StateError("key_not_found", "no key 'alice' in bucket 'carts'", {
 *   bucket: "carts", key: "alice",
 * });
 * console.log(e.code); // key_not_found
 * ```
 */
export class StateError extends EddyError {
  declare readonly code: StateErrorCode;
  constructor(
    code: StateErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(code, message, details);
  }
}
